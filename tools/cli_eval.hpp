// `otpcpp call -e`: Erlang expressions evaluated on a peer, the way the shell (and
// erl_call -e) evaluates them: scanned, parsed and run by the peer's own erl_scan,
// erl_parse and erl_eval, so the syntax is exactly the peer's.
#pragma once

#include <chrono>
#include <string_view>

#include "otp/mailbox.hpp"

namespace otp::cli {

/// Evaluates `text` (expressions, each sequence ending in '.') on `peer` in order, with
/// bindings carried from one to the next, all in one process of the peer; returns the
/// value of the last. Throws failure on syntax errors, exceptions and lost calls.
term evaluate_on(mailbox& m, atom peer, std::string_view text, std::chrono::milliseconds timeout);

}  // namespace otp::cli

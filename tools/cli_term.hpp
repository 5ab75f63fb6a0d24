// Terms on the command line: parsing what the user typed and printing results, so that
// what `otpcpp call` prints reads back with erl_scan/erl_parse.
#pragma once

#include <string>
#include <string_view>

#include "otp/term.hpp"

namespace otp::cli {

/// Parses an Erlang term given as an argument; throws failure (exit 2, bad arguments)
/// naming `what` and where the text went wrong.
term parse_argument(std::string_view text, std::string_view what);

/// A result for stdout, like io_lib:format("~tp"), with `peer`'s own pids, ports and
/// references as <0.X.Y> (the way the peer's shell shows them).
std::string print_result(const term& t, atom peer);

/// A term on one line, for error messages (which must stay one line).
std::string one_line(const term& t);

}  // namespace otp::cli

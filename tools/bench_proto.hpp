// The messages of the shared benchmark's peer (../shared/bench/bench_peer.erl), as
// both the bench client and the C++ stand-in peer use them: the atoms, recognising a
// tagged tuple, and waiting for the next message with a time limit.
#pragma once

#include <chrono>
#include <span>
#include <string_view>

#include "otp/mailbox.hpp"
#include "otp/term.hpp"

namespace otp::cli::bench {

/// The atoms of the benchmark protocol, interned once.
struct proto_atoms {
    atom seq{"seq"}, done{"done"}, sink{"sink"}, sink_done{"sink_done"};
    atom echo{"echo"}, ping{"ping"}, pong{"pong"}, bin{"bin"}, bin_ack{"bin_ack"};
    atom source{"source"}, start{"start"}, source_done{"source_done"};
    atom erlang{"erlang"}, node{"node"}, lists{"lists"}, reverse{"reverse"};
    atom rex{"rex"}, call{"call"}, user{"user"};
    atom nodeup{"nodeup"}, nodedown{"nodedown"};
};
/// The shared instance.
const proto_atoms& atoms();

/// The elements of `t` when it is a tuple of `arity` elements whose first is `tag`;
/// an empty span otherwise.
std::span<const term> tagged(const term& t, atom tag, std::size_t arity) noexcept;

/// The next message of `mb`, waiting up to `timeout`; throws run_error naming
/// `waiting_for` when none comes or the mailbox closed.
term next_message(mailbox& mb, std::chrono::milliseconds timeout, std::string_view waiting_for);

/// `x` as a long when it is an integer, else `fallback`.
long as_long(const term& x, long fallback = -1) noexcept;

}  // namespace otp::cli::bench

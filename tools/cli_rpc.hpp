// Reaching a peer from a CLI command: connecting and rpc:call, each failing with one
// line that says why.
#pragma once

#include <chrono>

#include "node_cli.hpp"
#include "otp/call.hpp"
#include "otp/node.hpp"

namespace otp::cli {

/// Stands for "no time limit" where the library wants a duration: long enough never to
/// end, short enough that now() + it cannot overflow.
inline constexpr std::chrono::milliseconds no_time_limit = std::chrono::hours(24 * 365 * 10);

/// The options for a command that runs a node only to reach one peer: its log stays off
/// unless asked for (-v, --log-level), as the one line of a failure already says why.
node_cli_options one_shot(node_cli_options o);

/// A --timeout in milliseconds where 0 means no limit.
std::chrono::milliseconds timeout_from_ms(int ms);

/// Connects to `peer`; throws failure ("cannot reach PEER: why") when that fails.
void connect_or_fail(node& n, atom peer, std::chrono::milliseconds timeout);

/// Throws failure for a failed rpc:call(Peer, Mod, Fun, Args): names Mod:Fun/Arity, the
/// peer and the reason (the `{badrpc, R}`, the time limit, the lost connection).
[[noreturn]] void rpc_failed(atom peer, atom mod, atom fun, std::size_t arity,
                             const call_error& err, std::chrono::milliseconds timeout);

/// rpc:call(Peer, Mod, Fun, Args) made by `m`. A `{badrpc, R}` answer, a timeout or a
/// lost connection throws failure naming Mod:Fun/Arity, the peer and the reason.
term rpc_or_fail(mailbox& m, atom peer, atom mod, atom fun, const term& args,
                 std::chrono::milliseconds timeout);

}  // namespace otp::cli

// The children of `otpcpp mirror`: mailboxes that a peer creates with the `spawn`
// request and then drives with commands, hearing back about everything they receive.
#pragma once

#include "otp/node.hpp"

namespace otp::cli {

/// Creates a child mailbox on `n` for `owner` (the process that asked for it) and
/// returns its pid. Until it exits the child obeys `{link, Pid}`, `{unlink, Pid}`,
/// `{monitor, Pid}` (reporting `{monitor_ref, Ref}`), `{demonitor, Ref}`,
/// `{exit, Reason}`, `{exit2, Pid, Reason}` and `{send, To, Msg}`, and reports anything
/// else it gets — messages, exit signals (it traps exits; `kill` still ends it) and
/// monitor DOWNs — to `owner` as `{child_event, Child, Event}`.
/// Runs on the node's I/O threads: nothing a child does blocks.
pid spawn_child(node& n, const pid& owner);

}  // namespace otp::cli

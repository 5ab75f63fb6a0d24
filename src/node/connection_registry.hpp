// The state of the node's connection to each peer, and the decisions net_kernel makes
// from it: whether to dial, how to answer an incoming handshake (simultaneous connect,
// `alive`), and which attempt owns a connection. Pure; the runtime guards it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include "otp/atom.hpp"
#include "otp/handshake.hpp"

namespace otp::node_detail {

/// Identifies one connection attempt (outgoing or incoming).
using attempt_id = std::uint64_t;

/// Not thread-safe: the runtime guards it.
class connection_registry {
  public:
    enum class state { none, pending, up, up_pending };

    /// We want a connection to `peer`: a new attempt id when none exists or is under
    /// way, else nothing (the caller waits for the attempt in progress, or uses the
    /// connection that is up).
    std::optional<attempt_id> begin_dial(atom peer);

    /// The answer to an incoming handshake from `peer`, as net_kernel gives it.
    struct accept_decision {
        handshake_status status = handshake_status::ok;
        std::optional<attempt_id> superseded;  ///< our pending attempt to abort (ok_simultaneous)
        bool drop = false;  ///< another replacement is already pending: close without a word
    };
    /// `attempt` is the new incoming attempt; `us` our node name. A pending attempt
    /// (ours or another accept) loses to the new one unless our name is greater; an up
    /// connection makes the answer `alive`.
    accept_decision on_accept(atom peer, atom us, attempt_id attempt);

    /// The initiator's answer to `alive`: true when `attempt` owns the pending entry.
    bool owns(atom peer, attempt_id attempt) const;

    /// How an attempt's success changed the table.
    enum class outcome {
        up,        ///< the connection is now up
        replaced,  ///< it replaces an up connection (after `alive`): close the old one
        stale,     ///< the attempt no longer owns the entry: close it
    };
    outcome established(atom peer, attempt_id attempt);
    /// An attempt failed: its entry goes (or an `alive` replacement falls back to up).
    void failed(atom peer, attempt_id attempt);
    /// The up connection to `peer` is gone.
    void down(atom peer);

    state state_of(atom peer) const;
    std::size_t size() const noexcept { return entries_.size(); }

  private:
    struct entry {
        state st = state::none;
        attempt_id owner = 0;          // the attempt behind pending/up
        attempt_id pending_owner = 0;  // the replacement under way in up_pending
    };
    std::map<atom, entry> entries_;
    attempt_id next_ = 1;
};

}  // namespace otp::node_detail

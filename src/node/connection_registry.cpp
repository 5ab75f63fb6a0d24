// Connection states and net_kernel's decisions.
#include "node/connection_registry.hpp"

namespace otp::node_detail {

std::optional<attempt_id> connection_registry::begin_dial(atom peer) {
    auto [it, inserted] = entries_.try_emplace(peer);
    if (!inserted) return std::nullopt;
    it->second = entry{state::pending, next_++, 0};
    return it->second.owner;
}

connection_registry::accept_decision connection_registry::on_accept(atom peer, atom us,
                                                                    attempt_id attempt) {
    accept_decision d;
    auto it = entries_.find(peer);
    if (it == entries_.end()) {
        entries_.emplace(peer, entry{state::pending, attempt, 0});
        return d;
    }
    entry& e = it->second;
    switch (e.st) {
        case state::pending:
            // The connection set up by the node with the greater name wins.
            if (us > peer) {
                d.status = handshake_status::nok;
            } else {
                d.status = handshake_status::ok_simultaneous;
                d.superseded = e.owner;
                e.owner = attempt;
            }
            return d;
        case state::up:
            e.st = state::up_pending;
            e.pending_owner = attempt;
            d.status = handshake_status::alive;
            return d;
        case state::up_pending:
        case state::none:
            break;
    }
    d.status = handshake_status::nok;
    d.drop = true;
    return d;
}

bool connection_registry::owns(atom peer, attempt_id attempt) const {
    auto it = entries_.find(peer);
    return it != entries_.end() && it->second.st == state::pending && it->second.owner == attempt;
}

connection_registry::outcome connection_registry::established(atom peer, attempt_id attempt) {
    auto it = entries_.find(peer);
    if (it == entries_.end()) return outcome::stale;
    entry& e = it->second;
    if (e.st == state::pending && e.owner == attempt) {
        e.st = state::up;
        return outcome::up;
    }
    if (e.st == state::up_pending && e.pending_owner == attempt) {
        e = entry{state::up, attempt, 0};
        return outcome::replaced;
    }
    return outcome::stale;
}

void connection_registry::failed(atom peer, attempt_id attempt) {
    auto it = entries_.find(peer);
    if (it == entries_.end()) return;
    entry& e = it->second;
    if (e.st == state::pending && e.owner == attempt) {
        entries_.erase(it);
    } else if (e.st == state::up_pending && e.pending_owner == attempt) {
        e.st = state::up;
        e.pending_owner = 0;
    }
}

void connection_registry::down(atom peer) {
    auto it = entries_.find(peer);
    if (it == entries_.end()) return;
    if (it->second.st == state::up_pending) {
        // The old connection went while its replacement is under way: the replacement
        // becomes the pending owner.
        it->second = entry{state::pending, it->second.pending_owner, 0};
        return;
    }
    if (it->second.st == state::up) entries_.erase(it);
}

connection_registry::state connection_registry::state_of(atom peer) const {
    auto it = entries_.find(peer);
    return it == entries_.end() ? state::none : it->second.st;
}

}  // namespace otp::node_detail

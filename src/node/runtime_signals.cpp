// Signals from connected nodes, applied to this node's processes as a BEAM node
// applies them.
#include <spdlog/spdlog.h>

#include "node/runtime.hpp"

namespace otp::node_detail {
namespace {

const atom a_noproc("noproc");

template <class... Fs>
struct overloaded : Fs... {
    using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

}  // namespace

namespace {
// Mailboxes owed a wake-up by the reader running on this thread: a connection's
// signals are handled on one thread at a time, and each batch ends on the thread
// that ran it, so a per-thread list needs no lock.
thread_local std::vector<std::shared_ptr<mailbox_state>> owed_wakes;
}  // namespace

void runtime::deliver_batched(std::shared_ptr<mailbox_state>&& p, envelope&& e) {
    bool owed = false;
    deliver_to(p, std::move(e), &owed,
               complete_in_reader_ && !dist::connection::reading_for_waiter());
    if (owed) owed_wakes.push_back(std::move(p));
}

void runtime::on_batch_end(dist::connection&) {
    // A wake-up may run async receivers' handlers; they cannot add to this list (only
    // a reader does, and none runs inside a handler), so it keeps its capacity.
    for (auto& p : owed_wakes)
        p->wake();
    owed_wakes.clear();
}

void runtime::on_signal(dist::connection& c, dist::signal&& s) {
    // Messages: the receiver is found under the lock and the message queued outside
    // it, so a busy link and the node's senders hold the runtime's mutex only briefly.
    if (auto* m = std::get_if<dist::send_signal>(&s))
        return deliver_batched(find_process(m->to), {std::move(m->message), m->from});
    if (auto* m = std::get_if<dist::reg_send_signal>(&s))
        return deliver_batched(find_process(m->to), {std::move(m->message), m->from});
    lock_t lock(mu_);
    if (!running_) {
        // Closing: the node's processes are gone and its links drop, so the peer sees
        // noconnection for everything, as when a BEAM node halts. Answering a LINK or
        // MONITOR now with noproc would contradict that.
        if (std::holds_alternative<dist::alias_send_signal>(s)) ++undeliverable_;
        return;
    }
    std::visit(
        overloaded{
            [&](dist::send_signal&) {},      // above
            [&](dist::reg_send_signal&) {},  // above
            [&](dist::alias_send_signal& m) {
                auto it = aliases_.find(m.alias);
                auto owner = it == aliases_.end() ? nullptr : it->second.lock();
                if (!owner || !owner->deliver({std::move(m.message), m.from})) ++undeliverable_;
            },
            [&](dist::link_signal& m) {
                if (find_locked(m.to)) {
                    links_.on_link(m.to, m.from);
                } else {
                    // The process is gone: the link breaks at once with noproc.
                    const term reason(a_noproc);
                    if (c.handshake().flags & dflag::exit_payload)
                        c.send(dist::make::payload_exit(m.to, m.from), &reason);
                    else
                        c.send(dist::make::exit(m.to, m.from, reason));
                }
            },
            [&](dist::unlink_id_signal& m) {
                links_.on_unlink_id(m.to, m.from);
                // Always acknowledged, before any other signal to that process.
                c.send(dist::make::unlink_id_ack(m.id, m.to, m.from));
            },
            [&](dist::unlink_id_ack_signal& m) { links_.on_unlink_id_ack(m.to, m.from, m.id); },
            [&](dist::exit_signal& m) { exit_signal_locked(m.from, m.to, m.reason, m.link); },
            [&](dist::monitor_signal& m) {
                std::optional<pid> target;
                std::optional<atom> by_name;
                if (const pid* p = std::get_if<pid>(&m.target)) {
                    if (find_locked(*p)) target = *p;
                } else {
                    by_name = std::get<atom>(m.target);
                    if (auto it = names_.find(*by_name); it != names_.end()) target = it->second;
                }
                if (target) {
                    monitors_.add_incoming(m.ref, m.from, *target, by_name);
                    return;
                }
                // No such process: the monitor fires at once with noproc.
                const term reason(a_noproc);
                if (c.handshake().flags & dflag::exit_payload)
                    c.send(dist::make::payload_monitor_p_exit(m.target, m.from, m.ref), &reason);
                else
                    c.send(dist::make::monitor_p_exit(m.target, m.from, m.ref, reason));
            },
            [&](dist::demonitor_signal& m) { monitors_.remove_incoming(m.ref); },
            [&](dist::monitor_exit_signal& m) {
                auto fired = monitors_.fire_outgoing(m.ref);
                if (!fired) return;
                if (auto w = find_locked(fired->first))
                    down_locked(w, m.ref, fired->second.object(), m.reason);
            },
            [&](dist::spawn_request_signal& m) { spawn_request_locked(c, std::move(m)); },
            [&](dist::spawn_reply_signal&) {
                // We never send SPAWN_REQUEST, so a reply is for nobody.
                ++undeliverable_;
            },
            [&](dist::group_leader_signal&) {
                // Our processes have no group leader to change.
            },
        },
        s);
}

}  // namespace otp::node_detail

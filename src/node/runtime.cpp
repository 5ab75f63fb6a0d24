// The runtime's process table, message routing, links, monitors and exit signals.
#include "node/runtime.hpp"

#include <algorithm>
#include <future>
#include <iterator>

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "node/spin_wait.hpp"

namespace otp::node_detail {
namespace {

const atom a_normal("normal"), a_kill("kill"), a_killed("killed"), a_noproc("noproc"),
    a_noconnection("noconnection"), a_exit("EXIT"), a_down("DOWN"), a_process("process"),
    a_nodeup("nodeup"), a_nodedown("nodedown"), a_net_kernel("net_kernel");

dist::process_ref wire_target(const monitor_target& t) {
    if (const pid* p = std::get_if<pid>(&t.what)) return *p;
    return std::get<1>(t.what).first;
}

bool has(const dist::connection& c, std::uint64_t flag) {
    return (c.handshake().flags & flag) != 0;
}

}  // namespace

node_stats runtime::stats() const noexcept {
    return {undeliverable_.load(), unreachable_.load(), refused_.load(), busy_.load()};
}

// --- the process table -------------------------------------------------------------

std::shared_ptr<mailbox_state> runtime::spawn(mailbox_state::service_fn service) {
    lock_t lock(mu_);
    return spawn_locked(std::move(service));
}

std::shared_ptr<mailbox_state> runtime::spawn_locked(mailbox_state::service_fn service) {
    auto p = std::make_shared<mailbox_state>(own_io_, weak_from_this(), ids_->make_pid(), ex_,
                                             std::move(service));
    if (!running_) {
        p->close_queue(atom("noproc"));
        return p;
    }
    procs_.emplace(pid_key(p->self), p);
    return p;
}

std::shared_ptr<mailbox_state> runtime::find_locked(const pid& p) const {
    if (!is_local(p)) return nullptr;
    auto it = procs_.find(pid_key(p));
    return it == procs_.end() ? nullptr : it->second;
}

std::error_code runtime::register_name(atom name, const pid& p) {
    lock_t lock(mu_);
    auto proc = find_locked(p);
    if (!proc) return node_errc::mailbox_closed;
    if (names_.count(name) || proc->name) return node_errc::name_in_use;
    names_.emplace(name, p);
    proc->name = name;
    return {};
}

void runtime::unregister_name(const pid& p) {
    lock_t lock(mu_);
    if (auto proc = find_locked(p); proc && proc->name) {
        names_.erase(*proc->name);
        proc->name.reset();
    }
}

std::optional<pid> runtime::whereis(atom name) const {
    lock_t lock(mu_);
    auto it = names_.find(name);
    if (it == names_.end()) return std::nullopt;
    return it->second;
}

std::vector<atom> runtime::registered() const {
    lock_t lock(mu_);
    std::vector<atom> out;
    for (const auto& [name, p] : names_)
        out.push_back(name);
    return out;
}

reference runtime::make_alias(const std::shared_ptr<mailbox_state>& owner) {
    reference r = ids_->make_ref();
    lock_t lock(mu_);
    if (owner->is_open()) {
        aliases_.emplace(r, owner);
        owner->aliases.push_back(r);
    }
    return r;
}

bool runtime::unalias(const std::shared_ptr<mailbox_state>& owner, const reference& alias) {
    lock_t lock(mu_);
    auto it = aliases_.find(alias);
    if (it == aliases_.end() || it->second.lock() != owner) return false;
    aliases_.erase(it);
    std::erase_if(owner->aliases, [&](const reference& r) {
        return !ref_less{}(r, alias) && !ref_less{}(alias, r);
    });
    return true;
}

// --- messages ----------------------------------------------------------------------

void runtime::deliver_locked(const pid& to, envelope&& e) {
    deliver_to(find_locked(to), std::move(e));
}

void runtime::deliver_to(const std::shared_ptr<mailbox_state>& p, envelope&& e, bool* wake_owed,
                         bool complete_in_wake) {
    if (!p || !p->deliver(std::move(e), wake_owed, complete_in_wake)) ++undeliverable_;
}

std::shared_ptr<mailbox_state> runtime::find_process(const pid& p) const {
    lock_t lock(mu_);
    return find_locked(p);
}

std::shared_ptr<mailbox_state> runtime::find_process(atom name) const {
    lock_t lock(mu_);
    auto it = names_.find(name);
    return it == names_.end() ? nullptr : find_locked(it->second);
}

void runtime::send(const std::optional<pid>& from, const pid& to, term message) {
    if (to.node == name()) {
        lock_t lock(mu_);
        return deliver_locked(to, {std::move(message), from});
    }
    to_peer(to.node, [this, from, to, message = std::move(message)](dist::connection& c) {
        const pid* sender = from && has(c, dflag::send_sender) ? &*from : nullptr;
        if (c.send_with([&](const dist::packet_encoder& enc, std::vector<std::uint8_t>& out) {
                return enc.append_send(out, sender, to, message);
            }))
            ++undeliverable_;
    });
}

std::error_code runtime::send_registered(const std::optional<pid>& from, atom name, term message) {
    lock_t lock(mu_);
    auto it = names_.find(name);
    if (it == names_.end()) {
        ++undeliverable_;
        return node_errc::not_registered;
    }
    deliver_locked(it->second, {std::move(message), from});
    return {};
}

void runtime::send_named(const std::optional<pid>& from, atom to, atom node, term message) {
    if (node == name()) {
        (void)send_registered(from, to, std::move(message));
        return;
    }
    // REG_SEND needs a sender; anonymous sends come from net_kernel, as OTP's would.
    const pid sender = from ? *from : whereis(a_net_kernel).value_or(pid{});
    to_peer(node, [this, sender, to, message = std::move(message)](dist::connection& c) {
        if (c.send_with([&](const dist::packet_encoder& enc, std::vector<std::uint8_t>& out) {
                return enc.append_reg_send(out, sender, to, message);
            }))
            ++undeliverable_;
    });
}

void runtime::send_alias(const std::optional<pid>& from, const reference& alias, term message) {
    if (alias.node == name()) {
        lock_t lock(mu_);
        auto it = aliases_.find(alias);
        auto owner = it == aliases_.end() ? nullptr : it->second.lock();
        if (!owner || !owner->deliver({std::move(message), from})) ++undeliverable_;
        return;
    }
    const pid sender = from ? *from : whereis(a_net_kernel).value_or(pid{});
    to_peer(alias.node, [this, sender, alias, message = std::move(message)](dist::connection& c) {
        // Like OTP, a peer without ALIAS cannot take it: the message is dropped.
        if (!has(c, dflag::alias) ||
            c.send_with([&](const dist::packet_encoder& enc, std::vector<std::uint8_t>& out) {
                return enc.append_alias_send(out, sender, alias, message);
            }))
            ++undeliverable_;
    });
}

// --- links, monitors, exits ------------------------------------------------------------

void runtime::link(const pid& local, const pid& other) {
    lock_t lock(mu_);
    if (!find_locked(local)) return;
    if (other.node == name()) {
        if (!find_locked(other)) {
            // Linking to a process that is gone: an exit signal with reason noproc.
            links_.link(local, other);
            return exit_signal_locked(other, local, a_noproc, true);
        }
        links_.link(local, other);
        links_.on_link(other, local);
        return;
    }
    if (links_.link(local, other))
        to_peer_locked(other.node, [local, other](dist::connection& c) {
            c.send(dist::make::link(local, other));
        });
}

void runtime::unlink(const pid& local, const pid& other) {
    lock_t lock(mu_);
    const auto id = links_.unlink(local, other);
    if (!id) return;
    if (other.node == name()) {
        // Within the node the UNLINK_ID and its acknowledgement happen at once.
        links_.on_unlink_id(other, local);
        links_.on_unlink_id_ack(local, other, *id);
        return;
    }
    to_peer_locked(other.node, [id = *id, local, other](dist::connection& c) {
        c.send(dist::make::unlink_id(id, local, other));
    });
}

reference runtime::monitor(const std::shared_ptr<mailbox_state>& watcher, const monitor_target& t) {
    reference ref = ids_->make_ref();
    lock_t lock(mu_);
    if (!watcher->is_open()) return ref;
    if (t.node() == name()) {
        std::optional<pid> target;
        std::optional<atom> by_name;
        if (const pid* p = std::get_if<pid>(&t.what)) {
            if (find_locked(*p)) target = *p;
        } else {
            by_name = std::get<1>(t.what).first;
            if (auto it = names_.find(*by_name); it != names_.end()) target = it->second;
        }
        if (!target) {
            down_locked(watcher, ref, t.object(), a_noproc);
        } else {
            monitors_.add_incoming(ref, watcher->self, *target, by_name);
            watcher->local_monitors.push_back(ref);
        }
        return ref;
    }
    monitors_.add_outgoing(ref, watcher->self, t);
    send_monitor_locked(watcher->self, t, ref, true);
    return ref;
}

void runtime::send_monitor_locked(const pid& from, const monitor_target& t, const reference& ref,
                                  bool on) {
    to_peer_locked(t.node(), [from, target = wire_target(t), ref, on](dist::connection& c) {
        c.send(on ? dist::make::monitor_p(from, target, ref)
                  : dist::make::demonitor_p(from, target, ref));
    });
}

bool runtime::demonitor(const std::shared_ptr<mailbox_state>& watcher, const reference& ref) {
    lock_t lock(mu_);
    if (auto t = monitors_.remove_outgoing(ref, watcher->self)) {
        send_monitor_locked(watcher->self, *t, ref, false);
        return true;
    }
    auto& mine = watcher->local_monitors;
    auto it = std::find_if(mine.begin(), mine.end(), [&](const reference& r) {
        return !ref_less{}(r, ref) && !ref_less{}(ref, r);
    });
    if (it == mine.end()) return false;
    mine.erase(it);
    monitors_.remove_incoming(ref);
    return true;
}

void runtime::exit(const pid& from, const pid& to, term reason) {
    lock_t lock(mu_);
    if (to.node == name()) return exit_signal_locked(from, to, reason, false);
    to_peer_locked(to.node, [from, to, reason = std::move(reason)](dist::connection& c) {
        if (has(c, dflag::exit_payload))
            c.send(dist::make::payload_exit2(from, to), &reason);
        else
            c.send(dist::make::exit2(from, to, reason));
    });
}

void runtime::exit_signal_locked(const pid& from, const pid& to, const term& reason,
                                 bool via_link) {
    auto p = find_locked(to);
    // The call guards' holder is the node's bookkeeping, seen by peers only as the pid
    // in a monitor: a peer that sends it an exit signal (even kill) cannot end it, or
    // the calls it guards would lose their monitors.
    if (!p || p == guard_proc_) return;
    // A link exit counts only while the link is active (OTP 26 link protocol).
    if (via_link && !links_.on_link_exit(to, from)) return;
    if (!via_link && reason == term(a_kill)) return close_locked(p, a_killed);
    if (p->trap_exit) {
        if (!p->deliver({tuple(a_exit, from, reason), from})) ++undeliverable_;
        return;
    }
    if (reason == term(a_normal)) {
        if (!via_link && from == to) close_locked(p, reason);
        return;
    }
    close_locked(p, reason);
}

void runtime::down_locked(const std::shared_ptr<mailbox_state>& watcher, const reference& ref,
                          const term& object, const term& reason) {
    if (watcher == guard_proc_) return fire_call_guard_locked(ref, object, reason);
    if (!watcher->deliver({tuple(a_down, ref, a_process, object, reason), std::nullopt}))
        ++undeliverable_;
}

void runtime::close_process(const std::shared_ptr<mailbox_state>& p, const term& reason) {
    lock_t lock(mu_);
    close_locked(p, reason);
}

void runtime::close_locked(const std::shared_ptr<mailbox_state>& p, const term& reason) {
    if (!p->close_queue(reason)) return;
    const pid self = p->self;
    procs_.erase(pid_key(self));
    if (p->name) {
        names_.erase(*p->name);
    }
    for (const auto& a : p->aliases)
        aliases_.erase(a);
    p->aliases.clear();
    for (const auto& r : p->local_monitors)
        monitors_.remove_incoming(r);
    p->local_monitors.clear();
    node_watchers_.erase(self);

    for (const pid& other : links_.remove_process(self)) {
        if (other.node == name()) {
            exit_signal_locked(self, other, reason, true);
        } else {
            to_peer_locked(other.node, [self, other, reason](dist::connection& c) {
                if (has(c, dflag::exit_payload))
                    c.send(dist::make::payload_exit(self, other), &reason);
                else
                    c.send(dist::make::exit(self, other, reason));
            });
        }
    }
    auto [watched_by, watching] = monitors_.remove_process(self);
    for (const auto& in : watched_by) {
        // A monitor by name reports the name, as OTP does.
        const dist::process_ref from = in.by_name ? dist::process_ref(*in.by_name) : self;
        if (in.watcher.node == name()) {
            if (auto w = find_locked(in.watcher)) {
                std::erase_if(w->local_monitors, [&](const reference& r) {
                    return !ref_less{}(r, in.ref) && !ref_less{}(in.ref, r);
                });
                down_locked(w, in.ref, in.by_name ? tuple(*in.by_name, name()) : term(self),
                            reason);
            }
            continue;
        }
        to_peer_locked(in.watcher.node,
                       [from, to = in.watcher, ref = in.ref, reason](dist::connection& c) {
                           if (has(c, dflag::exit_payload))
                               c.send(dist::make::payload_monitor_p_exit(from, to, ref), &reason);
                           else
                               c.send(dist::make::monitor_p_exit(from, to, ref, reason));
                       });
    }
    for (const auto& [ref, target] : watching)
        send_monitor_locked(self, target, ref, false);
}

// --- nodes -------------------------------------------------------------------------------

void runtime::to_peer_locked(atom node, std::function<void(dist::connection&)> send) {
    if (!running_) {
        ++unreachable_;
        return;
    }
    auto& p = peers_[node];
    if (p.conn) return send(*p.conn);
    p.pending.push_back(std::move(send));
    dial_locked(node);
}

void runtime::connection_up_locked(
    peer& p, atom node, const std::shared_ptr<dist::connection>& c,
    std::vector<detail::unique_callback<std::error_code>>& connected) {
    p.conn = c;
    p.dial_attempt = 0;
    p.dial_abort = nullptr;
    for (auto& fn : p.pending)
        fn(*c);
    p.pending.clear();
    // connect()'s callers are told once the connection has started (see finish_attempt).
    connected.insert(connected.end(), std::make_move_iterator(p.waiters.begin()),
                     std::make_move_iterator(p.waiters.end()));
    p.waiters.clear();
    notify_nodes_locked(node, true);
}

void runtime::connection_down_locked(atom node) {
    for (const auto& [local, other] : links_.remove_node(node)) {
        if (auto p = find_locked(local)) {
            // The links are gone already: apply the exit without the link check.
            if (p->trap_exit) {
                if (!p->deliver({tuple(a_exit, other, a_noconnection), other})) ++undeliverable_;
            } else {
                close_locked(p, a_noconnection);
            }
        }
    }
    for (const auto& [ref, watch] : monitors_.remove_node(node)) {
        if (auto w = find_locked(watch.first))
            down_locked(w, ref, watch.second.object(), a_noconnection);
    }
}

void runtime::notify_nodes_locked(atom node, bool up) {
    for (const pid& w : node_watchers_)
        if (auto p = find_locked(w))
            p->deliver({tuple(up ? a_nodeup : a_nodedown, node), std::nullopt});
}

void runtime::monitor_nodes(const pid& watcher, bool on) {
    lock_t lock(mu_);
    if (on && find_locked(watcher))
        node_watchers_.insert(watcher);
    else
        node_watchers_.erase(watcher);
}

std::vector<atom> runtime::nodes() const {
    lock_t lock(mu_);
    std::vector<atom> out;
    for (const auto& [n, p] : peers_)
        if (p.conn) out.push_back(n);
    return out;
}

std::optional<std::uint64_t> runtime::peer_flags(atom node) const {
    lock_t lock(mu_);
    auto it = peers_.find(node);
    if (it == peers_.end() || !it->second.conn) return std::nullopt;
    return it->second.conn->handshake().flags;
}

std::error_code runtime::connect_wait(atom node, std::chrono::milliseconds timeout) {
    if (!running_) return node_errc::node_closed;
    if (on_io_thread()) return node_errc::io_thread;
    // One deadline for the dial, the spin and the sleep after it: the call never
    // outlasts `timeout`.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    {
        std::optional<attempt_id> mine;
        {
            lock_t lock(mu_);
            auto it = peers_.find(node);
            if (it != peers_.end() && it->second.conn) return {};
            // A new plain TCP attempt is this thread's to dial; one under way (or a TLS
            // one) is waited for below.
            if (running_ && node != name() && !tls_) mine = begin_dial_locked(node);
        }
        if (mine) {
            if (auto outcome = dial_here(node, *mine, deadline)) {
                // A dial that the caller's deadline cut short reports it as a wait would.
                const bool late = *outcome && std::chrono::steady_clock::now() >= deadline;
                return late ? make_error_code(node_errc::timeout) : *outcome;
            }
            // Lost a simultaneous connect: the peer's attempt decides, as for any waiter.
        }
    }
    auto done = std::make_shared<std::promise<std::error_code>>();
    auto f = done->get_future();
    connect(node, [done](std::error_code ec) { done->set_value(ec); });
    // A node closing meanwhile (perhaps what ended the dial above) may never run the
    // callback: its I/O threads are gone or going.
    if (!running_) return node_errc::node_closed;
    node_detail::spin_until(node_detail::spin_end(opts_.spin_wait, deadline), [&] {
        return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    });
    if (f.wait_until(deadline) != std::future_status::ready) return node_errc::timeout;
    return f.get();
}

bool runtime::disconnect(atom node) {
    std::shared_ptr<dist::connection> c;
    {
        lock_t lock(mu_);
        auto it = peers_.find(node);
        if (it == peers_.end() || !it->second.conn) return false;
        c = it->second.conn;
    }
    const auto why = make_error_code(node_errc::noconnection);
    if (c->stop_input()) {
        // Nothing from the link reaches anyone any more: it is down now (nodedown,
        // links, monitors), not once the I/O thread has got round to closing it.
        lock_t lock(mu_);
        auto it = peers_.find(node);
        if (it != peers_.end() && it->second.conn == c) connection_lost_locked(it, why);
    }
    c->close(why);
    return true;
}

void runtime::connect(atom node, detail::unique_callback<std::error_code> cb) {
    lock_t lock(mu_);
    if (!running_) {
        return boost::asio::post(
            ex_, [cb = std::move(cb)]() mutable { cb(make_error_code(node_errc::node_closed)); });
    }
    if (node == name()) {
        return boost::asio::post(ex_, [cb = std::move(cb)]() mutable { cb(std::error_code{}); });
    }
    auto& p = peers_[node];
    if (p.conn) {
        return boost::asio::post(ex_, [cb = std::move(cb)]() mutable { cb(std::error_code{}); });
    }
    p.waiters.push_back(std::move(cb));
    dial_locked(node);
}

std::optional<attempt_id> runtime::begin_dial_locked(atom node) {
    const auto attempt = registry_.begin_dial(node);
    if (attempt) peers_[node].dial_attempt = *attempt;
    return attempt;
}

void runtime::dial_locked(atom node) {
    const auto attempt = begin_dial_locked(node);
    if (!attempt) return;  // an attempt is under way (ours or an accepted one)
    boost::asio::post(
        ex_, [self = shared_from_this(), node, a = *attempt] { self->start_dial(node, a); });
}

std::optional<std::error_code> runtime::finish_attempt(atom node, attempt_id attempt,
                                                       std::error_code ec,
                                                       std::shared_ptr<dist::connection> conn,
                                                       bool started) {
    std::shared_ptr<dist::connection> replaced, stale;
    std::vector<detail::unique_callback<std::error_code>> connected;  // waiters to tell
    std::optional<std::error_code> outcome;
    {
        lock_t lock(mu_);
        if (!ec && !running_) ec = node_errc::node_closed;
        // A connection started by its dialler may have closed already; on_closed found
        // it unknown then, so it must not be made known now.
        if (!ec && started && conn->closing()) ec = dist_errc::closed;
        if (!ec) {
            switch (registry_.established(node, attempt)) {
                case connection_registry::outcome::stale:
                    stale = conn;
                    break;
                case connection_registry::outcome::replaced:
                    // The peer restarted (we answered `alive`): whatever was linked or
                    // monitored across the old connection is gone with it.
                    replaced = peers_[node].conn;
                    peers_[node].conn.reset();
                    connection_down_locked(node);
                    notify_nodes_locked(node, false);
                    [[fallthrough]];
                case connection_registry::outcome::up:
                    connection_up_locked(peers_[node], node, conn, connected);
                    outcome = std::error_code{};
                    break;
            }
        } else {
            registry_.failed(node, attempt);
            if (registry_.state_of(node) == connection_registry::state::none) {
                auto it = peers_.find(node);
                if (it != peers_.end()) {
                    unreachable_ += it->second.pending.size();
                    for (auto& w : it->second.waiters)
                        boost::asio::post(ex_, [w = std::move(w), ec]() mutable { w(ec); });
                    peers_.erase(it);
                }
                connection_down_locked(node);
                outcome = ec;
            }
        }
    }
    // The waiters are told once the connection has started: a caller that goes on to
    // wait for a reply on it then reads the reply itself (read_while_waiting), instead
    // of being woken by the I/O thread that read it.
    std::function<void()> tell;
    if (!connected.empty())
        tell = [ws = std::make_shared<decltype(connected)>(std::move(connected))] {
            for (auto& w : *ws)
                w(std::error_code{});
        };
    if (stale) {
        stale->close(make_error_code(handshake_errc::nok));
    } else if (conn && !ec) {
        if (!started) {
            conn->start(std::move(tell));
        } else if (tell) {
            boost::asio::post(ex_, std::move(tell));
        }
    } else if (conn && started) {
        conn->close(ec);
    }
    if (replaced) replaced->close(make_error_code(node_errc::noconnection));
    return outcome;
}

void runtime::on_closed(dist::connection& c, std::error_code why) {
    lock_t lock(mu_);
    auto it = peers_.find(c.peer());
    // Stale, replaced, or taken down by disconnect() already.
    if (it == peers_.end() || it->second.conn.get() != &c) return;
    connection_lost_locked(it, why);
}

void runtime::connection_lost_locked(std::map<atom, peer>::iterator it, std::error_code why) {
    const atom node = it->first;
    log_->info("node {}: connection to {} down: {}", name().name(), node.name(), why.message());
    it->second.conn.reset();
    registry_.down(node);
    if (registry_.state_of(node) == connection_registry::state::none) {
        unreachable_ += it->second.pending.size();
        peers_.erase(it);
    }
    connection_down_locked(node);
    notify_nodes_locked(node, false);
}

}  // namespace otp::node_detail

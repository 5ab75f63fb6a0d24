// gen_server calls and casts, and rpc through rex.
#include "otp/call.hpp"

#include "node/runtime.hpp"

namespace otp {
namespace {

const atom a_gen_call("$gen_call"), a_gen_cast("$gen_cast"), a_alias("alias"), a_down("DOWN"),
    a_rex("rex"), a_call("call"), a_cast("cast"), a_user("user"), a_badrpc("badrpc"),
    a_noproc("noproc"), a_noconnection("noconnection"), a_nodedown("nodedown"),
    a_timeout("timeout");

// Where a call goes: the monitor target and the node it lives on.
struct destination {
    node_detail::monitor_target target;
    atom node;
};

std::optional<destination> parse_destination(const term& dest, atom here) {
    if (auto p = dest.as_pid()) return destination{{*p}, p->node};
    if (auto a = dest.as_atom()) return destination{{std::make_pair(*a, here)}, here};
    if (auto t = dest.as_tuple(); t && t->size() == 2) {
        auto name = (*t)[0].as_atom();
        auto node = (*t)[1].as_atom();
        if (name && node) return destination{{std::make_pair(*name, *node)}, *node};
    }
    return std::nullopt;
}

result<term> fail(call_error* out, node_errc code, term reason) {
    if (out) *out = call_error{make_error_code(code), std::move(reason)};
    return code;
}

bool is_down_for(const term& m, const reference& mref) {
    auto t = m.as_tuple();
    return t && t->size() == 5 && (*t)[0] == term(a_down) && (*t)[1] == term(mref);
}

// How a call watches its callee: a monitor of its own on this node, the guard shared
// by the calls to that process on another (call_guards.hpp).
struct callee_watch {
    reference ref;  // what the callee's 'DOWN' carries
    std::optional<node_detail::call_guard_table::ticket> guard;
};

callee_watch watch_callee(node_detail::runtime& rt,
                          const std::shared_ptr<node_detail::mailbox_state>& caller,
                          const node_detail::monitor_target& target) {
    if (target.node() == rt.name()) return {rt.monitor(caller, target), std::nullopt};
    auto t = rt.join_call_guard(caller, target);
    return {t.ref, t};
}

// demonitor(Mref, [flush]) and unalias: a DOWN can only be queued when the monitor
// had fired already, so the queue is searched only then.
void end_call(node_detail::runtime& rt, const std::shared_ptr<node_detail::mailbox_state>& caller,
              const callee_watch& watch, const std::optional<reference>& alias) {
    if (!(watch.guard ? rt.leave_call_guard(*watch.guard) : rt.demonitor(caller, watch.ref)))
        caller->remove_if([&](const envelope& e) { return is_down_for(e.message, watch.ref); });
    if (alias) rt.unalias(caller, *alias);
}

}  // namespace

result<term> gen_call(mailbox& self, const term& dest, const term& request,
                      std::chrono::milliseconds timeout, call_error* error) {
    const auto& st = self.state();
    auto rt = st ? st->rt.lock() : nullptr;
    if (!rt || !self.is_open()) return fail(error, node_errc::mailbox_closed, atom("noproc"));
    auto d = parse_destination(dest, rt->name());
    if (!d) return fail(error, node_errc::noproc, a_noproc);
    const auto deadline = std::chrono::steady_clock::now() + timeout;

    // The reply comes to an alias when the callee's node can send to one; otherwise to
    // a throwaway process, so that a late reply finds nobody either way.
    bool by_alias = d->node == rt->name();
    if (!by_alias) {
        // Connected already (the common case): no round trip through the I/O thread.
        auto flags = rt->peer_flags(d->node);
        if (!flags) {
            if (auto ec = rt->connect_wait(d->node, timeout))
                return fail(error, node_errc::noconnection, tuple(a_nodedown, d->node));
            flags = rt->peer_flags(d->node);
        }
        by_alias = (flags.value_or(0) & dflag::alias) != 0;
    }
    mailbox temp;
    std::shared_ptr<node_detail::mailbox_state> caller_st = st;
    if (!by_alias) {
        temp = mailbox(rt->spawn());
        caller_st = temp.state();
    }
    mailbox& who = by_alias ? self : temp;

    // The alias first: it needs no packet.
    std::optional<reference> alias;
    if (by_alias) alias = rt->make_alias(caller_st);
    // A new guard's MONITOR_P leaves before this request and before the request of any
    // call that joins the guard after it, so no request can reach the callee unguarded.
    const callee_watch watch = watch_callee(*rt, caller_st, d->target);
    const reference& mref = watch.ref;
    // Without an alias the throwaway process is the tag: the guard's ref is shared.
    const term tag = alias ? cons(a_alias, *alias) : term(rt->ids().make_ref());
    if (who.send_to(dest, tuple(a_gen_call, tuple(who.self(), tag), request))) {
        end_call(*rt, caller_st, watch, alias);
        return fail(error, node_errc::noproc, a_noproc);
    }
    const auto left = std::max(std::chrono::milliseconds(0),
                               std::chrono::duration_cast<std::chrono::milliseconds>(
                                   deadline - std::chrono::steady_clock::now()));
    auto r = who.receive_if(
        [&](const envelope& e) {
            auto t = e.message.as_tuple();
            if (t && t->size() == 2 && (*t)[0] == tag) return true;
            return is_down_for(e.message, mref);
        },
        left);
    end_call(*rt, caller_st, watch, alias);
    if (!r) {
        if (r.error() == node_errc::timeout) return fail(error, node_errc::timeout, a_timeout);
        return fail(error, node_errc::mailbox_closed, a_noproc);
    }
    auto t = *r->message.as_tuple();
    if (t.size() == 2) return t[1];
    const term& reason = t[4];
    if (reason == term(a_noproc)) return fail(error, node_errc::noproc, a_noproc);
    if (reason == term(a_noconnection))
        return fail(error, node_errc::noconnection, tuple(a_nodedown, d->node));
    return fail(error, node_errc::exited, reason);
}

void gen_cast(mailbox& self, const term& dest, const term& request) {
    (void)self.send_to(dest, tuple(a_gen_cast, request));
}

result<term> rpc_call(mailbox& self, atom node, atom module, atom function, const term& args,
                      std::chrono::milliseconds timeout, call_error* error) {
    auto r = gen_call(self, tuple(a_rex, node), tuple(a_call, module, function, args, a_user),
                      timeout, error);
    if (!r) return r;
    auto t = r->as_tuple();
    if (t && t->size() == 2 && (*t)[0] == term(a_badrpc))
        return fail(error, node_errc::badrpc, (*t)[1]);
    return r;
}

void rpc_cast(mailbox& self, atom node, atom module, atom function, const term& args) {
    gen_cast(self, tuple(a_rex, node), tuple(a_cast, module, function, args, a_user));
}

std::optional<gen_call_request> as_gen_call(const term& message) {
    auto t = message.as_tuple();
    if (!t || t->size() != 3 || (*t)[0] != term(a_gen_call)) return std::nullopt;
    auto from = (*t)[1].as_tuple();
    if (!from || from->size() != 2 || !(*from)[0].is_pid()) return std::nullopt;
    return gen_call_request{(*t)[1], (*t)[2]};
}

std::optional<term> as_gen_cast(const term& message) {
    auto t = message.as_tuple();
    if (!t || t->size() != 2 || (*t)[0] != term(a_gen_cast)) return std::nullopt;
    return (*t)[1];
}

void gen_reply(mailbox& self, const term& from, term reply) {
    const auto& st = self.state();
    if (auto rt = st ? st->rt.lock() : nullptr) rt->reply(self.self(), from, std::move(reply));
}

}  // namespace otp

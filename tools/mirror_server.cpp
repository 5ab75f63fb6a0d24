// The mirror's requests.
#include "mirror_server.hpp"

#include "cli_rpc.hpp"
#include "mirror_child.hpp"
#include "otp/call.hpp"

namespace otp::cli {
namespace {

using namespace std::chrono_literals;

const atom a_echo("echo"), a_self("self"), a_nodes("nodes"), a_spawn("spawn"), a_rpc("rpc"),
    a_call("call"), a_stop("stop"), a_ok("ok"), a_error("error"), a_badrpc("badrpc"),
    a_nodedown("nodedown"), a_timeout("timeout"), a_exit("EXIT"), a_gen_server("gen_server"),
    a_infinity("infinity"), a_bad_request("bad_request");

// rpc:call's default limit is infinity; the mirror's contract is 60 s.
constexpr auto rpc_timeout = 60s;

// What rpc:call on a BEAM node returns when the call itself failed.
term rpc_reply(mailbox& m, atom node, atom mod, atom fun, const term& args) {
    call_error err;
    auto r = rpc_call(m, node, mod, fun, args, rpc_timeout, &err);
    if (r) return *r;
    if (err.code == node_errc::badrpc) return tuple(a_badrpc, err.reason);
    if (err.code == node_errc::timeout) return tuple(a_badrpc, a_timeout);
    if (err.code == node_errc::noconnection) return tuple(a_badrpc, a_nodedown);
    return tuple(a_badrpc, tuple(a_exit, err.reason));
}

// What `catch gen_server:call(Dest, Request, Timeout)` gives on a BEAM node.
term call_reply(mailbox& m, const term& dest, const term& request, const term& timeout_term) {
    const auto timeout = timeout_term == term(a_infinity)
                             ? no_time_limit
                             : std::chrono::milliseconds(*timeout_term.as_int64());
    call_error err;
    auto r = gen_call(m, dest, request, timeout, &err);
    if (r) return *r;
    return tuple(a_exit,
                 tuple(err.reason, tuple(a_gen_server, a_call, list(dest, request, timeout_term))));
}

bool is_timeout(const term& t) {
    if (t == term(a_infinity)) return true;
    auto v = t.as_int64();
    return v && *v >= 0 && *v <= 0xFFFFFFFF;  // what gen_server accepts
}

// A call destination as the mirror calls it: a bare name is one on the requester's
// node; nil when `dest` names nothing callable.
term call_destination(const term& dest, const pid& from) {
    if (dest.is_pid()) return dest;
    if (auto name = dest.as_atom()) return tuple(*name, from.node);
    auto t = dest.as_tuple();
    if (t && t->size() == 2 && (*t)[0].is_atom() && (*t)[1].is_atom()) return dest;
    return term();
}

}  // namespace

mirror_server::mirror_server(node& n, mailbox box, std::function<void()> on_stop)
    : node_(n), box_(std::move(box)), on_stop_(std::move(on_stop)) {}

mirror_server::~mirror_server() {
    for (auto& w : workers_)
        w.thread.join();
}

void mirror_server::run() {
    for (;;) {
        auto r = box_.receive();
        if (!r) return;  // closed: the node is shutting down
        if (!handle(r->message)) return;
    }
}

bool mirror_server::handle(const term& message) {
    auto t = message.as_tuple();
    if (!t || t->size() != 3 || !(*t)[0].is_pid()) return true;  // not a request: dropped
    const pid from = *(*t)[0].as_pid();
    const term& ref = (*t)[1];
    const term& request = (*t)[2];
    if (request == term(a_stop)) {
        reply(from, ref, a_ok);
        flush_to(from);
        if (on_stop_) on_stop_();
        return false;
    }
    if (auto value = answer(from, ref, request)) reply(from, ref, std::move(*value));
    return true;
}

std::optional<term> mirror_server::answer(const pid& from, const term& ref, const term& request) {
    if (request == term(a_self)) return term(box_.self());
    if (request == term(a_nodes)) {
        std::vector<term> names;
        for (atom n : node_.nodes())
            names.emplace_back(n);
        return make_list(std::move(names));
    }
    if (request == term(a_spawn)) return term(spawn_child(node_, from));
    auto t = request.as_tuple();
    const std::size_t n = t ? t->size() : 0;
    if (n == 2 && (*t)[0] == term(a_echo)) return (*t)[1];
    if (n == 5 && (*t)[0] == term(a_rpc) && (*t)[1].is_atom() && (*t)[2].is_atom() &&
        (*t)[3].is_atom() && (*t)[4].as_list() && (*t)[4].as_list()->is_proper()) {
        const atom node = *(*t)[1].as_atom(), mod = *(*t)[2].as_atom(), fun = *(*t)[3].as_atom();
        const term args = (*t)[4];
        in_background(from, ref, [=](mailbox& m) { return rpc_reply(m, node, mod, fun, args); });
        return std::nullopt;
    }
    if (n == 4 && (*t)[0] == term(a_call) && is_timeout((*t)[3])) {
        const term dest = call_destination((*t)[1], from);
        if (!dest.is_nil()) {
            const term req = (*t)[2], timeout = (*t)[3];
            in_background(from, ref, [=](mailbox& m) { return call_reply(m, dest, req, timeout); });
            return std::nullopt;
        }
    }
    return tuple(a_error, tuple(a_bad_request, request));
}

void mirror_server::in_background(const pid& from, const term& ref,
                                  std::function<term(mailbox&)> job) {
    join_finished();
    auto done = std::make_shared<std::atomic<bool>>(false);
    // Each job calls from a mailbox of its own: replies to it can then never be taken
    // for requests by the loop, nor by another job.
    std::thread t([this, from, ref, job = std::move(job), done] {
        mailbox m = node_.create_mailbox();
        const term value = job(m);
        reply(from, ref, value);
        done->store(true);
    });
    workers_.push_back({std::move(t), std::move(done)});
}

void mirror_server::join_finished() {
    std::erase_if(workers_, [](worker& w) {
        if (!w.done->load()) return false;
        w.thread.join();
        return true;
    });
}

void mirror_server::reply(const pid& from, const term& ref, term value) {
    box_.send(from, tuple(ref, std::move(value)));
}

void mirror_server::flush_to(const pid& to) {
    // Closing the node drops what is still queued for a connection. A ping's answer
    // comes after everything sent before it on the same connection, so once it is
    // back the reply has been written.
    if (to.node != node_.name()) node_.ping(to.node, 5s);
}

}  // namespace otp::cli

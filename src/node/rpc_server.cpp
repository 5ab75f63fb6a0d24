// C++ functions called from Erlang: remote spawn requests (erpc:execute_call/4, which
// rpc:call uses from OTP 23/25 on, and plain spawn/4), and the older rex server.
#include <boost/asio/post.hpp>

#include "node/runtime.hpp"
#include "otp/call.hpp"
#include "otp/text.hpp"

namespace otp {

erlang_exception::erlang_exception(exception_class c, term reason)
    : class_(c), reason_(std::move(reason)) {
    static const char* names[] = {"error", "exit", "throw"};
    what_ = std::string(names[static_cast<int>(c)]) + ": " + to_string(reason_);
}

}  // namespace otp

namespace otp::node_detail {
namespace {

const atom a_erpc("erpc"), a_execute_call("execute_call"), a_return("return"), a_throw("throw"),
    a_exit("exit"), a_error("error"), a_undef("undef"), a_normal("normal"), a_monitor("monitor"),
    a_link("link"), a_badrpc("badrpc"), a_EXIT("EXIT"), a_call("call"), a_block_call("block_call"),
    a_cast("cast"), a_rex("rex"), a_features_request("features_request"),
    a_features_reply("features_reply"), a_cpp_exception("cpp_exception");

}  // namespace

void runtime::register_function(atom module, atom function, unsigned arity, erlang_function fn) {
    std::lock_guard lock(functions_mu_);
    functions_[std::make_tuple(module, function, arity)] = std::move(fn);
}

// Runs module:function(args) as a BEAM node would apply/3 it.
namespace {
call_outcome apply_function(const erlang_function* fn, atom m, atom f, const term& args) {
    std::vector<term> argv;
    if (auto l = args.as_list()) argv = l->to_vector();
    if (!fn) {
        // undef, with the stack a BEAM node reports: [{M, F, Args, []}].
        return {exception_class::error, a_undef, list(tuple(m, f, args, list()))};
    }
    try {
        return {std::nullopt, (*fn)(argv), list()};
    } catch (const erlang_exception& e) {
        return {e.kind(), e.reason(), list()};
    } catch (const std::exception& e) {
        return {exception_class::error, tuple(a_cpp_exception, binary(std::string_view(e.what()))),
                list()};
    } catch (...) {
        return {exception_class::error, tuple(a_cpp_exception, binary(std::string_view("unknown"))),
                list()};
    }
}
}  // namespace

call_outcome runtime::run_function(atom m, atom f, const term& args) {
    const unsigned arity = static_cast<unsigned>(args.is_list() ? args.size() : 0);
    erlang_function fn;
    {
        std::lock_guard lock(functions_mu_);
        auto it = functions_.find(std::make_tuple(m, f, arity));
        if (it != functions_.end()) fn = it->second;
    }
    return apply_function(fn ? &fn : nullptr, m, f, args);
}

void runtime::spawn_request_locked(dist::connection& c, dist::spawn_request_signal&& req) {
    if (!running_ || !pool_) return;  // shutting down: the connection goes too
    bool link = false, monitor = false;
    if (auto opts = req.options.as_list()) {
        for (const term& o : *opts) {
            if (o == term(a_link)) link = true;
            if (o == term(a_monitor)) monitor = true;
            if (auto t = o.as_tuple(); t && t->size() == 2 && (*t)[0] == term(a_monitor))
                monitor = true;
        }
    }
    auto p = spawn_locked({});
    if (link) links_.on_link(p->self, req.from);
    if (monitor) monitors_.add_incoming(req.req_id, req.from, p->self, std::nullopt);
    c.send(
        dist::make::spawn_reply(req.req_id, req.from, (link ? 1 : 0) | (monitor ? 2 : 0), p->self));

    // The function runs on the pool; the process's exit reason carries the outcome.
    boost::asio::post(*pool_, [self = shared_from_this(), p, req = std::move(req)] {
        term reason = a_normal;
        const bool erpc = req.module == a_erpc && req.function == a_execute_call &&
                          req.arity == 4 && req.args.size() == 4;
        if (erpc) {
            // erpc:execute_call(Ref, M, F, A) exits with {Ref, return | throw | exit | error, ...}.
            auto a = req.args.as_list()->to_vector();
            const term& ref = a[0];
            auto m = a[1].as_atom();
            auto f = a[2].as_atom();
            if (!m || !f || !a[3].is_list()) {
                reason = tuple(ref, a_error, tuple(a_erpc, atom("badarg")));
            } else {
                call_outcome o = self->run_function(*m, *f, a[3]);
                if (!o.raised)
                    reason = tuple(ref, a_return, o.value);
                else if (*o.raised == exception_class::throw_)
                    reason = tuple(ref, a_throw, o.value);
                else if (*o.raised == exception_class::exit)
                    reason = tuple(ref, a_exit, o.value);
                else
                    reason = tuple(ref, a_error, o.value, o.stack);
            }
        } else {
            call_outcome o = self->run_function(req.module, req.function, req.args);
            if (o.raised && *o.raised == exception_class::error)
                reason = tuple(o.value, o.stack);
            else if (o.raised && *o.raised == exception_class::throw_)
                reason = tuple(atom("nocatch"), o.value);  // an uncaught throw, as on a BEAM node
            else if (o.raised)
                reason = o.value;
        }
        self->close_process(p, reason);
    });
}

void runtime::on_pool(std::function<void()> job) {
    lock_t lock(mu_);
    if (pool_) boost::asio::post(*pool_, std::move(job));
}

void runtime::rex(envelope&& e) {
    auto msg = e.message.as_tuple();
    if (!msg || msg->size() != 2) {
        if (auto call = as_gen_call(e.message)) {
            auto req = call->request.as_tuple();
            if (!req || req->size() != 5 ||
                ((*req)[0] != term(a_call) && (*req)[0] != term(a_block_call)))
                return;
            auto m = (*req)[1].as_atom();
            auto f = (*req)[2].as_atom();
            if (!m || !f) return;
            on_pool(
                [self = shared_from_this(), from = call->from, m = *m, f = *f, args = (*req)[3]] {
                    self->reply(self->rex_pid_, from, self->rex_result(m, f, args));
                });
        }
        return;
    }
    // {'$gen_cast', {cast, M, F, A, GL}}, {From, {call, M, F, A, GL}}, {From, features_request}
    if (auto cast = as_gen_cast(e.message)) {
        auto req = cast->as_tuple();
        if (!req || req->size() != 5 || (*req)[0] != term(a_cast)) return;
        auto m = (*req)[1].as_atom();
        auto f = (*req)[2].as_atom();
        if (!m || !f) return;
        on_pool([self = shared_from_this(), m = *m, f = *f, args = (*req)[3]] {
            (void)self->run_function(m, f, args);
        });
        return;
    }
    auto from = (*msg)[0].as_pid();
    if (!from) return;
    if ((*msg)[1] == term(a_features_request)) {
        send(rex_pid_, *from, tuple(a_features_reply, name(), list(a_erpc)));
        return;
    }
    auto req = (*msg)[1].as_tuple();
    if (!req || req->size() != 5 || (*req)[0] != term(a_call)) return;
    auto m = (*req)[1].as_atom();
    auto f = (*req)[2].as_atom();
    if (!m || !f) return;
    on_pool([self = shared_from_this(), to = *from, m = *m, f = *f, args = (*req)[3]] {
        self->send(self->rex_pid_, to, tuple(a_rex, self->rex_result(m, f, args)));
    });
}

term runtime::rex_result(atom m, atom f, const term& args) {
    // rpc's mapping: a value or a throw is the result; exit R and error R become
    // {badrpc, {'EXIT', R}} and {badrpc, {'EXIT', {R, Stack}}}.
    call_outcome o = run_function(m, f, args);
    if (!o.raised || *o.raised == exception_class::throw_) return o.value;
    if (*o.raised == exception_class::exit) return tuple(a_badrpc, tuple(a_EXIT, o.value));
    return tuple(a_badrpc, tuple(a_EXIT, tuple(o.value, o.stack)));
}

}  // namespace otp::node_detail

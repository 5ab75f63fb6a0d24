// The processes every BEAM node has that peers rely on: net_kernel (answers
// net_adm:ping's is_auth) and rex (rpc_server.cpp); and the holder of the call
// guards' monitors (call_guards.hpp).
#include <spdlog/spdlog.h>

#include "node/runtime.hpp"

namespace otp::node_detail {
namespace {
const atom a_gen_call("$gen_call"), a_is_auth("is_auth"), a_yes("yes"), a_alias("alias");
}  // namespace

void runtime::start_services() {
    auto nk = spawn([weak = weak_from_this()](envelope&& e) {
        if (auto self = weak.lock()) self->net_kernel(std::move(e));
    });
    (void)register_name(atom("net_kernel"), nk->self);
    auto rx = spawn([weak = weak_from_this()](envelope&& e) {
        if (auto self = weak.lock()) self->rex(std::move(e));
    });
    (void)register_name(atom("rex"), rx->self);
    // Holds the call guards' monitors; no message is meant for it.
    auto guard = spawn([weak = weak_from_this()](envelope&&) {
        if (auto self = weak.lock()) ++self->undeliverable_;
    });
    lock_t lock(mu_);
    guard_proc_ = guard;
    guard_timer_ = std::make_unique<boost::asio::steady_timer>(ex_);
    services_.push_back(std::move(guard));
    rex_pid_ = rx->self;
    services_.push_back(std::move(nk));
    services_.push_back(std::move(rx));
}

void runtime::net_kernel(envelope&& e) {
    // {'$gen_call', From, {is_auth, Node}} -> yes. Other requests are not ours to serve.
    auto msg = e.message.as_tuple();
    if (!msg || msg->size() != 3 || (*msg)[0] != term(a_gen_call)) return;
    auto req = (*msg)[2].as_tuple();
    if (!req || req->size() != 2 || (*req)[0] != term(a_is_auth)) return;
    auto self = whereis(atom("net_kernel"));
    if (self) reply(*self, (*msg)[1], a_yes);
}

void runtime::reply(const pid& self, const term& from, term reply_value) {
    auto f = from.as_tuple();
    if (!f || f->size() != 2) return;
    const term& to = (*f)[0];
    const term& tag = (*f)[1];
    term message = tuple(tag, std::move(reply_value));
    // gen:reply/2: a tag [alias | Alias] (or [[alias | Alias] | _]) names an alias.
    term t = tag;
    if (t.is_cons() && t.head()->is_cons()) t = *t.head();
    if (t.is_cons() && *t.head() == term(a_alias)) {
        if (auto alias = t.tail()->as_ref()) return send_alias(self, *alias, std::move(message));
    }
    if (auto p = to.as_pid()) send(self, *p, std::move(message));
}

}  // namespace otp::node_detail

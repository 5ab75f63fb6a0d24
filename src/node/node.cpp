// otp::node: the public face of the runtime.
#include "otp/node.hpp"

#include "node/runtime.hpp"
#include "otp/call.hpp"

namespace otp {

node::node(node_options opts) {
    auto rt = node_detail::runtime::start(std::move(opts));
    if (!rt) throw system_error(rt.error(), "otp::node");
    rt_ = std::move(*rt);
}

node::node(node_options opts, std::error_code& ec) {
    auto rt = node_detail::runtime::start(std::move(opts));
    ec = rt.error();
    if (rt) rt_ = std::move(*rt);
}

node::~node() {
    close();
}

void node::close() {
    if (rt_) rt_->shutdown();
}

atom node::name() const noexcept {
    return rt_ ? rt_->name() : atom();
}
std::uint32_t node::creation() const noexcept {
    return rt_ ? rt_->creation() : 0;
}
std::uint16_t node::port() const noexcept {
    return rt_ ? rt_->port() : 0;
}
const std::string& node::cookie() const noexcept {
    static const std::string none;
    return rt_ ? rt_->cookie() : none;
}
bool node::is_running() const noexcept {
    return rt_ && rt_->running();
}

mailbox node::create_mailbox() {
    if (!rt_) return {};
    return mailbox(rt_->spawn());
}

result<mailbox> node::create_mailbox(atom name) {
    if (!is_running()) return node_errc::node_closed;
    auto st = rt_->spawn();
    if (auto ec = rt_->register_name(name, st->self)) {
        rt_->close_process(st, atom("normal"));
        return ec;
    }
    return mailbox(std::move(st));
}

std::optional<pid> node::whereis(atom name) const {
    return rt_ ? rt_->whereis(name) : std::nullopt;
}

std::vector<atom> node::registered() const {
    return rt_ ? rt_->registered() : std::vector<atom>{};
}

void node::start_connect(atom peer, detail::unique_callback<std::error_code> cb) {
    rt_->connect(peer, std::move(cb));
}

std::error_code node::connect(atom peer, std::chrono::milliseconds timeout) {
    if (!rt_) return node_errc::node_closed;
    return rt_->connect_wait(peer, timeout);
}

bool node::ping(atom peer, std::chrono::milliseconds timeout) {
    if (!is_running()) return false;
    // gen:call({net_kernel, Peer}, {is_auth, node()}), as net_adm:ping/1 does.
    mailbox m = create_mailbox();
    auto r = gen_call(m, tuple(atom("net_kernel"), peer), tuple(atom("is_auth"), name()), timeout);
    return r && *r == term(atom("yes"));
}

void node::register_function(atom module, atom function, unsigned arity, erlang_function fn) {
    if (rt_) rt_->register_function(module, function, arity, std::move(fn));
}

bool node::disconnect(atom peer) {
    return rt_ && rt_->disconnect(peer);
}
std::vector<atom> node::nodes() const {
    return rt_ ? rt_->nodes() : std::vector<atom>{};
}
void node::monitor_nodes(const pid& watcher, bool on) {
    if (rt_) rt_->monitor_nodes(watcher, on);
}
node_stats node::stats() const noexcept {
    return rt_ ? rt_->stats() : node_stats{};
}
boost::asio::any_io_executor node::get_executor() const noexcept {
    return rt_ ? rt_->executor() : boost::asio::any_io_executor();
}

}  // namespace otp

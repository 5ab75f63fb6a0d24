// otp::mailbox: a handle on one process of the node.
#include "otp/mailbox.hpp"

#include "node/runtime.hpp"

namespace otp {

using node_detail::mailbox_state;
using node_detail::runtime;

namespace {
const pid no_pid{};

// The runtime while the node lives, else nullptr.
std::shared_ptr<runtime> runtime_of(const std::shared_ptr<mailbox_state>& st) {
    return st ? st->rt.lock() : nullptr;
}
}  // namespace

mailbox::mailbox(std::shared_ptr<mailbox_state> st) noexcept : st_(std::move(st)) {}

mailbox& mailbox::operator=(mailbox&& other) noexcept {
    if (this != &other) {
        close();
        st_ = std::move(other.st_);
    }
    return *this;
}

mailbox::~mailbox() {
    close();
}

const pid& mailbox::self() const noexcept {
    return st_ ? st_->self : no_pid;
}
bool mailbox::is_open() const noexcept {
    return st_ && st_->is_open();
}
term mailbox::exit_reason() const {
    return st_ ? st_->reason() : term();
}

void mailbox::send(const pid& to, term message) {
    if (auto rt = runtime_of(st_)) rt->send(st_->self, to, std::move(message));
}

std::error_code mailbox::send(atom name, term message) {
    auto rt = runtime_of(st_);
    if (!rt) return node_errc::node_closed;
    return rt->send_registered(st_->self, name, std::move(message));
}

void mailbox::send(atom name, atom node, term message) {
    if (auto rt = runtime_of(st_)) rt->send_named(st_->self, name, node, std::move(message));
}

void mailbox::send(const reference& alias, term message) {
    if (auto rt = runtime_of(st_)) rt->send_alias(st_->self, alias, std::move(message));
}

std::error_code mailbox::send_to(const term& dest, term message) {
    if (auto p = dest.as_pid()) {
        send(*p, std::move(message));
        return {};
    }
    if (auto a = dest.as_atom()) return send(*a, std::move(message));
    if (auto r = dest.as_ref()) {
        send(*r, std::move(message));
        return {};
    }
    if (auto t = dest.as_tuple(); t && t->size() == 2) {
        auto name = (*t)[0].as_atom();
        auto node = (*t)[1].as_atom();
        if (name && node) {
            send(*name, *node, std::move(message));
            return {};
        }
    }
    return term_errc::wrong_type;
}

namespace {
// Blocking receives on the node's own threads would stall its I/O. Elsewhere the
// receiver may read the connection its thread sent on last while it waits.
result<envelope> blocking_receive(const std::shared_ptr<mailbox_state>& st,
                                  const message_filter* filter,
                                  std::optional<std::chrono::steady_clock::time_point> deadline) {
    if (!st) return node_errc::mailbox_closed;
    auto rt = st->rt.lock();
    if (rt && rt->on_io_thread()) return node_errc::io_thread;
    std::shared_ptr<dist::connection> reader;
    if (rt && rt->read_while_waiting()) reader = dist::connection::last_sent_here(rt.get());
    return st->receive(filter, deadline, reader.get(),
                       rt ? rt->spin_wait() : std::chrono::microseconds{});
}
}  // namespace

result<envelope> mailbox::receive(std::chrono::milliseconds timeout) {
    return receive_if(nullptr, timeout);
}

result<envelope> mailbox::receive() {
    return blocking_receive(st_, nullptr, std::nullopt);
}

result<envelope> mailbox::receive_if(const message_filter& filter,
                                     std::chrono::milliseconds timeout) {
    const auto now = std::chrono::steady_clock::now();
    // A timeout too large to add is no timeout at all.
    const bool forever = timeout > std::chrono::hours(24 * 365 * 100);
    return blocking_receive(st_, filter ? &filter : nullptr,
                            forever ? std::nullopt : std::optional(now + timeout));
}

result<matched> mailbox::receive_match(const pattern& p, std::chrono::milliseconds timeout) {
    bindings b;
    auto r = receive_if([&](const envelope& e) { return p.match(e.message, &b); }, timeout);
    if (!r) return r.error();
    return matched{std::move(*r), std::move(b)};
}

result<envelope> mailbox::try_receive() {
    if (!st_) return node_errc::mailbox_closed;
    return st_->receive(nullptr, std::chrono::steady_clock::now());
}

std::size_t mailbox::queued() const {
    return st_ ? st_->queued() : 0;
}

void mailbox::limit_queue(std::size_t max_messages, overflow_policy policy) {
    if (st_) st_->limit(max_messages, policy);
}

void mailbox::start_receive(const std::shared_ptr<mailbox_state>& st, message_filter filter,
                            std::chrono::milliseconds timeout, receive_callback cb) {
    st->async_receive(std::move(filter), timeout, std::move(cb));
}

std::error_code mailbox::register_name(atom name) {
    auto rt = runtime_of(st_);
    if (!rt) return node_errc::node_closed;
    return rt->register_name(name, st_->self);
}

void mailbox::unregister_name() {
    if (auto rt = runtime_of(st_)) rt->unregister_name(st_->self);
}

void mailbox::link(const pid& other) {
    if (auto rt = runtime_of(st_)) rt->link(st_->self, other);
}

void mailbox::unlink(const pid& other) {
    if (auto rt = runtime_of(st_)) rt->unlink(st_->self, other);
}

reference mailbox::monitor(const pid& target) {
    auto rt = runtime_of(st_);
    if (!rt) return reference{};
    return rt->monitor(st_, node_detail::monitor_target{target});
}

reference mailbox::monitor(atom name, atom node) {
    auto rt = runtime_of(st_);
    if (!rt) return reference{};
    return rt->monitor(st_, node_detail::monitor_target{std::make_pair(name, node)});
}

bool mailbox::demonitor(const reference& ref, bool flush) {
    auto rt = runtime_of(st_);
    if (!rt) return false;
    const bool was = rt->demonitor(st_, ref);
    if (flush) {
        const term r(ref);
        st_->remove_if([&](const envelope& e) {
            auto t = e.message.as_tuple();
            return t && t->size() == 5 && (*t)[0] == term(atom("DOWN")) && (*t)[1] == r;
        });
    }
    return was;
}

void mailbox::exit(const pid& to, term reason) {
    if (auto rt = runtime_of(st_)) rt->exit(st_->self, to, std::move(reason));
}

void mailbox::trap_exit(bool on) {
    if (st_) st_->trap_exit = on;
}

reference mailbox::make_alias() {
    auto rt = runtime_of(st_);
    if (!rt) return reference{};
    return rt->make_alias(st_);
}

bool mailbox::unalias(const reference& alias) {
    auto rt = runtime_of(st_);
    return rt && rt->unalias(st_, alias);
}

void mailbox::close(term reason) {
    if (!st_) return;
    if (auto rt = runtime_of(st_))
        rt->close_process(st_, reason);
    else
        st_->close_queue(reason);
}

boost::asio::any_io_executor mailbox::get_executor() const {
    return st_ ? st_->ex : boost::asio::any_io_executor();
}

}  // namespace otp

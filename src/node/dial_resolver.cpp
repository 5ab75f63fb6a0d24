// Finds a peer's addresses for a dial (see dial_resolver.hpp).
#include "node/dial_resolver.hpp"

#include <netdb.h>

#include <cerrno>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "epmd/host_addresses.hpp"

namespace otp::node_detail {

dial_resolver::dial_resolver(std::string own_host) : own_(std::make_shared<own_name>()) {
    own_->host = std::move(own_host);
}

std::optional<address_list> dial_resolver::known(const std::string& host) const {
    if (auto literal = epmd::detail::literal_addresses(host)) return literal;
    if (host != own_->host) return std::nullopt;
    std::lock_guard lock(own_->mu);
    if (own_->addresses.empty()) return std::nullopt;
    return own_->addresses;
}

void dial_resolver::keep(own_name& own, const address_list& addresses) {
    if (addresses.empty()) return;
    std::lock_guard lock(own.mu);
    own.addresses = addresses;
}

void dial_resolver::resolve(const boost::asio::any_io_executor& ex, const std::string& host,
                            std::chrono::milliseconds limit, callback done) {
    if (auto addresses = known(host)) return done({}, std::move(*addresses));
    // The resolver's and the timer's handlers share a strand: whichever runs first
    // completes the lookup and stops the other. The lookup holds what it needs of this
    // object, which may be gone when it ends.
    using tcp = boost::asio::ip::tcp;
    struct lookup {
        explicit lookup(const boost::asio::any_io_executor& s) : resolver(s), timer(s) {}
        tcp::resolver resolver;
        boost::asio::steady_timer timer;
        callback done;
    };
    auto l = std::make_shared<lookup>(boost::asio::make_strand(ex));
    l->done = std::move(done);
    l->timer.expires_after(limit);
    l->timer.async_wait([l](const boost::system::error_code& ec) {
        if (ec || !l->done) return;
        l->resolver.cancel();
        std::exchange(l->done, {})(make_error_code(std::errc::timed_out), {});
    });
    std::shared_ptr<own_name> own = host == own_->host ? own_ : nullptr;
    l->resolver.async_resolve(
        host, "", [l, own](const boost::system::error_code& ec, tcp::resolver::results_type r) {
            if (!l->done) return;
            l->timer.cancel();
            auto done = std::exchange(l->done, {});
            if (ec) return done(ec, {});
            address_list addresses = epmd::detail::addresses_of(r);
            if (own) keep(*own, addresses);
            done({}, std::move(addresses));
        });
}

namespace {

std::error_code lookup_error(int gai, int saved_errno) {
    namespace err = boost::asio::error;
    switch (gai) {
        case EAI_NONAME:
#ifdef EAI_NODATA
        case EAI_NODATA:
#endif
            return boost::system::error_code(err::host_not_found);
        case EAI_AGAIN:
            return boost::system::error_code(err::host_not_found_try_again);
        case EAI_MEMORY:
            return make_error_code(std::errc::not_enough_memory);
        case EAI_SYSTEM:
            return {saved_errno, std::system_category()};
        default:
            return boost::system::error_code(err::no_recovery);
    }
}

}  // namespace

void dial_resolver::wait::cancel() {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    cv_.notify_all();
}

address_list dial_resolver::resolve_here(const std::string& host,
                                         std::chrono::steady_clock::time_point deadline,
                                         const std::shared_ptr<wait>& w, std::error_code& ec) {
    ec.clear();
    if (auto addresses = known(host)) return std::move(*addresses);
    // getaddrinfo has no time limit and cannot be interrupted: it runs on a thread of
    // its own, which may outlive an abandoned wait, this object and even main(); so it
    // does nothing but C calls and plain copies (no error categories, no Asio).
    std::shared_ptr<own_name> own = host == own_->host ? own_ : nullptr;
    auto lookup = [w, host, own] {
        ::addrinfo hints{};
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_ADDRCONFIG;  // as Asio's resolver asks by default
        ::addrinfo* found = nullptr;
        const int gai = ::getaddrinfo(host.c_str(), nullptr, &hints, &found);
        const int saved_errno = errno;
        address_list addresses;
        if (gai == 0) addresses = epmd::detail::addresses_of(found);
        if (found != nullptr) ::freeaddrinfo(found);
        if (own) keep(*own, addresses);
        std::lock_guard lock(w->mu_);
        w->answered_ = true;
        w->gai_ = gai;
        w->errno_ = saved_errno;
        w->addresses_ = std::move(addresses);
        w->cv_.notify_all();
    };
    try {
        std::thread(std::move(lookup)).detach();
    } catch (const std::system_error& e) {
        ec = e.code();  // no thread to be had
        return {};
    }
    std::unique_lock lock(w->mu_);
    const bool ended =
        w->cv_.wait_until(lock, deadline, [&] { return w->answered_ || w->cancelled_; });
    if (w->cancelled_) {
        ec = make_error_code(std::errc::operation_canceled);
        return {};
    }
    if (!ended) {
        ec = make_error_code(std::errc::timed_out);
        return {};
    }
    if (w->gai_ != 0) {
        ec = lookup_error(w->gai_, w->errno_);
        return {};
    }
    return std::move(w->addresses_);
}

void dial_resolver::failed(const std::string& host) {
    if (host != own_->host) return;
    std::lock_guard lock(own_->mu);
    own_->addresses.clear();
}

}  // namespace otp::node_detail

// A host name looked up with a time limit (see host_lookup.hpp).
#include "epmd/host_lookup.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <cerrno>
#include <thread>
#include <utility>

#include <boost/asio/error.hpp>

#include "epmd/host_addresses.hpp"

namespace otp::epmd::detail {

namespace {

// getaddrinfo's failure as Asio's resolver reports it.
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

void host_lookup::cancel() {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    cv_.notify_all();
}

std::vector<boost::asio::ip::address> lookup_here(
    const std::string& host, std::chrono::steady_clock::time_point deadline,
    const std::shared_ptr<host_lookup>& w, std::error_code& ec,
    std::function<void(const std::vector<boost::asio::ip::address>&)> answered) {
    ec.clear();
    {
        // Ended before it began: no thread is started for an answer nobody would wait for.
        std::lock_guard lock(w->mu_);
        if (w->cancelled_) {
            ec = make_error_code(std::errc::operation_canceled);
            return {};
        }
    }
    if (std::chrono::steady_clock::now() >= deadline) {
        ec = make_error_code(std::errc::timed_out);
        return {};
    }
    // The thread may outlive an abandoned wait, the caller and even main(); so it does
    // nothing but C calls and plain copies (no error categories, no Asio).
    auto lookup = [w, host, answered = std::move(answered)] {
        ::addrinfo hints{};
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_ADDRCONFIG;  // as Asio's resolver asks by default
        ::addrinfo* found = nullptr;
        const int gai = ::getaddrinfo(host.c_str(), nullptr, &hints, &found);
        const int saved_errno = errno;
        std::vector<boost::asio::ip::address> addresses;
        if (gai == 0) addresses = addresses_of(found);
        if (found != nullptr) ::freeaddrinfo(found);
        if (answered) answered(addresses);
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

}  // namespace otp::epmd::detail

// A TCP socket for a thread that waits for each step itself (see blocking_socket.hpp).
#include "epmd/blocking_socket.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "spin.hpp"

namespace otp::epmd::detail {
namespace {

std::error_code last_error() {
    return {errno, std::system_category()};
}

}  // namespace

blocking_socket::~blocking_socket() {
    if (fd_ >= 0) ::close(fd_);
}

void blocking_socket::replace(int fd) noexcept {
    std::lock_guard lock(mu_);
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

std::error_code blocking_socket::failure(std::error_code ec) const {
    return aborted_.load(std::memory_order_acquire) ? make_error_code(std::errc::operation_canceled)
                                                    : ec;
}

std::error_code blocking_socket::wait(short events, clock::time_point deadline,
                                      short* revents) const {
    if (spin_.count() > 0) {
        pollfd p{fd_, events, 0};
        if (otp::detail::spin_until(otp::detail::spin_end(spin_, deadline),
                                    [&] { return ::poll(&p, 1, 0) > 0; })) {
            if (revents != nullptr) *revents = p.revents;
            return failure({});
        }
    }
    for (;;) {
        const auto left = deadline - clock::now();
        if (left <= clock::duration::zero()) return failure(make_error_code(std::errc::timed_out));
        // Rounded up: a wait that ends a little early would only poll again.
        const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
        pollfd p{fd_, events, 0};
        const int r = ::poll(&p, 1, ms > 1'000'000'000 ? 1'000'000'000 : static_cast<int>(ms));
        if (r > 0) {
            if (revents != nullptr) *revents = p.revents;
            return failure({});
        }
        if (r < 0 && errno != EINTR) return failure(last_error());
    }
}

std::error_code blocking_socket::connect(
    const std::vector<boost::asio::ip::tcp::endpoint>& endpoints, clock::time_point deadline) {
    std::error_code last = make_error_code(std::errc::host_unreachable);
    for (const auto& ep : endpoints) {
        if (aborted_.load(std::memory_order_acquire))
            return make_error_code(std::errc::operation_canceled);
        const int fd =
            ::socket(ep.protocol().family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) return last_error();
        replace(fd);
        v6_ = ep.protocol() == boost::asio::ip::tcp::v6();
        // An abort() between the check above and replace() found no socket to shut down.
        if (aborted_.load(std::memory_order_acquire))
            return make_error_code(std::errc::operation_canceled);
        if (::connect(fd, ep.data(), static_cast<socklen_t>(ep.size())) == 0) return {};
        if (errno != EINPROGRESS) {
            last = failure(last_error());
            continue;
        }
        short revents = 0;
        if (auto ec = wait(POLLOUT, deadline, &revents)) return ec;
        // A connect that failed reports an error or a hang-up besides writability; only
        // then is there an error to fetch (one system call less on the way to a peer).
        int err = 0;
        socklen_t len = sizeof err;
        if ((revents & (POLLERR | POLLHUP)) != 0 &&
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
            err = errno;
        if (err == 0) return failure({});
        last = failure({err, std::system_category()});
        if (last == std::errc::operation_canceled) return last;
    }
    replace(-1);
    return last;
}

std::error_code blocking_socket::write_all(std::span<const std::uint8_t> bytes,
                                           clock::time_point deadline) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n >= 0) {
            bytes = bytes.subspan(static_cast<std::size_t>(n));
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (auto ec = wait(POLLOUT, deadline)) return ec;
        } else if (errno != EINTR) {
            return failure(last_error());
        }
    }
    return {};
}

std::error_code blocking_socket::read_some(std::span<std::uint8_t> into, std::size_t& n,
                                           clock::time_point deadline) {
    n = 0;
    for (;;) {
        // The answer is awaited, not yet there: wait first, then read once.
        if (auto ec = wait(POLLIN, deadline)) return ec;
        const ssize_t r = ::recv(fd_, into.data(), into.size(), 0);
        if (r > 0) {
            n = static_cast<std::size_t>(r);
            return {};
        }
        if (r == 0) return failure({});  // the peer closed (or abort() shut it down)
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return failure(last_error());
    }
}

void blocking_socket::set_no_delay() const noexcept {
    const int on = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

void blocking_socket::abort() noexcept {
    std::lock_guard lock(mu_);
    aborted_.store(true, std::memory_order_release);
    // Wakes a poll() on the socket at once; a connect in progress is dropped.
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

int blocking_socket::release() noexcept {
    std::lock_guard lock(mu_);
    const int fd = fd_;
    fd_ = -1;
    return fd;
}

}  // namespace otp::epmd::detail

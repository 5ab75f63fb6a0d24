// An epoll set of our own for plain TCP distribution sockets.
#include "node/dist_poller.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <utility>

namespace otp::dist {
namespace {

// An event's data: the registration's id, and which of its two descriptors.
constexpr std::uint64_t write_bit = 1;

std::error_code last_error() {
    return {errno, std::system_category()};
}

// The read interest: armed, or disarmed (errors and hang-ups are still reported once).
// Edge-triggered either way: every arrival is reported once, and arming reports input
// that is already there.
constexpr std::uint32_t read_events(bool armed) {
    return armed ? EPOLLIN | EPOLLRDHUP | EPOLLET : EPOLLET;
}

void modify(int epfd, int fd, std::uint64_t data, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = data;
    // Fails only for a descriptor already removed: its connection is closing.
    ::epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
}

}  // namespace

std::shared_ptr<dist_poller> dist_poller::create(const boost::asio::any_io_executor& ex,
                                                 std::error_code& ec) {
    const int epfd = ::epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
        ec = last_error();
        return nullptr;
    }
    auto p = std::make_shared<dist_poller>(private_tag{}, ex, epfd);
    p->wait();
    ec.clear();
    return p;
}

dist_poller::dist_poller(private_tag, const boost::asio::any_io_executor& ex, int epfd)
    : epfd_(epfd), desc_(ex, epfd) {}

std::error_code dist_poller::add(int fd, std::weak_ptr<poll_target> target, registration& out,
                                 bool writable, bool read_armed) {
    const int write_fd = writable ? ::fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
    if (writable && write_fd < 0) return last_error();
    std::uint64_t id = 0;
    {
        std::lock_guard lock(mu_);
        id = next_id_++;
        targets_.emplace(id, std::move(target));
    }
    epoll_event ev{};
    ev.events = read_events(read_armed);
    ev.data.u64 = id << 1;
    if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
        const auto ec = last_error();
        if (writable) ::close(write_fd);
        std::lock_guard lock(mu_);
        targets_.erase(id);
        return ec;
    }
    if (!writable) {
        out = {id, fd, -1};
        return {};
    }
    ev.events = EPOLLONESHOT;  // disarmed
    ev.data.u64 = (id << 1) | write_bit;
    if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, write_fd, &ev) != 0) {
        const auto ec = last_error();
        ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
        ::close(write_fd);
        std::lock_guard lock(mu_);
        targets_.erase(id);
        return ec;
    }
    out = {id, fd, write_fd};
    return {};
}

void dist_poller::arm_read(const registration& r, bool on) const {
    modify(epfd_, r.fd, r.id << 1, read_events(on));
}

void dist_poller::arm_write(const registration& r) const {
    // One-shot: reported once, when the socket takes more.
    modify(epfd_, r.write_fd, (r.id << 1) | write_bit, EPOLLOUT | EPOLLONESHOT);
}

void dist_poller::remove(registration& r) {
    if (!r.valid()) return;
    ::epoll_ctl(epfd_, EPOLL_CTL_DEL, r.fd, nullptr);
    if (r.write_fd >= 0) {
        ::epoll_ctl(epfd_, EPOLL_CTL_DEL, r.write_fd, nullptr);
        ::close(r.write_fd);
    }
    {
        std::lock_guard lock(mu_);
        targets_.erase(r.id);
    }
    r = {};
}

void dist_poller::close() {
    std::lock_guard lock(mu_);
    boost::system::error_code ignored;
    desc_.close(ignored);
}

void dist_poller::wait() {
    // With several I/O threads, close() may come from another one.
    std::lock_guard lock(mu_);
    desc_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                         if (ec) return;  // closed
                         self->dispatch_ready();
                     });
}

void dist_poller::dispatch_ready() {
    // A bounded batch: if more are ready, the rearmed wait reports the set at once.
    std::array<epoll_event, 64> events{};
    const int n = ::epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), 0);
    if (n <= 0) return wait();
    std::array<std::pair<std::shared_ptr<poll_target>, bool>, 64> ready;
    std::size_t count = 0;
    {
        std::lock_guard lock(mu_);
        for (int i = 0; i < n; ++i) {
            const std::uint64_t data = events[static_cast<std::size_t>(i)].data.u64;
            auto it = targets_.find(data >> 1);
            if (it == targets_.end()) continue;  // removed meanwhile
            if (auto t = it->second.lock())
                ready[count++] = {std::move(t), (data & write_bit) != 0};
        }
    }
    // Watched again before the targets run (on this thread, when their strands are
    // free): with several I/O threads, another one takes the next events meanwhile.
    wait();
    for (std::size_t i = 0; i < count; ++i)
        ready[i].first->on_poll(ready[i].second);
}

}  // namespace otp::dist

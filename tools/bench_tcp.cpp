// Raw loopback TCP transfers between two threads of this process.
#include "bench_tcp.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace otp::cli::bench {
namespace {

[[noreturn]] void sys_fail(const char* what) {
    throw run_error(std::string("raw tcp: ") + what + ": " + std::strerror(errno));
}

// A file descriptor closed on destruction.
class fd_guard {
  public:
    explicit fd_guard(int fd = -1) noexcept : fd_(fd) {}
    fd_guard(const fd_guard&) = delete;
    fd_guard& operator=(const fd_guard&) = delete;
    ~fd_guard() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const noexcept { return fd_; }

  private:
    int fd_;
};

void read_full(int fd, void* data, std::size_t len) {
    auto* p = static_cast<std::uint8_t*>(data);
    while (len > 0) {
        const ssize_t r = ::read(fd, p, len);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) sys_fail("read");
        p += r;
        len -= static_cast<std::size_t>(r);
    }
}

void write_full(int fd, const void* data, std::size_t len) {
    const auto* p = static_cast<const std::uint8_t*>(data);
    while (len > 0) {
        const ssize_t w = ::write(fd, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) sys_fail("write");
        p += w;
        len -= static_cast<std::size_t>(w);
    }
}

// Writes a frame (u32 length, then the bytes) with one gathered write where possible.
void write_frame(int fd, const std::vector<std::uint8_t>& body) {
    const std::uint32_t len = htonl(static_cast<std::uint32_t>(body.size()));
    iovec iov[2] = {{const_cast<std::uint32_t*>(&len), 4},
                    {const_cast<std::uint8_t*>(body.data()), body.size()}};
    const ssize_t w = ::writev(fd, iov, 2);
    if (w < 0) sys_fail("writev");
    const auto done = static_cast<std::size_t>(w);
    if (done < 4) {
        write_full(fd, reinterpret_cast<const std::uint8_t*>(&len) + done, 4 - done);
        write_full(fd, body.data(), body.size());
    } else if (done < 4 + body.size()) {
        write_full(fd, body.data() + (done - 4), body.size() - (done - 4));
    }
}

void no_delay(int fd) {
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// The reading side: a connected pair of sockets and the thread that reads frames
// and acks them (every frame, or only the last one).
class loopback {
  public:
    loopback(long frames, bool ack_each) {
        fd_guard listener(::socket(AF_INET, SOCK_STREAM, 0));
        if (listener.get() < 0) sys_fail("socket");
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t alen = sizeof addr;
        if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 ||
            ::listen(listener.get(), 1) < 0 ||
            ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &alen) < 0)
            sys_fail("listen");
        client_ = ::socket(AF_INET, SOCK_STREAM, 0);
        if (client_ < 0 || ::connect(client_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
            sys_fail("connect");
        server_ = ::accept(listener.get(), nullptr, nullptr);
        if (server_ < 0) sys_fail("accept");
        no_delay(client_);
        no_delay(server_);
        reader_ = std::thread([this, frames, ack_each] { serve(frames, ack_each); });
    }
    loopback(const loopback&) = delete;
    loopback& operator=(const loopback&) = delete;
    ~loopback() {
        ::shutdown(client_, SHUT_RDWR);
        reader_.join();
        ::close(client_);
        ::close(server_);
    }
    int fd() const noexcept { return client_; }
    /// Reads a 4-byte ack: the length of the frame it acknowledges.
    std::uint32_t read_ack() const {
        std::uint32_t ack = 0;
        read_full(client_, &ack, 4);
        return ntohl(ack);
    }

  private:
    void serve(long frames, bool ack_each) noexcept {
        std::vector<std::uint8_t> buf(1 << 20);
        try {
            for (long i = 1; i <= frames; ++i) {
                std::uint32_t len = 0;
                read_full(server_, &len, 4);
                std::size_t left = ntohl(len);
                while (left > 0) {
                    const std::size_t chunk = std::min(left, buf.size());
                    read_full(server_, buf.data(), chunk);
                    left -= chunk;
                }
                if (ack_each || i == frames) write_full(server_, &len, 4);
            }
        } catch (const run_error&) {
            // The client side sees the missing ack.
        }
    }

    int client_ = -1, server_ = -1;
    std::thread reader_;
};

report start(const char* workload, long n) {
    report r;
    r.workload = workload;
    r.n = n;
    return r;
}

}  // namespace

report run_tcp_bigbin(long n, long size) {
    const auto payload = payload_pattern(static_cast<std::size_t>(size));
    loopback link(n, true);
    report r = start("tcp-bigbin", n);
    long acks = 0;
    stopwatch clock;
    for (long i = 1; i <= n; ++i) {
        write_frame(link.fd(), payload);
        if (link.read_ack() == static_cast<std::uint32_t>(size)) ++acks;
    }
    r.secs = clock.secs();
    r.ok = acks == n;
    r.add("mb_per_s", static_cast<double>(n) * static_cast<double>(size) / r.secs / 1e6);
    r.add_int("payload", size);
    return r;
}

report run_tcp_stream(long n, long size) {
    const auto payload = payload_pattern(static_cast<std::size_t>(size));
    loopback link(n, false);
    report r = start("tcp-stream", n);
    stopwatch clock;
    for (long i = 1; i <= n; ++i)
        write_frame(link.fd(), payload);
    const bool ok = link.read_ack() == static_cast<std::uint32_t>(size);
    r.secs = clock.secs();
    r.ok = ok;
    r.add("mb_per_s", static_cast<double>(n) * static_cast<double>(size) / r.secs / 1e6);
    r.add_int("payload", size);
    return r;
}

report run_tcp_pingpong(long n, long size) {
    const auto payload = payload_pattern(static_cast<std::size_t>(size));
    loopback link(n, true);
    report r = start("tcp-pingpong", n);
    std::vector<double> rtt;
    rtt.reserve(static_cast<std::size_t>(n));
    long acks = 0;
    stopwatch clock;
    for (long i = 1; i <= n; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        write_frame(link.fd(), payload);
        if (link.read_ack() == static_cast<std::uint32_t>(size)) ++acks;
        rtt.push_back(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                .count());
    }
    r.secs = clock.secs();
    r.ok = acks == n;
    r.add("rt_per_s", static_cast<double>(n) / r.secs);
    r.add("rtt_median_us", percentile(rtt, 0.5), 3);
    r.add("rtt_p99_us", percentile(rtt, 0.99), 3);
    return r;
}

}  // namespace otp::cli::bench

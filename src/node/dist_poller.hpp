// An epoll set of our own for plain TCP distribution sockets. Asio's reactor watches
// the set's descriptor, so the node's I/O thread hears of the sockets' events as
// before; but a socket can be taken out of the set for a while (its read interest
// disarmed), which Asio cannot do with a socket it watches itself: a thread blocked
// in a receive then reads the socket without the I/O thread waking on every packet.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <system_error>
#include <unordered_map>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

namespace otp::dist {

/// What a poller reports a socket's readiness to.
class poll_target {
  public:
    /// The socket is readable (`writable` false) or writable; called on a thread that
    /// runs the poller's executor, outside any strand: the target hands it on.
    virtual void on_poll(bool writable) = 0;

  protected:
    ~poll_target() = default;
};

/// Thread safety: every member may be called from any thread.
class dist_poller : public std::enable_shared_from_this<dist_poller> {
  public:
    /// One socket's two registrations: reading on the socket itself (edge-triggered:
    /// whoever reads after an event must read until the socket is empty, or arm it
    /// again), writing on a duplicate of it (one-shot), so that a reader and a writer
    /// arm theirs independently.
    struct registration {
        std::uint64_t id = 0;
        int fd = -1;
        int write_fd = -1;
        bool valid() const noexcept { return id != 0; }
    };

    /// A poller on `ex`, watching nothing yet; ec set (and null) when the system has
    /// no epoll set to give.
    static std::shared_ptr<dist_poller> create(const boost::asio::any_io_executor& ex,
                                               std::error_code& ec);
    dist_poller(const dist_poller&) = delete;
    dist_poller& operator=(const dist_poller&) = delete;

    /// Registers `fd`, both interests disarmed, or the read interest armed at once
    /// (`read_armed`: one system call less than arm_read after it); events go to
    /// `target` while it lives. `writable` false: the read interest only (no duplicate,
    /// arm_write not allowed).
    std::error_code add(int fd, std::weak_ptr<poll_target> target, registration& out,
                        bool writable = true, bool read_armed = false);
    /// Arms (or, `on` false, disarms) the read interest; arming reports input already
    /// waiting.
    void arm_read(const registration& r, bool on) const;
    /// Arms the write interest once.
    void arm_write(const registration& r) const;
    /// Forgets `r` and closes its duplicate; the caller closes `r.fd` afterwards.
    void remove(registration& r);
    /// Stops watching: the pending wait ends, and with it the poller's hold on itself.
    void close();

  private:
    struct private_tag {};

  public:
    dist_poller(private_tag, const boost::asio::any_io_executor& ex, int epfd);

  private:
    void wait();
    void dispatch_ready();

    const int epfd_;  // owned by desc_
    boost::asio::posix::stream_descriptor desc_;
    std::mutex mu_;  // targets_, next_id_, and desc_
    std::unordered_map<std::uint64_t, std::weak_ptr<poll_target>> targets_;
    std::uint64_t next_id_ = 1;
};

}  // namespace otp::dist

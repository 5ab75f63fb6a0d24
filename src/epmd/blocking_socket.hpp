// A TCP socket for a thread that waits for each step itself, as ei's calls do: no
// reactor and no other thread, so a short exchange (an epmd lookup, a dial's handshake)
// costs only its own system calls. Every wait ends at a deadline, and another thread
// can abort the socket to end a wait at once. Used by the epmd client's synchronous
// calls and by a node's connect() on the calling thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <span>
#include <system_error>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

namespace otp::epmd::detail {

/// Thread safety: one thread uses the socket; abort() may come from any thread.
/// Errors: std::errc::timed_out when the deadline passes, std::errc::operation_canceled
/// after abort(), else the system's (errno) error.
class blocking_socket {
  public:
    using clock = std::chrono::steady_clock;

    blocking_socket() = default;
    ~blocking_socket();
    blocking_socket(const blocking_socket&) = delete;
    blocking_socket& operator=(const blocking_socket&) = delete;

    /// Connects to the first of `endpoints` that accepts, in order, all before
    /// `deadline`; the last one's error when none does. The socket is non-blocking and
    /// close-on-exec, as a node's connections need it.
    std::error_code connect(const std::vector<boost::asio::ip::tcp::endpoint>& endpoints,
                            clock::time_point deadline);
    /// Writes all of `bytes`.
    std::error_code write_all(std::span<const std::uint8_t> bytes, clock::time_point deadline);
    /// Waits for input and reads what has come into `into`; `n` 0: the peer closed.
    std::error_code read_some(std::span<std::uint8_t> into, std::size_t& n,
                              clock::time_point deadline);

    /// Each wait first polls for up to `spin` before it sleeps (node_options::spin_wait):
    /// a handshake's answers come sooner than a sleeping thread wakes.
    void spin_before_waiting(std::chrono::microseconds spin) noexcept { spin_ = spin; }
    /// Sends small writes at once (TCP_NODELAY), as a distribution connection does.
    void set_no_delay() const noexcept;
    /// The protocol of the connected endpoint.
    boost::asio::ip::tcp protocol() const noexcept {
        return v6_ ? boost::asio::ip::tcp::v6() : boost::asio::ip::tcp::v4();
    }

    /// Ends the socket's waits, the one in progress and any later one: it is shut down.
    void abort() noexcept;
    /// True once abort() was called.
    bool aborted() const noexcept { return aborted_.load(std::memory_order_acquire); }
    /// Hands the connected descriptor over (the socket is empty afterwards; abort() no
    /// longer reaches it).
    int release() noexcept;
    /// The descriptor, -1 before connect().
    int native_handle() const noexcept { return fd_; }

  private:
    // Waits until the descriptor reports `events` (or an error, which the next call
    // reads), the deadline passes or abort() is called; `revents` (if given) gets what
    // poll() reported.
    std::error_code wait(short events, clock::time_point deadline, short* revents = nullptr) const;
    // The error to report for a failed call: operation_canceled once aborted.
    std::error_code failure(std::error_code ec) const;
    void replace(int fd) noexcept;

    std::mutex mu_;  // fd_ changes and abort(); the owning thread reads fd_ without it
    int fd_ = -1;
    bool v6_ = false;
    std::chrono::microseconds spin_{0};
    std::atomic<bool> aborted_{false};
};

}  // namespace otp::epmd::detail

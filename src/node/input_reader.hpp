// A blocked receive that reads the network itself: instead of sleeping until another
// thread has read and delivered its message, the waiting thread waits for input on a
// connection and reads it, as a single-threaded ei client does. This saves the
// hand-over between threads on every request/reply exchange.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <optional>

namespace otp::node_detail {

/// Something a blocked receiver can wait on while it reads input.
class input_reader {
  public:
    enum class outcome {
        woken,        ///< `wake_fd` became readable (it has been drained)
        read,         ///< input was read and delivered on this thread
        timed_out,    ///< the deadline passed
        unavailable,  ///< cannot be read from here now: wait the usual way
    };
    /// Waits until `wake_fd` (an eventfd) is readable, input arrived, or `deadline`;
    /// input is read and handled on the calling thread before it returns.
    virtual outcome wait_reading(int wake_fd,
                                 std::optional<std::chrono::steady_clock::time_point> deadline) = 0;

  protected:
    ~input_reader() = default;
};

/// Wakes the thread waiting on the eventfd `wake_fd` (see input_reader::wait_reading).
inline void signal_wake_fd(int wake_fd) noexcept {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wake_fd, &one, sizeof one);
}

/// Consumes the wake-ups an eventfd has collected.
inline void drain_wake_fd(int wake_fd) noexcept {
    std::uint64_t count = 0;
    [[maybe_unused]] const auto n = ::read(wake_fd, &count, sizeof count);
}

}  // namespace otp::node_detail

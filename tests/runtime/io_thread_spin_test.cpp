// The I/O thread polls before it sleeps only after it has moved a peer's bytes:
// after timers and closes it sleeps at once (node_options::spin_wait).
#include <gtest/gtest.h>
#include <pthread.h>

#include <chrono>
#include <ctime>
#include <future>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "io_traffic.hpp"
#include "node/spin_wait.hpp"

using namespace std::chrono_literals;

namespace {

// CPU time `t` has used so far.
std::chrono::nanoseconds cpu_time(std::thread& t) {
    clockid_t clock{};
    if (pthread_getcpuclockid(t.native_handle(), &clock) != 0) return {};
    timespec ts{};
    ::clock_gettime(clock, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

// Runs `handler` on the I/O thread, then lets the thread be for `idle`: the CPU time
// it used meanwhile.
template <class Handler>
std::chrono::nanoseconds cpu_after(boost::asio::io_context& io, std::thread& t, Handler handler,
                                   std::chrono::milliseconds idle) {
    std::promise<void> ran;
    boost::asio::post(io, [&] {
        handler();
        ran.set_value();
    });
    ran.get_future().wait();
    const auto before = cpu_time(t);
    std::this_thread::sleep_for(idle);
    return cpu_time(t) - before;
}

}  // namespace

TEST(IoThreadSpin, PollsAfterTrafficOnlyAndSleepsAfterHousekeeping) {
    boost::asio::io_context io;
    auto work = boost::asio::make_work_guard(io);
    // A spin far longer than the watch: a thread that spins burns the whole of it.
    std::thread t([&] { otp::node_detail::run_io_thread(io, std::chrono::seconds(10)); });

    // A timer's or a close's handler: the thread goes to sleep.
    const auto after_housekeeping = cpu_after(
        io, t, [] {}, 200ms);
    // A handler that read or wrote a peer's bytes: the thread polls for more.
    const auto after_traffic = cpu_after(
        io, t, [] { otp::detail::note_traffic(); }, 200ms);
    // Other work while it polls (a timer) does not end the polling: the answer the
    // traffic expects has not come yet.
    const auto after_more_housekeeping = cpu_after(
        io, t, [] {}, 200ms);

    work.reset();
    io.stop();
    t.join();
    // A sleeping thread uses next to nothing; a polling one, a good share of the 200 ms
    // even when others compete for the processor.
    EXPECT_LT(after_housekeeping, 20ms);
    EXPECT_GT(after_traffic, 40ms);
    EXPECT_GT(after_more_housekeeping, 40ms);
}

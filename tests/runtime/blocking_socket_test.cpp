// The socket a thread waits on itself (epmd's synchronous calls, connect()'s dial):
// connects, moves bytes, ends waits at their deadline, and lets another thread end a
// wait at once.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <future>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "epmd/blocking_socket.hpp"

using namespace std::chrono_literals;
using boost::asio::ip::tcp;
using otp::epmd::detail::blocking_socket;

namespace {

using clock_type = std::chrono::steady_clock;

// A loopback listener; the test accepts its connections itself.
class BlockingSocket : public ::testing::Test {
  protected:
    BlockingSocket() : acceptor_(io_, {boost::asio::ip::address_v4::loopback(), 0}) {}
    std::vector<tcp::endpoint> endpoints() const { return {acceptor_.local_endpoint()}; }
    tcp::socket accept() { return acceptor_.accept(); }

    boost::asio::io_context io_;
    tcp::acceptor acceptor_;
};

TEST_F(BlockingSocket, ConnectsWritesAndReads) {
    blocking_socket s;
    EXPECT_EQ(s.native_handle(), -1);
    ASSERT_FALSE(s.connect(endpoints(), clock_type::now() + 5s));
    EXPECT_EQ(s.protocol(), tcp::v4());
    tcp::socket peer = accept();
    const std::array<std::uint8_t, 3> out{1, 2, 3};
    ASSERT_FALSE(s.write_all(out, clock_type::now() + 5s));
    std::array<std::uint8_t, 3> got{};
    boost::asio::read(peer, boost::asio::buffer(got));
    EXPECT_EQ(got, out);

    boost::asio::write(peer, boost::asio::buffer(std::array<std::uint8_t, 2>{9, 8}));
    std::array<std::uint8_t, 16> in{};
    std::size_t n = 0;
    ASSERT_FALSE(s.read_some(in, n, clock_type::now() + 5s));
    ASSERT_EQ(n, 2u);
    EXPECT_EQ(in[0], 9);
    EXPECT_EQ(in[1], 8);
    peer.close();
    ASSERT_FALSE(s.read_some(in, n, clock_type::now() + 5s));
    EXPECT_EQ(n, 0u);  // the peer closed
}

TEST_F(BlockingSocket, TriesTheNextEndpointWhenOneRefuses) {
    // A port nobody listens on: bound and closed again.
    tcp::acceptor gone(io_, {boost::asio::ip::address_v4::loopback(), 0});
    const tcp::endpoint refused = gone.local_endpoint();
    gone.close();
    blocking_socket alone;
    EXPECT_EQ(alone.connect({refused}, clock_type::now() + 5s), std::errc::connection_refused);
    EXPECT_EQ(alone.native_handle(), -1);
    blocking_socket s;
    ASSERT_FALSE(s.connect({refused, acceptor_.local_endpoint()}, clock_type::now() + 5s));
    EXPECT_GE(s.native_handle(), 0);
}

TEST_F(BlockingSocket, AReadEndsAtItsDeadline) {
    blocking_socket s;
    ASSERT_FALSE(s.connect(endpoints(), clock_type::now() + 5s));
    tcp::socket peer = accept();
    std::array<std::uint8_t, 16> in{};
    std::size_t n = 0;
    const auto t0 = clock_type::now();
    EXPECT_EQ(s.read_some(in, n, t0 + 100ms), std::errc::timed_out);
    EXPECT_GE(clock_type::now() - t0, 100ms);
}

TEST_F(BlockingSocket, AbortEndsAWaitAtOnce) {
    blocking_socket s;
    ASSERT_FALSE(s.connect(endpoints(), clock_type::now() + 5s));
    tcp::socket peer = accept();
    auto reading = std::async(std::launch::async, [&] {
        std::array<std::uint8_t, 16> in{};
        std::size_t n = 0;
        return s.read_some(in, n, clock_type::now() + 30s);
    });
    // The abort may come before the read begins or during it: both end it.
    std::this_thread::sleep_for(50ms);
    s.abort();
    ASSERT_EQ(reading.wait_for(10s), std::future_status::ready);
    EXPECT_EQ(reading.get(), std::errc::operation_canceled);
    // Later calls fail the same way, a new connect included.
    EXPECT_EQ(s.connect(endpoints(), clock_type::now() + 5s), std::errc::operation_canceled);
}

TEST_F(BlockingSocket, ReleaseHandsTheDescriptorOver) {
    blocking_socket s;
    ASSERT_FALSE(s.connect(endpoints(), clock_type::now() + 5s));
    tcp::socket peer = accept();
    const int fd = s.release();
    ASSERT_GE(fd, 0);
    EXPECT_EQ(s.native_handle(), -1);
    s.abort();  // no longer reaches the descriptor
    const std::uint8_t b = 7;
    EXPECT_EQ(::send(fd, &b, 1, MSG_NOSIGNAL), 1);
    std::uint8_t got = 0;
    boost::asio::read(peer, boost::asio::buffer(&got, 1));
    EXPECT_EQ(got, 7);
    ::close(fd);
}

}  // namespace

namespace {
std::chrono::nanoseconds thread_cpu_time() {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}
}  // namespace

TEST_F(BlockingSocket, AWaitPollsForItsSpinBeforeItSleeps) {
    blocking_socket s;
    ASSERT_FALSE(s.connect(endpoints(), clock_type::now() + 5s));
    tcp::socket peer = accept();
    std::array<std::uint8_t, 16> in{};
    std::size_t n = 0;
    auto idle_wait_cpu = [&] {
        const auto cpu0 = thread_cpu_time();
        const auto t0 = clock_type::now();
        EXPECT_EQ(s.read_some(in, n, t0 + 200ms), std::errc::timed_out);
        EXPECT_GE(clock_type::now() - t0, 200ms);  // the deadline holds, spin or not
        return thread_cpu_time() - cpu0;
    };
    // Without a spin the thread sleeps through the wait; with one longer than the wait
    // it polls throughout (a good share of the 200 ms even on a busy machine).
    EXPECT_LT(idle_wait_cpu(), 20ms);
    s.spin_before_waiting(std::chrono::seconds(10));
    EXPECT_GT(idle_wait_cpu(), 40ms);

    // What comes while it polls is read.
    std::thread late([&] {
        std::this_thread::sleep_for(20ms);
        boost::asio::write(peer, boost::asio::buffer(std::array<std::uint8_t, 1>{7}));
    });
    ASSERT_FALSE(s.read_some(in, n, clock_type::now() + 5s));
    late.join();
    ASSERT_EQ(n, 1u);
    EXPECT_EQ(in[0], 7);
}

// Finding a peer's addresses for a dial: what needs no resolver (address literals,
// loopback names, the node's own host once looked up) and what still goes to it.
#include <gtest/gtest.h>

#include <unistd.h>

#include <future>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "epmd/host_addresses.hpp"
#include "node/dial_resolver.hpp"

using namespace otp;
using namespace std::chrono_literals;
using boost::asio::ip::address;
using boost::asio::ip::make_address;
using otp::epmd::detail::literal_addresses;
using otp::node_detail::address_list;
using otp::node_detail::dial_resolver;

namespace {

const address_list loopback = {make_address("127.0.0.1"), make_address("::1")};

TEST(LiteralAddresses, AddressLiterals) {
    EXPECT_EQ(literal_addresses("127.0.0.1"), address_list{make_address("127.0.0.1")});
    EXPECT_EQ(literal_addresses("10.1.2.3"), address_list{make_address("10.1.2.3")});
    EXPECT_EQ(literal_addresses("::1"), address_list{make_address("::1")});
    EXPECT_EQ(literal_addresses("[2001:db8::7]"), address_list{make_address("2001:db8::7")});
}

TEST(LiteralAddresses, LoopbackNamesAreIpv4ThenIpv6) {
    for (const char* h :
         {"localhost", "LOCALHOST", "localhost.", "node1.localhost", "a.b.Localhost."})
        EXPECT_EQ(literal_addresses(h), loopback) << h;
}

TEST(LiteralAddresses, EverythingElseNeedsAResolver) {
    for (const char* h : {"", "vm", "example.com", "notlocalhost", "localhost.example.com",
                          "localhost..", "[127.0.0.1]", "[::1", "1.2.3", "256.1.1.1", "::1]"})
        EXPECT_EQ(literal_addresses(h), std::nullopt) << h;
}

// A resolver driven by an I/O thread, as in the runtime.
class DialResolver : public ::testing::Test {
  protected:
    DialResolver() : guard_(io_.get_executor()), thread_([this] { io_.run(); }) {}
    ~DialResolver() override {
        guard_.reset();
        thread_.join();
    }

    struct outcome {
        bool at_once = false;  // completed on the caller's thread, inside resolve()
        std::error_code ec;
        address_list addresses;
    };
    // "At once" is told by the thread the callback runs on, not by timing: a resolver
    // answering from /etc/hosts can complete on the I/O thread before resolve() returns.
    outcome resolve(dial_resolver& r, const std::string& host) {
        auto result = std::make_shared<std::promise<outcome>>();
        const auto caller = std::this_thread::get_id();
        r.resolve(io_.get_executor(), host, 5s,
                  [result, caller](std::error_code ec, address_list a) {
                      result->set_value({std::this_thread::get_id() == caller, ec, std::move(a)});
                  });
        auto f = result->get_future();
        EXPECT_EQ(f.wait_for(10s), std::future_status::ready) << host;
        return f.get();
    }
    static std::string this_host() {
        char buf[256] = {};
        if (::gethostname(buf, sizeof buf - 1) != 0) return {};
        return buf;
    }

    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    std::thread thread_;
};

TEST_F(DialResolver, LiteralsAndLoopbackNamesCompleteAtOnce) {
    dial_resolver r("elsewhere");
    auto lit = resolve(r, "127.0.0.1");
    EXPECT_TRUE(lit.at_once);
    EXPECT_EQ(lit.addresses, address_list{make_address("127.0.0.1")});
    auto lo = resolve(r, "localhost");
    EXPECT_TRUE(lo.at_once);
    EXPECT_EQ(lo.addresses, loopback);
}

TEST_F(DialResolver, OwnHostIsLookedUpOnceUntilADialFails) {
    const std::string host = this_host();
    dial_resolver r(host);
    auto first = resolve(r, host);
    if (first.ec) GTEST_SKIP() << "this host's name " << host << " does not resolve";
    EXPECT_FALSE(first.at_once);
    ASSERT_FALSE(first.addresses.empty());
    auto second = resolve(r, host);
    EXPECT_TRUE(second.at_once);
    EXPECT_EQ(second.addresses, first.addresses);
    r.failed("some.other.host");  // not ours: the own name's answer stays
    EXPECT_TRUE(resolve(r, host).at_once);
    r.failed(host);
    auto third = resolve(r, host);
    EXPECT_FALSE(third.at_once);
    EXPECT_EQ(third.addresses, first.addresses);
}

// A dial on the calling thread resolves without the node's I/O thread (which may be
// busy), and its answer for the own name serves the asynchronous form too.
TEST_F(DialResolver, TheCallingThreadsFormKeepsTheOwnHostsAnswer) {
    const std::string host = this_host();
    dial_resolver r(host);
    std::error_code ec;
    const auto soon = std::chrono::steady_clock::now() + 10s;
    EXPECT_EQ(r.resolve_here("localhost", soon, std::make_shared<dial_resolver::wait>(), ec),
              loopback);
    EXPECT_FALSE(ec);
    const address_list here =
        r.resolve_here(host, soon, std::make_shared<dial_resolver::wait>(), ec);
    ASSERT_FALSE(ec) << "this host's name " << host << " does not resolve";
    ASSERT_FALSE(here.empty());
    auto later = resolve(r, host);
    EXPECT_TRUE(later.at_once);
    EXPECT_EQ(later.addresses, here);
}

// The calling thread's wait ends when it is cancelled, or at its deadline, whatever
// the system's resolver does (here: a name that never resolves, whose lookup may take
// as long as the machine's DNS settings allow).
TEST_F(DialResolver, TheCallingThreadsWaitEndsOnCancelOrAtItsDeadline) {
    dial_resolver r("elsewhere");
    std::error_code ec;
    auto w = std::make_shared<dial_resolver::wait>();
    w->cancel();  // before the wait: it ends at once
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_TRUE(r.resolve_here("no-such-host.invalid", t0 + 10s, w, ec).empty());
    EXPECT_EQ(ec, std::errc::operation_canceled);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);

    auto later = std::make_shared<dial_resolver::wait>();
    std::thread canceller([later] {
        std::this_thread::sleep_for(50ms);
        later->cancel();
    });
    t0 = std::chrono::steady_clock::now();
    r.resolve_here("no-such-host.invalid", t0 + 10s, later, ec);
    canceller.join();
    // Cancelled, or failed sooner when the system's resolver answered within 50 ms.
    EXPECT_TRUE(ec);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);

    // A deadline already passed: the answer is not waited for.
    t0 = std::chrono::steady_clock::now();
    r.resolve_here("no-such-host.invalid", t0, std::make_shared<dial_resolver::wait>(), ec);
    EXPECT_EQ(ec, std::errc::timed_out);
}

TEST_F(DialResolver, OtherNamesGoToTheResolverEveryTime) {
    const std::string host = this_host();
    dial_resolver r("elsewhere");
    auto first = resolve(r, host);
    if (first.ec) GTEST_SKIP() << "this host's name " << host << " does not resolve";
    EXPECT_FALSE(first.at_once);
    EXPECT_FALSE(resolve(r, host).at_once);
}

TEST_F(DialResolver, UnknownNamesFail) {
    dial_resolver r("elsewhere");
    auto o = resolve(r, "no-such-host.invalid");  // RFC 6761: never resolves
    EXPECT_TRUE(o.ec);
    EXPECT_TRUE(o.addresses.empty());
}

}  // namespace

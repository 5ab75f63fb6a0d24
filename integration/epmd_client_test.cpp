// Our epmd client against the real epmd binary (OTP 25), on a private port.
#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include "otp/epmd.hpp"
#include "support/asio.hpp"
#include "support/process.hpp"

using namespace otp;
using namespace otp::itest;
using namespace std::chrono_literals;

namespace {

class RealEpmd : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!find_program("epmd")) GTEST_SKIP() << "epmd not installed";
        epmd_ = std::make_unique<real_epmd>(/*relaxed_command_check=*/true);
    }
    epmd::client client(std::chrono::milliseconds timeout = 3s) {
        epmd::client_options o;
        o.host = "127.0.0.1";
        o.port = epmd_->port();
        o.timeout = timeout;
        return epmd::client(ctx_, o);
    }
    static epmd::node_entry node(const std::string& name, std::uint16_t port,
                                 std::uint8_t type = epmd::node_type_normal) {
        epmd::node_entry n;
        n.name = name;
        n.port = port;
        n.node_type = type;
        return n;
    }
    static bool listed(const epmd::names_reply& r, const std::string& name) {
        return std::any_of(r.nodes.begin(), r.nodes.end(),
                           [&](const epmd::name_port& n) { return n.name == name; });
    }

    boost::asio::io_context ctx_;
    std::unique_ptr<real_epmd> epmd_;
};

}  // namespace

TEST_F(RealEpmd, RegisterLookUpListAndRefuseTwice) {
    auto c = client();
    const std::string name = unique_name("cli");
    epmd::registration reg = c.register_node(node(name, 9999, epmd::node_type_hidden));
    EXPECT_TRUE(reg.is_open());
    EXPECT_TRUE(reg.extended());
    EXPECT_GE(reg.creation(), 4u);

    const epmd::node_entry found = c.port_please(name);
    EXPECT_EQ(found.port, 9999);
    EXPECT_EQ(found.node_type, epmd::node_type_hidden);
    EXPECT_EQ(found.highest_version, 6);
    EXPECT_EQ(found.lowest_version, 5);
    // "name@host" works too: only the alive part goes to epmd.
    EXPECT_EQ(c.port_please(name + "@" + short_hostname()).port, 9999);

    const epmd::names_reply names = c.names();
    EXPECT_EQ(names.epmd_port, epmd_->port());
    EXPECT_TRUE(listed(names, name));

    std::error_code ec;
    epmd::registration again = c.register_node(node(name, 9998), ec);
    EXPECT_EQ(ec, epmd_errc::name_taken);
    EXPECT_FALSE(again.is_open());
    EXPECT_THROW(c.register_node(node(name, 9998)), otp::system_error);

    c.port_please(unique_name("nobody"), ec);
    EXPECT_EQ(ec, epmd_errc::not_found);
}

TEST_F(RealEpmd, RegistrationEndsWithItsConnection) {
    auto c = client();
    const std::string name = unique_name("gone");
    auto reg = c.register_node(node(name, 4242));
    const std::uint32_t first = reg.creation();
    reg.close();
    EXPECT_FALSE(reg.is_open());
    EXPECT_TRUE(wait_until([&] { return !listed(c.names(), name); }, 3s));
    // A new incarnation gets a different creation.
    auto reg2 = c.register_node(node(name, 4242));
    EXPECT_NE(reg2.creation(), first);
    EXPECT_TRUE(listed(c.names(), name));
}

TEST_F(RealEpmd, DumpAndStop) {
    auto c = client();
    const std::string name = unique_name("dump");
    auto reg = c.register_node(node(name, 4343));
    const epmd::dump_reply d = c.dump();
    EXPECT_EQ(d.epmd_port, epmd_->port());
    EXPECT_NE(d.text.find("active name     <" + name + "> at port 4343, fd = "), std::string::npos)
        << d.text;

    std::error_code dropped;
    bool told = false;
    reg.async_wait_closed([&](std::error_code ec) {
        dropped = ec;
        told = true;
    });
    EXPECT_EQ(c.stop(name), "STOPPED");
    // epmd closes the registration connection; the watcher reports it.
    EXPECT_TRUE(run_until(
        ctx_, [&] { return told; }, 3s));
    EXPECT_EQ(dropped, epmd_errc::closed);
    EXPECT_FALSE(reg.is_open());

    std::error_code ec;
    EXPECT_EQ(c.stop(unique_name("nobody"), ec), "NOEXISTSTOPPED");
    EXPECT_EQ(ec, epmd_errc::not_found);
}

TEST_F(RealEpmd, KillEndsEpmd) {
    auto c = client();
    EXPECT_EQ(c.kill(), "OK");
    EXPECT_TRUE(epmd_->proc().wait_exit(3s).has_value());
    std::error_code ec;
    c.names(ec);
    EXPECT_EQ(ec, epmd_errc::unreachable);
}

TEST_F(RealEpmd, AsyncFormsWithCallbackFutureAndCoroutine) {
    auto c = client();
    const std::string name = unique_name("async");

    // Callback.
    epmd::registration reg;
    std::error_code reg_ec = make_error_code(epmd_errc::timeout);
    c.async_register_node(node(name, 5151), [&](std::error_code ec, epmd::registration r) {
        reg_ec = ec;
        reg = std::move(r);
    });
    // The registration's watcher keeps the context busy, so run() would not return.
    ASSERT_TRUE(run_until(
        ctx_, [&] { return reg.is_open() || reg_ec != epmd_errc::timeout; }, 5s));
    ASSERT_FALSE(reg_ec) << reg_ec.message();
    ASSERT_TRUE(reg.is_open());

    // use_future, with the io_context run by another thread (the watcher keeps it
    // running until told to stop). std::error_code is a plain value to use_future in
    // Boost 1.74, so the future holds (error, value).
    std::thread runner([&] { ctx_.run(); });
    auto f = c.async_port_please(name, boost::asio::use_future);
    ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
    auto [ec, entry] = f.get();
    EXPECT_FALSE(ec);
    EXPECT_EQ(entry.port, 5151);
    auto missing = c.async_port_please(unique_name("nobody"), boost::asio::use_future);
    ASSERT_EQ(missing.wait_for(5s), std::future_status::ready);
    EXPECT_EQ(std::get<0>(missing.get()), epmd_errc::not_found);
    ctx_.stop();
    runner.join();
    ctx_.restart();

    // co_await with use_awaitable: likewise (error, value).
    bool seen = false;
    bool finished = false;
    std::error_code closed_ec;
    std::exception_ptr error;
    boost::asio::co_spawn(
        ctx_,
        [&]() -> boost::asio::awaitable<void> {
            const auto [ec, r] = co_await c.async_names(boost::asio::use_awaitable);
            seen = !ec && listed(r, name);
            const auto [ec2, n] =
                co_await c.async_port_please(unique_name("nobody"), boost::asio::use_awaitable);
            EXPECT_EQ(ec2, epmd_errc::not_found);
            closed_ec = co_await reg.async_wait_closed(boost::asio::use_awaitable);
        },
        [&](std::exception_ptr e) {
            error = e;
            finished = true;
        });
    EXPECT_TRUE(run_until(
        ctx_, [&] { return seen; }, 5s));
    reg.close();
    EXPECT_TRUE(run_until(
        ctx_, [&] { return finished; }, 5s));
    EXPECT_FALSE(error);
    EXPECT_EQ(closed_ec, std::errc::operation_canceled);
}

TEST(EpmdClient, NoEpmdAtPort) {
    boost::asio::io_context ctx;
    epmd::client_options o;
    o.host = "127.0.0.1";
    o.port = free_port();
    epmd::client c(ctx, o);
    std::error_code ec;
    c.names(ec);
    EXPECT_EQ(ec, epmd_errc::unreachable);
    try {
        c.names();
        ADD_FAILURE() << "expected a throw";
    } catch (const otp::system_error& e) {
        EXPECT_EQ(e.code(), epmd_errc::unreachable);
        // The message says where nothing answered.
        EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(*o.port)),
                  std::string::npos)
            << e.what();
    }
}

// A host that needs the system's resolver is looked up within the request's time limit:
// a synchronous call never waits for the resolver longer than that (getaddrinfo itself
// has no limit). With no time at all the answer is not waited for; a name that cannot
// resolve fails soon either way (RFC 6761: .invalid never does).
TEST(EpmdClient, ASynchronousCallWaitsForTheResolverWithinItsTimeLimit) {
    boost::asio::io_context ctx;
    epmd::client_options o;
    o.host = "no-such-host.invalid";
    o.port = free_port();
    o.timeout = 0ms;
    std::error_code ec;
    const auto t0 = std::chrono::steady_clock::now();
    epmd::client(ctx, o).names(ec);
    EXPECT_EQ(ec, epmd_errc::timeout);
    o.timeout = 10s;
    epmd::client(ctx, o).port_please("anyone", ec);
    EXPECT_EQ(ec, epmd_errc::unreachable);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
}

TEST(EpmdClient, PortFromEnvironmentThenDefault) {
    boost::asio::io_context ctx;
    ::setenv("ERL_EPMD_PORT", "4370", 1);
    EXPECT_EQ(epmd::client(ctx).port(), 4370);
    epmd::client_options o;
    o.port = 5000;
    EXPECT_EQ(epmd::client(ctx, o).port(), 5000);
    ::unsetenv("ERL_EPMD_PORT");
    EXPECT_EQ(epmd::client(ctx).port(), 4369);
    EXPECT_EQ(epmd::client(ctx).endpoint_text(), "localhost:4369");
    o.host = "::1";
    EXPECT_EQ(epmd::client(ctx, o).endpoint_text(), "[::1]:5000");
}

TEST(EpmdClient, InvalidNamesNeverReachEpmd) {
    boost::asio::io_context ctx;
    epmd::client_options o;
    o.port = free_port();  // nothing listens: an attempt to connect would say unreachable
    epmd::client c(ctx, o);
    std::error_code ec;
    c.register_node(epmd::node_entry{}, ec);
    EXPECT_EQ(ec, epmd_errc::invalid_name);
    c.port_please("", ec);
    EXPECT_EQ(ec, epmd_errc::invalid_name);
    // Asynchronously the error still arrives through the executor, never inline.
    bool called = false;
    c.async_port_please(std::string(300, 'x'), [&](std::error_code e, epmd::node_entry) {
        called = true;
        ec = e;
    });
    EXPECT_FALSE(called);
    ctx.run();
    EXPECT_TRUE(called);
    EXPECT_EQ(ec, epmd_errc::invalid_name);
}

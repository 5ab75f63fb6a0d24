// The otpcpp CLI as a black box: its output, stderr and exit codes.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <regex>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "otp/epmd.hpp"
#include "support/cli.hpp"
#include "support/process.hpp"

using namespace otp;
using namespace otp::itest;
using namespace std::chrono_literals;

namespace {

const std::string& cli = cli_path();

class Cli : public ::testing::Test {
  protected:
    void SetUp() override {
        if (cli.empty()) GTEST_SKIP() << "built without OTPCPP_BUILD_TOOLS";
    }
    static std::size_t lines(const std::string& s) {
        return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
    }
    static epmd::node_entry node(const std::string& name, std::uint16_t port) {
        epmd::node_entry n;
        n.name = name;
        n.port = port;
        return n;
    }
};

}  // namespace

TEST_F(Cli, NamesPrintsWhatEpmdNamesPrints) {
    if (!find_program("epmd")) GTEST_SKIP() << "epmd not installed";
    real_epmd epmd(/*relaxed_command_check=*/false);
    boost::asio::io_context ctx;
    epmd::client_options o;
    o.host = "127.0.0.1";
    o.port = epmd.port();
    epmd::client c(ctx, o);
    auto a = c.register_node(node(unique_name("cli_a"), 5001));
    auto b = c.register_node(node(unique_name("cli_b"), 5002));

    process ours({cli, "epmd", "names", "--epmd-port", std::to_string(epmd.port())});
    process theirs({"epmd", "-port", std::to_string(epmd.port()), "-names"});
    ASSERT_EQ(ours.wait_exit(5s), 0) << ours.err();
    ASSERT_EQ(theirs.wait_exit(5s), 0) << theirs.err();
    EXPECT_EQ(ours.out(), theirs.out());
    EXPECT_EQ(ours.err(), "");
    EXPECT_NE(ours.out().find("name " + a.node().name + " at port 5001\n"), std::string::npos);

    // ERL_EPMD_PORT is honoured when --epmd-port is absent.
    process via_env({cli, "epmd", "names"}, epmd.env());
    ASSERT_EQ(via_env.wait_exit(5s), 0) << via_env.err();
    EXPECT_EQ(via_env.out(), theirs.out());

    process port({cli, "epmd", "port", b.node().name, "--epmd-port", std::to_string(epmd.port())});
    ASSERT_EQ(port.wait_exit(5s), 0) << port.err();
    EXPECT_EQ(port.out(), "5002\n");

    process missing(
        {cli, "epmd", "port", unique_name("nobody"), "--epmd-port", std::to_string(epmd.port())});
    EXPECT_EQ(missing.wait_exit(5s), 1);
    EXPECT_EQ(lines(missing.err()), 1u) << missing.err();

    // Not relaxed, with nodes: KILL is refused.
    process kill({cli, "epmd", "kill", "--epmd-port", std::to_string(epmd.port())});
    EXPECT_EQ(kill.wait_exit(5s), 1);
    EXPECT_EQ(lines(kill.err()), 1u) << kill.err();
    EXPECT_TRUE(epmd.proc().running());
}

TEST_F(Cli, UnreachableEpmdIsOneLineAndNonZero) {
    const std::uint16_t port = free_port();
    process p({cli, "epmd", "names", "--host", "127.0.0.1", "--epmd-port", std::to_string(port)});
    const auto status = p.wait_exit(5s);
    ASSERT_TRUE(status.has_value());
    EXPECT_NE(*status, 0);
    EXPECT_EQ(p.out(), "");
    EXPECT_EQ(lines(p.err()), 1u) << p.err();
    EXPECT_NE(p.err().find("127.0.0.1:" + std::to_string(port)), std::string::npos) << p.err();
}

TEST_F(Cli, BadArgumentsAreOneLineAndNonZero) {
    for (const std::vector<std::string>& args : {std::vector<std::string>{cli},
                                                 {cli, "epmd"},
                                                 {cli, "epmd", "names", "--bogus"},
                                                 {cli, "epmd", "names", "--epmd-port", "70000"},
                                                 {cli, "epmd", "port"},
                                                 {cli, "nosuchcommand"}}) {
        process p(args);
        const auto status = p.wait_exit(5s);
        ASSERT_TRUE(status.has_value()) << p.command();
        EXPECT_NE(*status, 0) << p.command();
        EXPECT_EQ(lines(p.err()), 1u) << p.command() << ": " << p.err();
    }
    process help({cli, "--help"});
    EXPECT_EQ(help.wait_exit(5s), 0);
    EXPECT_NE(help.out().find("epmd"), std::string::npos);
}

TEST_F(Cli, ServeRunsUntilSigterm) {
    process serve({cli, "epmd", "serve", "--port", "0", "--address", "127.0.0.1"});
    ASSERT_TRUE(serve.wait_for_output("\n", 5s)) << serve.err();
    std::smatch m;
    const std::string first = serve.out();
    ASSERT_TRUE(std::regex_search(first, m, std::regex("listening on 127\\.0\\.0\\.1 port (\\d+)")))
        << first;
    const auto port = static_cast<std::uint16_t>(std::stoi(m[1]));

    boost::asio::io_context ctx;
    epmd::client_options o;
    o.host = "127.0.0.1";
    o.port = port;
    epmd::client c(ctx, o);
    auto reg = c.register_node(node("served", 6000));
    process names({cli, "epmd", "names", "--epmd-port", std::to_string(port)});
    ASSERT_EQ(names.wait_exit(5s), 0) << names.err();
    EXPECT_EQ(names.out(), "epmd: up and running on port " + std::to_string(port) +
                               " with data:\nname served at port 6000\n");

    serve.signal(SIGTERM);
    EXPECT_EQ(serve.wait_exit(5s), 0) << serve.err();
}

TEST_F(Cli, ServeOnAChosenPortAndKill) {
    // A chosen port; retry in the unlikely case someone takes it first.
    for (int attempt = 0; attempt < 3; ++attempt) {
        const std::uint16_t port = free_port();
        process serve(
            {cli, "epmd", "serve", "--port", std::to_string(port), "--address", "127.0.0.1"});
        if (!serve.wait_for_output("listening", 5s)) continue;
        process kill({cli, "epmd", "kill", "--epmd-port", std::to_string(port)});
        EXPECT_EQ(kill.wait_exit(5s), 0) << kill.err();
        EXPECT_EQ(kill.out(), "Killed\n");
        // KILL_REQ ends the server, and with it the process, cleanly.
        EXPECT_EQ(serve.wait_exit(5s), 0) << serve.err();
        return;
    }
    FAIL() << "could not start otpcpp epmd serve";
}

TEST_F(Cli, ServeOnABusyPortFails) {
    boost::asio::io_context ctx;
    boost::asio::ip::tcp::acceptor busy(ctx, {boost::asio::ip::make_address("127.0.0.1"), 0});
    process serve({cli, "epmd", "serve", "--port", std::to_string(busy.local_endpoint().port()),
                   "--address", "127.0.0.1"});
    EXPECT_EQ(serve.wait_exit(5s), 1);
    EXPECT_EQ(lines(serve.err()), 1u) << serve.err();
}

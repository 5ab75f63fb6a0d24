// Real erl nodes using the embedded epmd server: they register, list each other with
// net_adm:names/0, reach each other with net_adm:ping/1, and are not disturbed by
// misbehaving clients.
#include <gtest/gtest.h>

#include <thread>

#include <boost/asio/io_context.hpp>

#include "otp/epmd.hpp"
#include "support/asio.hpp"
#include "support/process.hpp"

using namespace otp;
using namespace otp::itest;
using namespace std::chrono_literals;

namespace {

class ErlWithEmbeddedEpmd : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!find_program("erl")) GTEST_SKIP() << "erl not installed";
        epmd::server_options o;
        // erl looks nodes up at `hostname -s`, which may resolve to a non-loopback
        // address, so listen on all of them (on a port only this test knows).
        o.address = "0.0.0.0";
        o.port = 0;
        o.idle_timeout = 2s;
        o.logger = test_logger();
        server_ = std::make_unique<epmd::server>(server_ctx_, o);
        server_->start();
        server_thread_ = std::thread([this] { server_ctx_.run(); });
        env_ = {{"ERL_EPMD_PORT", std::to_string(server_->port())}};
        cookie_ = random_cookie();
    }
    void TearDown() override {
        nodes_.clear();  // kill the erl nodes before the server goes
        if (server_) server_->stop();
        if (server_thread_.joinable()) server_thread_.join();
    }
    epmd::client client() {
        epmd::client_options o;
        o.host = "127.0.0.1";
        o.port = server_->port();
        return epmd::client(ctx_, o);
    }
    // Starts a long-running node and waits until it registered.
    process& start_node(const std::string& sname) {
        nodes_.push_back(std::make_unique<process>(erl_args(sname, cookie_), env_));
        auto c = client();
        const bool up = wait_until(
            [&] {
                std::error_code ec;
                c.port_please(sname, ec);
                return !ec;
            },
            8s, 50ms);
        EXPECT_TRUE(up) << nodes_.back()->command() << "\n" << nodes_.back()->err();
        return *nodes_.back();
    }
    // Runs a node that evaluates `expr` and halts; returns its stdout.
    std::string eval(const std::string& sname, const std::string& expr) {
        process p(erl_args(sname, cookie_, {"-eval", expr + ", halt()."}), env_);
        const auto status = p.wait_exit(9s);
        EXPECT_EQ(status, 0) << p.command() << "\n" << p.out() << p.err();
        return p.out();
    }

    boost::asio::io_context server_ctx_;
    std::unique_ptr<epmd::server> server_;
    std::thread server_thread_;
    boost::asio::io_context ctx_;
    env_map env_;
    std::string cookie_;
    std::vector<std::unique_ptr<process>> nodes_;
};

}  // namespace

TEST_F(ErlWithEmbeddedEpmd, NodesRegisterListAndPingEachOther) {
    const std::string a = unique_name("a");
    const std::string b = unique_name("b");
    start_node(a);

    // `epmd -names` (the real epmd's client) reads our NAMES reply.
    if (find_program("epmd")) {
        process names({"epmd", "-port", std::to_string(server_->port()), "-names"});
        ASSERT_EQ(names.wait_exit(5s), 0) << names.err();
        EXPECT_NE(names.out().find("name " + a + " at port "), std::string::npos) << names.out();
    }

    // A second node lists the first with net_adm:names/0 and pings it through our
    // server (PORT_PLEASE2 on `hostname -s`).
    const std::string out =
        eval(b,
             "{ok, Names} = net_adm:names(), io:format(\"names ~p~n\", [Names]), "
             "io:format(\"ping ~p~n\", [net_adm:ping('" +
                 a + "@" + short_hostname() + "')])");
    EXPECT_NE(out.find("ping pong"), std::string::npos) << out;
    EXPECT_NE(out.find("{\"" + a + "\","), std::string::npos) << out;
    EXPECT_NE(out.find("{\"" + b + "\","), std::string::npos) << out;
}

TEST_F(ErlWithEmbeddedEpmd, NodeUnregistersWhenItDies) {
    const std::string a = unique_name("a");
    auto& node = start_node(a);
    auto c = client();
    const std::uint16_t port = c.port_please(a).port;
    EXPECT_NE(port, 0);
    node.signal(SIGKILL);
    EXPECT_TRUE(wait_until(
        [&] {
            std::error_code ec;
            c.port_please(a, ec);
            return ec == epmd_errc::not_found;
        },
        3s));
}

TEST_F(ErlWithEmbeddedEpmd, SurvivesGarbageAndSilentClientsWhileServingANode) {
    // Misbehaving clients first, and they stay connected while the node starts.
    std::vector<std::unique_ptr<raw_client>> pests;
    for (int i = 0; i < 5; ++i)
        pests.push_back(std::make_unique<raw_client>("127.0.0.1", server_->port()));
    pests[1]->send(std::string("\x00\x20x\x01", 4));                     // truncated ALIVE2
    pests[2]->send("\x01\x02\x03 garbage garbage garbage");              // nonsense
    pests[3]->send(std::string("\x0f\xff", 2) + std::string(100, 'z'));  // oversized length
    pests[4]->send(std::string("\x00\x01n", 3) + "trailing bytes");      // more than the length

    const std::string a = unique_name("a");
    start_node(a);
    const std::string b = unique_name("b");
    const std::string out =
        eval(b, "io:format(\"ping ~p~n\", [net_adm:ping('" + a + "@" + short_hostname() + "')])");
    EXPECT_NE(out.find("ping pong"), std::string::npos) << out;

    // Every misbehaving connection got closed (garbage at once, silence when idle).
    for (std::size_t i = 0; i < pests.size(); ++i) {
        bool closed = false;
        pests[i]->read_all(3s, &closed);
        EXPECT_TRUE(closed) << "connection " << i;
    }
    auto c = client();
    EXPECT_NE(c.port_please(a).port, 0);
}

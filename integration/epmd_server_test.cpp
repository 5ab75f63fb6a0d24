// The embedded epmd server, driven by our client, raw sockets and the real `epmd`
// command-line client.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "otp/epmd.hpp"
#include "support/asio.hpp"
#include "support/process.hpp"

using namespace otp;
using namespace otp::itest;
using namespace std::chrono_literals;

namespace {

class EmbeddedEpmd : public ::testing::Test {
  protected:
    // The server runs on its own thread, as an application would run it; the client
    // side uses ctx_ on the test thread.
    void start_server(epmd::server_options o = {}) {
        o.address = o.address == "0.0.0.0" ? "127.0.0.1" : o.address;
        if (!o.port) o.port = 0;
        o.logger = test_logger();
        server_ = std::make_unique<epmd::server>(server_ctx_, std::move(o));
        server_->start();
        server_thread_ = std::thread([this] { server_ctx_.run(); });
    }
    void TearDown() override {
        if (server_) server_->stop();
        if (server_thread_.joinable()) server_thread_.join();
    }
    epmd::client client(std::chrono::milliseconds timeout = 3s) {
        epmd::client_options o;
        o.host = server_->local_endpoint().address().to_string();
        o.port = server_->port();
        o.timeout = timeout;
        return epmd::client(ctx_, o);
    }
    static epmd::node_entry node(const std::string& name, std::uint16_t port) {
        epmd::node_entry n;
        n.name = name;
        n.port = port;
        return n;
    }
    static std::vector<std::string> names_of(const epmd::names_reply& r) {
        std::vector<std::string> out;
        for (const auto& n : r.nodes)
            out.push_back(n.name);
        return out;
    }
    std::string request(std::string_view body, bool* closed = nullptr) {
        raw_client raw("127.0.0.1", server_->port());
        raw.send_request(body);
        return raw.read_all(2s, closed);
    }

    boost::asio::io_context server_ctx_;
    std::unique_ptr<epmd::server> server_;
    std::thread server_thread_;
    boost::asio::io_context ctx_;
};

}  // namespace

TEST_F(EmbeddedEpmd, RegistersLooksUpListsAndRefusesTwice) {
    start_server();
    EXPECT_NE(server_->port(), 0);  // port 0 became a real one
    auto c = client();
    auto a = c.register_node(node("alpha", 1111));
    auto b = c.register_node(node("beta", 2222));
    EXPECT_TRUE(a.extended());
    EXPECT_NE(a.creation(), b.creation());
    EXPECT_EQ(c.port_please("alpha").port, 1111);

    const auto names = c.names();
    EXPECT_EQ(names.epmd_port, server_->port());
    EXPECT_EQ(names_of(names), (std::vector<std::string>{"beta", "alpha"}));  // newest first

    std::error_code ec;
    c.register_node(node("alpha", 3333), ec);
    EXPECT_EQ(ec, epmd_errc::name_taken);
    // The refusal is exactly epmd's: result 1, creation 99. epmd then leaves the
    // connection open (until idle), so read only briefly.
    raw_client raw("127.0.0.1", server_->port());
    raw.send_request(
        std::string("x\x0d\x05\x4d\x00\x00\x06\x00\x05\x00\x05"
                    "alpha\x00\x00",
                    18));
    bool closed = true;
    EXPECT_EQ(raw.read_all(300ms, &closed), std::string("v\x01\x00\x00\x00\x63", 6));
    EXPECT_FALSE(closed);

    const auto dump = c.dump();
    EXPECT_NE(dump.text.find("active name     <alpha> at port 1111, fd = "), std::string::npos);
}

TEST_F(EmbeddedEpmd, RegistrationLivesAsLongAsItsConnection) {
    start_server();
    auto c = client();
    auto a = c.register_node(node("gamma", 1234));
    const std::uint32_t first = a.creation();
    a.close();
    EXPECT_TRUE(wait_until([&] { return c.names().nodes.empty(); }, 3s));
    EXPECT_NE(c.dump().text.find("old/unused name <gamma>, port = 1234"), std::string::npos);
    auto again = c.register_node(node("gamma", 1234));
    EXPECT_NE(again.creation(), first);
    // The new incarnation takes over the old entry, as in epmd.
    EXPECT_EQ(c.dump().text.find("old/unused name <gamma>"), std::string::npos);

    // Any byte on a registration connection unregisters it, as with epmd.
    raw_client raw("127.0.0.1", server_->port());
    raw.send_request(
        std::string("x\x0d\x05\x4d\x00\x00\x06\x00\x05\x00\x05"
                    "delta\x00\x00",
                    18));
    EXPECT_TRUE(wait_until([&] { return c.names().nodes.size() == 2; }, 3s));
    raw.send("?");
    EXPECT_TRUE(wait_until([&] { return c.names().nodes.size() == 1; }, 3s));
}

TEST_F(EmbeddedEpmd, StopIsObeyedOnlyWhenRelaxed) {
    start_server();
    auto c = client();
    auto a = c.register_node(node("eps", 1));
    std::error_code ec;
    c.stop("eps", ec);
    EXPECT_EQ(ec, epmd_errc::refused);
    EXPECT_EQ(c.port_please("eps").port, 1);
    c.kill(ec);
    EXPECT_EQ(ec, epmd_errc::refused);  // "NO": a node is registered
}

TEST_F(EmbeddedEpmd, RelaxedStopDropsTheRegistrationAndKillStops) {
    epmd::server_options o;
    o.relaxed_command_check = true;
    start_server(o);
    auto c = client();
    auto a = c.register_node(node("zeta", 7));
    std::error_code dropped;
    bool told = false;
    a.async_wait_closed([&](std::error_code ec) {
        dropped = ec;
        told = true;
    });
    EXPECT_EQ(c.stop("zeta"), "STOPPED");
    EXPECT_TRUE(run_until(
        ctx_, [&] { return told; }, 3s));
    EXPECT_EQ(dropped, epmd_errc::closed);
    std::error_code ec;
    EXPECT_EQ(c.stop("zeta", ec), "NOEXISTSTOPPED");
    EXPECT_EQ(ec, epmd_errc::not_found);

    // Relaxed, KILL stops the server even with nodes registered, like epmd.
    auto b = c.register_node(node("eta", 8));
    // The completion runs on the server's thread.
    std::atomic<bool> stopped{false};
    server_->async_wait_stopped([&](std::error_code) { stopped = true; });
    EXPECT_EQ(c.kill(), "OK");
    EXPECT_TRUE(wait_until([&] { return stopped.load(); }, 3s));
    EXPECT_TRUE(run_until(
        ctx_, [&] { return !b.is_open(); }, 3s));
    c.names(ec);
    EXPECT_EQ(ec, epmd_errc::unreachable);
}

TEST_F(EmbeddedEpmd, ProtocolEdgeCasesGetEpmdsAnswers) {
    start_server();
    bool closed = false;
    // Empty name: closed without a reply.
    EXPECT_EQ(
        request(std::string("x\x00\x05\x4d\x00\x00\x06\x00\x05\x00\x00\x00\x00", 13), &closed), "");
    EXPECT_TRUE(closed);
    // A NUL in the name: the same.
    EXPECT_EQ(request(std::string("x\x00\x05\x4d\x00\x00\x06\x00\x05\x00\x03"
                                  "a\0b\x00\x00",
                                  16),
                      &closed),
              "");
    EXPECT_TRUE(closed);
    // Unknown request code, zero length, oversized length: closed.
    EXPECT_EQ(request("Q", &closed), "");
    EXPECT_TRUE(closed);
    for (const std::string& raw_bytes :
         {std::string("\x00\x00", 2), std::string("\x0c\x00", 2) + std::string(16, 'a')}) {
        raw_client raw("127.0.0.1", server_->port());
        raw.send(raw_bytes);
        EXPECT_EQ(raw.read_all(2s, &closed), "");
        EXPECT_TRUE(closed);
    }
    // PORT_PLEASE2 for a missing node: 'w' 1.
    EXPECT_EQ(request("znope"), std::string("w\x01", 2));
    // NAMES with no nodes: just the port.
    const std::string names = request("n");
    ASSERT_EQ(names.size(), 4u);
    EXPECT_EQ((static_cast<unsigned char>(names[2]) << 8) | static_cast<unsigned char>(names[3]),
              server_->port());
    // KILL without nodes, not relaxed: OK and the server stops.
    EXPECT_EQ(request("k"), "OK");
    EXPECT_TRUE(wait_until([&] { return !port_accepts(server_->port()); }, 3s));
}

TEST_F(EmbeddedEpmd, BadAndSilentClientsDoNotStallOthers) {
    epmd::server_options o;
    o.idle_timeout = 300ms;
    start_server(o);
    auto c = client();
    // A silent connection, a truncated request, garbage and an oversized length, all
    // at once.
    raw_client silent("127.0.0.1", server_->port());
    raw_client truncated("127.0.0.1", server_->port());
    truncated.send(std::string("\x00\x10z", 3));
    raw_client garbage("127.0.0.1", server_->port());
    garbage.send("GET / HTTP/1.1\r\n\r\n");
    raw_client huge("127.0.0.1", server_->port());
    huge.send(std::string("\xff\xff", 2));

    const auto start = std::chrono::steady_clock::now();
    auto a = c.register_node(node("theta", 1));
    EXPECT_EQ(c.port_please("theta").port, 1);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 250ms);

    bool closed = false;
    EXPECT_EQ(garbage.read_all(2s, &closed), "");
    EXPECT_TRUE(closed);
    EXPECT_EQ(huge.read_all(2s, &closed), "");
    EXPECT_TRUE(closed);
    // The idle ones are closed after the idle timeout; the registration is not.
    EXPECT_EQ(silent.read_all(3s, &closed), "");
    EXPECT_TRUE(closed);
    EXPECT_EQ(truncated.read_all(3s, &closed), "");
    EXPECT_TRUE(closed);
    std::this_thread::sleep_for(400ms);
    EXPECT_TRUE(run_until(
        ctx_, [&] { return a.is_open(); }, 100ms));
    EXPECT_EQ(c.port_please("theta").port, 1);
}

TEST_F(EmbeddedEpmd, ManyClientsAtOnce) {
    start_server();
    auto c = client(5s);
    constexpr int n = 100;
    std::vector<epmd::registration> regs(n);
    int done = 0;
    int failures = 0;
    for (int i = 0; i < n; ++i) {
        c.async_register_node(node("n" + std::to_string(i), static_cast<std::uint16_t>(1000 + i)),
                              [&, i](std::error_code ec, epmd::registration r) {
                                  failures += ec ? 1 : 0;
                                  regs[i] = std::move(r);
                                  ++done;
                              });
        c.async_names([&](std::error_code ec, const epmd::names_reply&) {
            failures += ec ? 1 : 0;
            ++done;
        });
    }
    EXPECT_TRUE(run_until(
        ctx_, [&] { return done == 2 * n; }, 8s));
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(c.names().nodes.size(), static_cast<std::size_t>(n));
}

TEST_F(EmbeddedEpmd, ClientTimesOutOnASilentServer) {
    // A listener that accepts and never answers.
    boost::asio::io_context ctx;
    boost::asio::ip::tcp::acceptor mute(ctx, {boost::asio::ip::make_address("127.0.0.1"), 0});
    epmd::client_options o;
    o.host = "127.0.0.1";
    o.port = mute.local_endpoint().port();
    o.timeout = 200ms;
    epmd::client c(ctx_, o);
    const auto start = std::chrono::steady_clock::now();
    std::error_code ec;
    c.names(ec);
    EXPECT_EQ(ec, epmd_errc::timeout);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST_F(EmbeddedEpmd, ClientRejectsAMalformedReply) {
    boost::asio::io_context ctx;
    boost::asio::ip::tcp::acceptor liar(ctx, {boost::asio::ip::make_address("127.0.0.1"), 0});
    std::thread t([&] {
        for (int i = 0; i < 2; ++i) {
            auto s = liar.accept();
            char buf[64];
            s.read_some(boost::asio::buffer(buf));
            boost::asio::write(s, boost::asio::buffer(std::string("HTTP/1.0 400 Bad\r\n")));
        }
    });
    epmd::client_options o;
    o.host = "127.0.0.1";
    o.port = liar.local_endpoint().port();
    epmd::client c(ctx_, o);
    std::error_code ec;
    c.port_please("x", ec);
    EXPECT_EQ(ec, epmd_errc::malformed_reply);
    c.register_node(node("x", 1), ec);
    EXPECT_EQ(ec, epmd_errc::malformed_reply);
    t.join();
}

TEST_F(EmbeddedEpmd, Ipv6) {
    epmd::server_options o;
    o.address = "::1";
    try {
        start_server(o);
    } catch (const std::system_error& e) {
        GTEST_SKIP() << "no IPv6 loopback: " << e.what();
    }
    auto c = client();
    EXPECT_EQ(c.endpoint_text(), "[::1]:" + std::to_string(server_->port()));
    auto a = c.register_node(node("iota", 4));
    EXPECT_EQ(c.port_please("iota").port, 4);
}

TEST_F(EmbeddedEpmd, GivenAddressesAreUsedAndTheHostOnlyNamesIt) {
    start_server();
    auto a = client().register_node(node("kappa", 5));
    epmd::client_options o;
    o.host = "epmd.invalid";  // never resolved (RFC 6761: .invalid never is)
    o.addresses = {server_->local_endpoint().address()};
    o.port = server_->port();
    o.timeout = 3s;
    epmd::client c(ctx_, o);
    EXPECT_EQ(c.endpoint_text(), "epmd.invalid:" + std::to_string(server_->port()));
    EXPECT_EQ(c.port_please("kappa").port, 5);
}

TEST_F(EmbeddedEpmd, LocalhostIsTriedAsIpv4ThenIpv6) {
    start_server();  // on 127.0.0.1
    epmd::client_options o;
    o.host = "LocalHost.";
    o.port = server_->port();
    o.timeout = 3s;
    epmd::client c(ctx_, o);
    auto a = c.register_node(node("lambda", 6));
    EXPECT_EQ(c.port_please("lambda").port, 6);
}

TEST_F(EmbeddedEpmd, ManyConnectionsBeyondTheLimitAreClosed) {
    epmd::server_options o;
    o.max_connections = 2;
    start_server(o);
    raw_client one("127.0.0.1", server_->port());
    raw_client two("127.0.0.1", server_->port());
    std::this_thread::sleep_for(100ms);  // both accepted before the third arrives
    raw_client three("127.0.0.1", server_->port());
    bool closed = false;
    EXPECT_EQ(three.read_all(2s, &closed), "");
    EXPECT_TRUE(closed);
}

TEST_F(EmbeddedEpmd, RealEpmdNamesReadsOurServer) {
    if (!find_program("epmd")) GTEST_SKIP() << "epmd not installed";
    start_server();
    auto c = client();
    auto a = c.register_node(node("kappa", 4711));
    auto b = c.register_node(node("lambda", 4712));
    process names({"epmd", "-port", std::to_string(server_->port()), "-names"});
    ASSERT_EQ(names.wait_exit(5s), 0) << names.err();
    EXPECT_EQ(names.out(), "epmd: up and running on port " + std::to_string(server_->port()) +
                               " with data:\nname lambda at port 4712\nname kappa at port 4711\n");
}

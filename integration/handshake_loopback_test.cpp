// The handshake driver over loopback TCP (no erl): both roles against each other, a wrong
// cookie, and a peer that stalls until the step deadline.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "handshake/driver.hpp"
#include "otp/dist_flags.hpp"

using namespace otp;
using namespace otp::handshake;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr std::uint64_t flags = 0x4075F0FBCull;

struct pair_of_sockets {
    asio::io_context io;
    tcp::socket a{io}, b{io};
    pair_of_sockets() {
        tcp::acceptor acc(io, {asio::ip::address_v4::loopback(), 0});
        a.connect(acc.local_endpoint());
        acc.accept(b);
    }
};

initiator_config init(const std::string& cookie) {
    initiator_config c;
    c.our_name = "a@host";
    c.our_flags = flags;
    c.our_creation = 11;
    c.peer_name = "b@host";
    c.cookie = c.peer_cookie = cookie;
    c.challenge = 0xA11CE;
    c.required_flags = dflag::mandatory_otp26;
    return c;
}

acceptor_config accept_cfg() {
    acceptor_config c;
    c.our_name = "b@host";
    c.our_flags = flags;
    c.our_creation = 22;
    c.challenge = 0xB0B;
    c.required_flags = dflag::mandatory_otp26;
    return c;
}

struct outcome {
    bool called = false;
    std::error_code ec;
    handshake_result r;
};

handshake_done record(outcome& o) {
    return [&o](std::error_code ec, handshake_result r) {
        o.called = true;
        o.ec = ec;
        o.r = std::move(r);
    };
}

}  // namespace

TEST(HandshakeDriver, BothRolesOverLoopback) {
    pair_of_sockets p;
    outcome ia, ib;
    std::string asked;
    driver<tcp::socket, initiator_fsm>::start(p.a, initiator_fsm(init("c00kie")),
                                              std::chrono::seconds(5), nullptr, record(ia));
    driver<tcp::socket, acceptor_fsm>::start(
        p.b, acceptor_fsm(accept_cfg()), std::chrono::seconds(5),
        [&](acceptor_fsm& f) {
            asked = f.result().peer_name;
            return acceptor_decision{handshake_status::ok, "c00kie", "c00kie", {}};
        },
        record(ib));
    p.io.run();
    ASSERT_TRUE(ia.called && ib.called);
    EXPECT_FALSE(ia.ec) << ia.ec.message();
    EXPECT_FALSE(ib.ec) << ib.ec.message();
    EXPECT_EQ(asked, "a@host");
    EXPECT_EQ(ia.r.peer_name, "b@host");
    EXPECT_EQ(ia.r.peer_creation, 22u);
    EXPECT_EQ(ib.r.peer_creation, 11u);
    EXPECT_EQ(ia.r.flags, flags);
    EXPECT_EQ(ib.r.flags, flags);
}

TEST(HandshakeDriver, WrongCookieFailsBothSides) {
    pair_of_sockets p;
    outcome ia, ib;
    driver<tcp::socket, initiator_fsm>::start(p.a, initiator_fsm(init("wrong")),
                                              std::chrono::seconds(5), nullptr, record(ia));
    driver<tcp::socket, acceptor_fsm>::start(
        p.b, acceptor_fsm(accept_cfg()), std::chrono::seconds(5),
        [&](acceptor_fsm&) {
            return acceptor_decision{handshake_status::ok, "right", "right", {}};
        },
        [&](std::error_code ec, handshake_result r) {
            record(ib)(ec, std::move(r));
            p.b.close();  // as the runtime does: the refused connection is closed
        });
    p.io.run();
    EXPECT_EQ(ib.ec, handshake_errc::bad_cookie);
    EXPECT_EQ(ia.ec, handshake_errc::closed);
}

TEST(HandshakeDriver, StalledPeerHitsTheStepDeadline) {
    pair_of_sockets p;  // b never answers
    outcome ia;
    const auto t0 = std::chrono::steady_clock::now();
    driver<tcp::socket, initiator_fsm>::start(p.a, initiator_fsm(init("c")),
                                              std::chrono::milliseconds(200), nullptr, record(ia));
    p.io.run();
    EXPECT_EQ(ia.ec, handshake_errc::timeout);
    EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(200));
}

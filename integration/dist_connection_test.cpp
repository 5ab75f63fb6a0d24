// The handshake and an established connection against a real erl -sname peer on a
// private epmd with a random cookie: both directions, wrong cookies, hidden and
// visible, the packet formats, a frozen peer (tick timeout) and a killed one.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <random>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "handshake/driver.hpp"
#include "node/connection.hpp"
#include "otp/dist_flags.hpp"
#include "otp/epmd.hpp"
#include "otp/text.hpp"
#include "support/asio.hpp"
#include "support/process.hpp"

using namespace otp;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// What these tests offer: the OTP 26 set plus the receive features implemented so far.
constexpr std::uint64_t base_flags =
    dflag::mandatory_otp26 | dflag::dist_monitor | dflag::dist_monitor_name | dflag::exit_payload |
    dflag::send_sender | dflag::big_seqtrace_labels | dflag::mandatory_25_digest;
constexpr std::uint64_t header_flags = base_flags | dflag::dist_hdr_atom_cache | dflag::fragments;

std::uint32_t random_u32() {
    static std::random_device rd;
    return rd();
}

// Collects what a connection delivers.
struct recorder : dist::connection_handler {
    std::vector<dist::signal> signals;
    std::optional<std::error_code> closed;
    std::function<void(dist::connection&, dist::signal&)> on_each;
    void on_signal(dist::connection& c, dist::signal&& s) override {
        if (on_each) on_each(c, s);
        signals.push_back(std::move(s));
    }
    void on_closed(dist::connection&, std::error_code why) override { closed = why; }
    // The first SEND whose message is a tuple starting with `tag`.
    const term* message_tagged(const char* tag) const {
        for (const auto& s : signals)
            if (const auto* m = std::get_if<dist::send_signal>(&s))
                if (m->message.element(0).value_or(term()) == term(atom(tag))) return &m->message;
        return nullptr;
    }
};

class DistConnection : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!itest::find_program("erl")) GTEST_SKIP() << "erl not installed";
        cookie_ = itest::random_cookie();
        host_ = itest::short_hostname();
        srv_sname_ = itest::unique_name("srv");
        srv_ = std::make_unique<itest::process>(itest::erl_args(srv_sname_, cookie_), epmd_.env());
        epmd::client_options o;
        o.port = epmd_.port();
        epmd::client c(io_, o);
        ASSERT_TRUE(itest::wait_until(
            [&] {
                std::error_code ec;
                srv_port_ = c.port_please(srv_sname_, ec).port;
                return !ec;
            },
            20s))
            << "erl did not register";
    }

    std::string srv_node() const { return srv_sname_ + "@" + host_; }
    std::string our_node() const { return our_alive_ + "@" + host_; }

    // Connects to the erl node as initiator; returns the handshake outcome.
    std::pair<std::error_code, handshake_result> dial(tcp::socket& s, const std::string& cookie,
                                                      std::uint64_t flags) {
        s.connect({asio::ip::address_v4::loopback(), srv_port_});
        handshake::initiator_config cfg;
        cfg.our_name = our_node();
        cfg.our_flags = flags;
        cfg.our_creation = 0x1234567;
        cfg.peer_name = srv_node();
        cfg.cookie = cfg.peer_cookie = cookie;
        cfg.challenge = random_u32();
        cfg.required_flags = dflag::mandatory_otp26;
        std::optional<std::pair<std::error_code, handshake_result>> out;
        handshake::driver<tcp::socket, handshake::initiator_fsm>::start(
            s, handshake::initiator_fsm(cfg), 7s, nullptr,
            [&](std::error_code ec, handshake_result r) { out.emplace(ec, std::move(r)); });
        itest::run_until(
            io_, [&] { return out.has_value(); }, 15s);
        return out.value_or(
            std::make_pair(make_error_code(handshake_errc::timeout), handshake_result{}));
    }

    std::shared_ptr<dist::connection> open(tcp::socket s, handshake_result hs, recorder& rec,
                                           std::chrono::milliseconds ticktime = 60s) {
        dist::connection_options o;
        o.net_ticktime = ticktime;
        o.decoder.header_format = (hs.flags & (dflag::dist_hdr_atom_cache | dflag::fragments)) != 0;
        o.decoder.fragments = (hs.flags & dflag::fragments) != 0;
        // The recorder outlives the connection's use of it: a non-owning pointer.
        auto c = std::make_shared<dist::connection>(
            dist::dist_stream(std::move(s)), std::move(hs), o,
            std::shared_ptr<dist::connection_handler>(std::shared_ptr<void>{}, &rec));
        c->start();
        return c;
    }

    // Asks erl's rex for M:F(A) the C-node way; the reply comes as {rex, Result}.
    void rex_call(dist::connection& c, const pid& self, const char* m, const char* f, term args) {
        const term req =
            otp::tuple(self, otp::tuple(atom("call"), atom(m), atom(f), args, atom("user")));
        ASSERT_FALSE(c.send(dist::make::reg_send(self, atom("rex")), &req));
    }

    pid our_pid() const { return pid{atom(our_node()), 100, 0, 0x1234567}; }

    asio::io_context io_;
    itest::real_epmd epmd_;
    std::string cookie_, host_, srv_sname_;
    std::string our_alive_ = itest::unique_name("cpp");
    std::unique_ptr<itest::process> srv_;
    std::uint16_t srv_port_ = 0;
};

}  // namespace

TEST_F(DistConnection, DialsErlAndCallsRexInBothPacketFormats) {
    for (std::uint64_t flags : {base_flags, header_flags}) {
        our_alive_ = itest::unique_name("cpp");
        tcp::socket s(io_);
        auto [ec, hs] = dial(s, cookie_, flags);
        ASSERT_FALSE(ec) << ec.message();
        EXPECT_EQ(hs.peer_name, srv_node());
        recorder rec;
        auto c = open(std::move(s), std::move(hs), rec);
        rex_call(*c, our_pid(), "erlang", "node", term());
        rex_call(*c, our_pid(), "binary", "copy", otp::list(otp::binary("x"), 150000));
        ASSERT_TRUE(itest::run_until(
            io_, [&] { return rec.signals.size() >= 2 || rec.closed; }, 10s));
        ASSERT_FALSE(rec.closed);
        const auto& first = std::get<dist::send_signal>(rec.signals[0]);
        EXPECT_EQ(first.message, otp::tuple(atom("rex"), atom(srv_node())));
        const auto& second = std::get<dist::send_signal>(rec.signals[1]);
        EXPECT_EQ(second.message.element(1).value().size(), 150000u);
        c->close(make_error_code(dist_errc::closed));
        itest::run_until(
            io_, [&] { return rec.closed.has_value(); }, 5s);
    }
}

TEST_F(DistConnection, HiddenUnlessBothPublish) {
    for (bool visible : {false, true}) {
        our_alive_ = itest::unique_name("cpp");
        tcp::socket s(io_);
        auto [ec, hs] = dial(s, cookie_, base_flags | (visible ? dflag::published : 0));
        ASSERT_FALSE(ec) << ec.message();
        recorder rec;
        auto c = open(std::move(s), std::move(hs), rec);
        // rex runs each call in its own process, so replies may overtake each other:
        // one call at a time.
        std::vector<term> replies;
        for (const term& args : {term(), otp::list(atom("hidden"))}) {
            rex_call(*c, our_pid(), "erlang", "nodes", args);
            ASSERT_TRUE(itest::run_until(
                io_, [&] { return rec.message_tagged("rex") != nullptr; }, 10s));
            replies.push_back(rec.message_tagged("rex")->element(1).value());
            rec.signals.clear();
        }
        const term us{atom(our_node())};
        const auto contains = [&](const term& l) {
            for (const term& e : l.as_list().value())
                if (e == us) return true;
            return false;
        };
        EXPECT_EQ(contains(replies[0]), visible);   // nodes()
        EXPECT_EQ(contains(replies[1]), !visible);  // nodes(hidden)
        c->close(make_error_code(dist_errc::closed));
        itest::run_until(
            io_, [&] { return rec.closed.has_value(); }, 5s);
    }
}

TEST_F(DistConnection, WrongCookieIsRefusedByErl) {
    tcp::socket s(io_);
    auto [ec, hs] = dial(s, "not-the-cookie", base_flags);
    EXPECT_EQ(ec, handshake_errc::closed);
}

TEST_F(DistConnection, FrozenPeerIsDeclaredDeadAfterTicktime) {
    tcp::socket s(io_);
    auto [ec, hs] = dial(s, cookie_, base_flags);
    ASSERT_FALSE(ec) << ec.message();
    recorder rec;
    auto c = open(std::move(s), std::move(hs), rec, 2s);
    srv_->signal(SIGSTOP);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_TRUE(itest::run_until(
        io_, [&] { return rec.closed.has_value(); }, 10s));
    srv_->signal(SIGCONT);
    EXPECT_EQ(rec.closed.value_or(std::error_code{}), dist_errc::tick_timeout);
    const auto waited = std::chrono::steady_clock::now() - t0;
    EXPECT_GE(waited, 1500ms);  // between (intensity-1) and intensity intervals of silence
    EXPECT_LE(waited, 4s);
}

TEST_F(DistConnection, KilledPeerIsDetected) {
    tcp::socket s(io_);
    auto [ec, hs] = dial(s, cookie_, base_flags);
    ASSERT_FALSE(ec) << ec.message();
    recorder rec;
    auto c = open(std::move(s), std::move(hs), rec);
    srv_->signal(SIGKILL);
    EXPECT_TRUE(itest::run_until(
        io_, [&] { return rec.closed.has_value(); }, 5s));
    EXPECT_EQ(rec.closed.value_or(std::error_code{}), dist_errc::closed);
}

TEST_F(DistConnection, ErlDialsUsAndWeAnswer) {
    // Listen, register with epmd, and let erl send to a name on our node: erl initiates.
    tcp::acceptor acc(io_, {asio::ip::address_v4::loopback(), 0});
    epmd::client_options o;
    o.port = epmd_.port();
    epmd::client ec_client(io_, o);
    epmd::node_entry me;
    me.name = our_alive_;
    me.port = acc.local_endpoint().port();
    me.node_type = epmd::node_type_hidden;
    auto reg = ec_client.register_node(me);

    for (const char* cookie : {"wrong-cookie", "right"}) {
        const bool right = std::string(cookie) == "right";
        const std::string erl_cookie = right ? cookie_ : std::string(cookie);
        const std::string script = "{peer, '" + our_node() +
                                   "'} ! {hello, self()}, "
                                   "receive X -> io:format(\"got ~p~n\", [X]) after 5000 -> "
                                   "io:format(\"timeout~n\") end, halt().";
        itest::process erl(
            itest::erl_args(itest::unique_name("dialer"), erl_cookie, {"-eval", script}),
            epmd_.env());
        tcp::socket s(io_);
        bool accepted = false;
        acc.async_accept(s, [&](const boost::system::error_code& e) { accepted = !e; });
        ASSERT_TRUE(itest::run_until(
            io_, [&] { return accepted; }, 15s));
        handshake::acceptor_config cfg;
        cfg.our_name = our_node();
        cfg.our_flags = base_flags;
        cfg.our_creation = 0x1234567;
        cfg.challenge = random_u32();
        cfg.required_flags = dflag::mandatory_otp26;
        std::optional<std::pair<std::error_code, handshake_result>> out;
        handshake::driver<tcp::socket, handshake::acceptor_fsm>::start(
            s, handshake::acceptor_fsm(cfg), 7s,
            [&](handshake::acceptor_fsm&) {
                return handshake::acceptor_decision{handshake_status::ok, cookie_, cookie_, {}};
            },
            [&](std::error_code e, handshake_result r) { out.emplace(e, std::move(r)); });
        ASSERT_TRUE(itest::run_until(
            io_, [&] { return out.has_value(); }, 10s));
        if (!right) {
            EXPECT_EQ(out->first, handshake_errc::bad_cookie);
            s.close();
            EXPECT_TRUE(erl.wait_exit(15s).has_value());
            continue;
        }
        ASSERT_FALSE(out->first) << out->first.message();
        recorder rec;
        rec.on_each = [&](dist::connection& c, dist::signal& sig) {
            if (const auto* m = std::get_if<dist::reg_send_signal>(&sig)) {
                const term reply = otp::tuple(atom("world"), atom(our_node()));
                const pid to = m->message.element(1).value().as_pid().value();
                (void)c.send(dist::make::send_sender(our_pid(), to), &reply);
            }
        };
        auto c = open(std::move(s), std::move(out->second), rec);
        EXPECT_TRUE(itest::run_until(
            io_, [&] { return erl.wait_for_output("got {world,", 0ms); }, 15s))
            << erl.out();
        ASSERT_FALSE(rec.signals.empty());
        const auto& hello = std::get<dist::reg_send_signal>(rec.signals[0]);
        EXPECT_EQ(hello.to, atom("peer"));
        c->close(make_error_code(dist_errc::closed));
        itest::run_until(
            io_, [&] { return rec.closed.has_value(); }, 5s);
    }
}

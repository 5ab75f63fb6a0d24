// The ErlPeer fixture.
#include "support/erl_peer.hpp"

#include <boost/asio/post.hpp>

#include "otp/epmd.hpp"
#include "otp/text.hpp"

namespace otp::itest {

namespace {
std::vector<std::string> beam_path() {
#ifdef OTPCPP_ITEST_BEAM_DIR
    return {"-pa", OTPCPP_ITEST_BEAM_DIR};
#else
    return {};
#endif
}
}  // namespace

void ErlPeer::SetUp() {
    if (!find_program("erl")) GTEST_SKIP() << "erl not installed";
    epmd_ = std::make_unique<real_epmd>();
    cookie_ = random_cookie();
    host_ = short_hostname();
    erl_sname_ = unique_name("erl");
    erl_ = start_erl(erl_sname_);
}

void ErlPeer::TearDown() {
    erl_.reset();
    epmd_.reset();
}

std::unique_ptr<process> ErlPeer::start_erl(const std::string& sname,
                                            std::vector<std::string> extra) {
    auto args = beam_path();
    const auto fixture_args = erl_extra_args();
    args.insert(args.end(), fixture_args.begin(), fixture_args.end());
    args.insert(args.end(), extra.begin(), extra.end());
    auto p = std::make_unique<process>(erl_args(sname, cookie_, args), epmd_->env());
    boost::asio::io_context io;
    epmd::client_options o;
    o.port = epmd_->port();
    epmd::client c(io, o);
    const bool up = wait_until(
        [&] {
            std::error_code ec;
            c.port_please(sname, ec);
            return !ec;
        },
        20s, 50ms);
    EXPECT_TRUE(up) << "erl did not register: " << p->err();
    return p;
}

std::promise<void> hold_io_thread(node& n) {
    std::promise<void> release;
    auto held = release.get_future().share();
    std::promise<void> entered;
    auto in = entered.get_future();
    boost::asio::post(n.get_executor(), [&entered, held] {
        entered.set_value();
        held.wait();
    });
    in.wait();
    return release;
}

node_options ErlPeer::node_opts(const std::string& stem) const {
    node_options o;
    o.name = unique_name(stem);
    o.cookie = cookie_;
    o.epmd_port = epmd_->port();
    o.logger = test_logger();
    return o;
}

std::unique_ptr<node> ErlPeer::make_node(const std::string& stem) {
    return std::make_unique<node>(node_opts(stem));
}

term ErlPeer::rpc(mailbox& m, const char* mod, const char* fun, term args) {
    call_error err;
    auto r = rpc_call(m, erl(), atom(mod), atom(fun), args, 15s, &err);
    EXPECT_TRUE(r) << mod << ":" << fun << " failed: " << err.code.message() << " "
                   << to_string(err.reason);
    return r ? *r : term();
}

pid ErlPeer::puppet(mailbox& m) {
    term p = rpc(m, "otpcpp_itest", "start_puppet", list(m.self()));
    EXPECT_TRUE(p.is_pid()) << to_string(p);
    return p.is_pid() ? *p.as_pid() : pid{};
}

term ErlPeer::cmd(mailbox& m, const pid& puppet, term command) {
    static std::atomic<int> n{0};
    const term ref = ++n;
    m.send(puppet, tuple(atom("cmd"), ref, command));
    auto r = m.receive_if(
        [&](const envelope& e) {
            auto t = e.message.as_tuple();
            return t && t->size() == 3 && (*t)[0] == term(atom("reply")) && (*t)[1] == ref;
        },
        15s);
    EXPECT_TRUE(r) << "no reply to " << to_string(command);
    return r ? (*r->message.as_tuple())[2] : term();
}

term ErlPeer::got(mailbox& m, std::chrono::milliseconds timeout) {
    auto r = m.receive_if(
        [&](const envelope& e) {
            auto t = e.message.as_tuple();
            return t && t->size() == 3 && (*t)[0] == term(atom("got"));
        },
        timeout);
    EXPECT_TRUE(r) << "no report from a puppet";
    return r ? (*r->message.as_tuple())[2] : term();
}

}  // namespace otp::itest

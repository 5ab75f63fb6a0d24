// A thread blocked in a receive reads the connection it last sent on itself
// (node_options::read_while_waiting), against a real erl node: its reply, and
// messages for other mailboxes, arrive while the node's I/O thread is held up, and a
// link that drops while it reads is reported as usual.
#include <gtest/gtest.h>

#include <csignal>
#include <future>
#include <thread>

#include <boost/asio/post.hpp>

#include "otp/node.hpp"
#include "support/erl_peer.hpp"

using namespace otp;
using namespace otp::itest;
using namespace std::chrono_literals;

namespace {

using WaitingReader = ErlPeer;

// Holds the node's I/O thread (it has one) until the returned promise is set.
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

term echo_of(const term& echo, const term& payload) {
    return tuple(atom("echo"), echo, payload);
}

TEST_F(WaitingReader, AReplyArrivesWhileTheIoThreadIsHeld) {
    for (const bool reads : {true, false}) {
        SCOPED_TRACE(reads ? "read_while_waiting" : "I/O thread reads");
        auto o = node_opts(reads ? "wr_on" : "wr_off");
        o.read_while_waiting = reads;
        node n(o);
        auto m = n.create_mailbox();
        const std::string name = reads ? "wr_echo_on" : "wr_echo_off";
        const term echo = rpc(m, "otpcpp_itest", "start_echo", list(atom(name)));
        ASSERT_TRUE(echo.is_pid());
        // Nothing else is on its way: the request leaves from this thread at once.
        std::this_thread::sleep_for(50ms);
        auto release = hold_io_thread(n);
        m.send(atom(name), erl(), tuple(m.self(), 42));
        auto r = m.receive(reads ? 10s : 1s);
        if (reads) {
            ASSERT_TRUE(r) << r.error().message();
            EXPECT_EQ(r->message, echo_of(echo, 42));
        } else {
            // Only the held I/O thread could have read it.
            EXPECT_EQ(r.error(), node_errc::timeout);
        }
        release.set_value();
        if (!reads) {
            auto late = m.receive(10s);
            ASSERT_TRUE(late) << late.error().message();
            EXPECT_EQ(late->message, echo_of(echo, 42));
        }
    }
}

TEST_F(WaitingReader, MessagesForOtherMailboxesAreDeliveredByTheReader) {
    auto n = make_node("wr_others");
    auto m = n->create_mailbox();
    auto other = n->create_mailbox();
    const term echo = rpc(m, "otpcpp_itest", "start_echo", list(atom("wr_echo2")));
    ASSERT_TRUE(echo.is_pid());
    std::this_thread::sleep_for(50ms);
    auto release = hold_io_thread(*n);
    // Another thread sleeps in a receive of its own: it sent nothing, so it reads
    // nothing, and is woken by whoever delivers to it.
    auto waiting = std::async(std::launch::async, [&] { return other.receive(10s); });
    std::this_thread::sleep_for(100ms);
    // The echo answers `other` first, then `m`: both replies are read by this thread.
    m.send(atom("wr_echo2"), erl(), tuple(other.self(), 1));
    std::this_thread::sleep_for(20ms);  // the next request leaves at once as well
    m.send(atom("wr_echo2"), erl(), tuple(m.self(), 2));
    auto mine = m.receive(10s);
    auto theirs = waiting.get();
    release.set_value();
    ASSERT_TRUE(mine) << mine.error().message();
    EXPECT_EQ(mine->message, echo_of(echo, 2));
    ASSERT_TRUE(theirs) << theirs.error().message();
    EXPECT_EQ(theirs->message, echo_of(echo, 1));
}

TEST_F(WaitingReader, ALinkThatDropsWhileAThreadReadsIsReported) {
    auto n = make_node("wr_drop");
    auto m = n->create_mailbox();
    const term echo = rpc(m, "otpcpp_itest", "start_echo", list(atom("wr_echo3")));
    ASSERT_TRUE(echo.is_pid());
    const reference mon = m.monitor(echo.as_pid().value());
    m.send(atom("wr_echo3"), erl(), tuple(m.self(), 3));
    auto r = m.receive(10s);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->message, echo_of(echo, 3));
    // This thread waits on the link again when erl dies under it.
    auto killer = std::async(std::launch::async, [&] {
        std::this_thread::sleep_for(200ms);
        erl_->signal(SIGKILL);
    });
    auto down = m.receive(10s);
    killer.get();
    ASSERT_TRUE(down) << down.error().message();
    EXPECT_EQ(down->message, tuple(atom("DOWN"), mon, atom("process"), echo, atom("noconnection")));
    EXPECT_TRUE(n->nodes().empty());
}

}  // namespace

// A thread blocked in a receive reads the connection it last sent on itself
// (node_options::read_while_waiting), against a real erl node: its reply, and
// messages for other mailboxes, arrive while the node's I/O thread is held up, and a
// link that drops while it reads is reported as usual. After a read the thread keeps
// the read role lent to it: a lease it does not come back to returns to the I/O
// thread, and a stream it coalesces (node_options::read_coalescing) arrives whole.
#include <gtest/gtest.h>

#include <unistd.h>

#include <csignal>
#include <fstream>
#include <future>
#include <string>
#include <thread>

#include <boost/asio/post.hpp>

#include "otp/node.hpp"
#include "support/erl_peer.hpp"

using namespace otp;
using namespace otp::itest;
using namespace std::chrono_literals;

namespace {

term echo_of(const term& echo, const term& payload) {
    return tuple(atom("echo"), echo, payload);
}

// A node with two mailboxes, and an echo server on erl that `m` has started.
struct two_mailboxes {
    std::unique_ptr<node> n;
    mailbox m, other;
    term echo;
};

class WaitingReader : public ErlPeer {
  protected:
    two_mailboxes with_echo(const std::string& stem, const std::string& echo_name) {
        auto n = make_node(stem);
        auto m = n->create_mailbox();
        auto other = n->create_mailbox();
        const term echo = rpc(m, "otpcpp_itest", "start_echo", list(atom(echo_name)));
        return {std::move(n), std::move(m), std::move(other), echo};
    }
    void expect_spinning_avoids_sleeps(const std::string& stem, bool io_thread);
};

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
    auto t = with_echo("wr_others", "wr_echo2");
    auto& [n, m, other, echo] = t;
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

TEST_F(WaitingReader, ALeaseItsThreadDoesNotComeBackToReturnsToTheIoThread) {
    auto t = with_echo("wr_lease", "wr_echo4");
    auto& [n, m, other, echo] = t;
    ASSERT_TRUE(echo.is_pid());
    // This thread reads its reply itself and keeps the read role lent; from here on
    // it receives nothing.
    m.send(atom("wr_echo4"), erl(), tuple(m.self(), 4));
    auto mine = m.receive(10s);
    ASSERT_TRUE(mine) << mine.error().message();
    EXPECT_EQ(mine->message, echo_of(echo, 4));
    // Only the I/O thread can read this one, once the lease is back with it.
    std::promise<result<envelope>> got;
    auto theirs = got.get_future();
    other.async_receive(10s, nullptr, [&got](std::error_code ec, envelope e) {
        got.set_value(ec ? result<envelope>(ec) : result<envelope>(std::move(e)));
    });
    m.send(atom("wr_echo4"), erl(), tuple(other.self(), 5));
    ASSERT_EQ(theirs.wait_for(20s), std::future_status::ready);
    auto r = theirs.get();
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->message, echo_of(echo, 5));
}

TEST_F(WaitingReader, AStreamArrivesWholeAndInOrderHoweverItIsCoalesced) {
    constexpr long count = 30000;
    for (const auto coalescing : {0us, 100us, 5000us}) {
        SCOPED_TRACE("read_coalescing " + std::to_string(coalescing.count()) + " us");
        auto o = node_opts("wr_stream" + std::to_string(coalescing.count()));
        o.read_coalescing = coalescing;
        node n(o);
        auto m = n.create_mailbox();
        const term peers = rpc(m, "otpcpp_itest", "spawn_load_peers", list(1));
        ASSERT_TRUE(peers.is_list());
        const term peer = *peers.as_list().value().begin();
        // Asked once, then unasked: the stream is what the coalescing is for. Half way
        // through, a request goes out on the link (the input is asked for again); the
        // peer answers it after its burst.
        m.send(peer.as_pid().value(), tuple(atom("burst"), m.self(), count));
        for (long next = 1; next <= count; ++next) {
            auto r = m.receive(10s);
            ASSERT_TRUE(r) << "after " << next - 1 << ": " << r.error().message();
            ASSERT_EQ(r->message, tuple(atom("burst"), peer, next));
            if (next == count / 2) m.send(peer.as_pid().value(), tuple(m.self(), -1));
        }
        auto reply = m.receive(10s);
        ASSERT_TRUE(reply) << reply.error().message();
        EXPECT_EQ(reply->message, tuple(atom("echo"), peer, -1));
    }
}

// Sleeps thread `tid` of this process has taken (voluntary context switches): a thread
// that waits by polling takes none, one that blocks in a poll takes one per wait.
long sleeps_of_thread(pid_t tid) {
    std::ifstream status("/proc/self/task/" + std::to_string(tid) + "/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("voluntary_ctxt_switches:", 0) == 0) return std::stol(line.substr(24));
    ADD_FAILURE() << "no voluntary_ctxt_switches for thread " << tid;
    return 0;
}

// 200 echo exchanges with erl, without spin_wait and with a second of it, counting the
// sleeps of the thread that reads the replies: this one, or (`io_thread`) the node's
// I/O thread. erl answers each a millisecond late: a thread that does not spin sleeps
// before every reply; one that spins for a second, almost never (a lock taken at the
// wrong moment may still put it to sleep now and then).
void WaitingReader::expect_spinning_avoids_sleeps(const std::string& stem, bool io_thread) {
    constexpr long exchanges = 200;
    for (const auto spin : {0us, 1'000'000us}) {
        SCOPED_TRACE("spin_wait " + std::to_string(spin.count()) + " us");
        auto o = node_opts(stem + std::to_string(spin.count()));
        o.spin_wait = spin;
        o.read_while_waiting = !io_thread;
        node n(o);
        auto m = n.create_mailbox();
        const std::string name = stem + "_echo" + std::to_string(spin.count());
        const term echo = rpc(m, "otpcpp_itest", "start_echo", list(atom(name)));
        ASSERT_TRUE(echo.is_pid());
        std::promise<pid_t> tid;
        if (io_thread)
            boost::asio::post(n.get_executor(), [&tid] { tid.set_value(::gettid()); });
        else
            tid.set_value(::gettid());
        const pid_t reader = tid.get_future().get();
        const long before = sleeps_of_thread(reader);
        for (long i = 1; i <= exchanges; ++i) {
            // Late enough that a wait without spinning sleeps however slowly this
            // thread runs (under a sanitizer, say).
            m.send(atom(name), erl(), tuple(atom("delay"), 1, m.self(), i));
            auto r = m.receive(10s);
            ASSERT_TRUE(r) << r.error().message();
            ASSERT_EQ(r->message, echo_of(echo, i));
        }
        const long sleeps = sleeps_of_thread(reader) - before;
        if (spin.count() == 0)
            EXPECT_GE(sleeps, exchanges / 4);
        else
            EXPECT_LT(sleeps, exchanges / 10);
    }
}

TEST_F(WaitingReader, ASpinningWaitReadsItsRepliesWithoutSleeping) {
    expect_spinning_avoids_sleeps("wr_spin", false);
}

TEST_F(WaitingReader, AnIoThreadThatSpinsReadsRepliesWithoutSleeping) {
    expect_spinning_avoids_sleeps("wr_iospin", true);
}

// A thread that reads input itself and answers it at once writes the answer itself,
// however soon after its previous send (a fast peer's reply may come sooner than the
// gap that tells a burst, which goes to the I/O thread's writer). The I/O thread is
// held here, so an answer handed to it would never leave: each round's answer follows
// a send closely, and erl echoes it.
TEST_F(WaitingReader, AnAnswerToInputJustReadLeavesFromTheReadingThread) {
    auto n = make_node("wr_answer");
    auto m = n->create_mailbox();
    const term echo = rpc(m, "otpcpp_itest", "start_echo", list(atom("wr_echo5")));
    ASSERT_TRUE(echo.is_pid());
    std::this_thread::sleep_for(50ms);  // nothing else on its way, as above
    auto release = hold_io_thread(*n);
    for (long i = 1; i <= 200; ++i) {
        m.send(atom("wr_echo5"), erl(), tuple(m.self(), i));
        // The reply is in the socket before the receive begins: read at once.
        std::this_thread::sleep_for(2ms);
        m.send(atom("wr_nobody"), erl(), atom("nothing"));
        auto r = m.receive(10s);
        ASSERT_TRUE(r) << r.error().message();
        ASSERT_EQ(r->message, echo_of(echo, i));
        m.send(atom("wr_echo5"), erl(), tuple(m.self(), -i));
        auto answered = m.receive(5s);
        ASSERT_TRUE(answered) << "round " << i << ": " << answered.error().message();
        ASSERT_EQ(answered->message, echo_of(echo, -i));
    }
    release.set_value();
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

// Back-pressure against a real erl node that stops reading (SIGSTOP): a connection
// with more than node_options::dist_buf_busy_limit bytes queued holds the threads that
// send on it until the queue is down to half, as Erlang's busy distribution port
// suspends senders; never a thread running Asio handlers; and a held sender is let go
// when the link drops. Every message must arrive, in order, once erl reads again.
#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <string>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "otp/node.hpp"
#include "support/erl_peer.hpp"

using namespace otp;
using namespace otp::itest;
using namespace std::chrono_literals;

namespace {

// 400 messages of 64 KiB: 25 MiB, far more than loopback's socket buffers take while
// erl reads nothing.
constexpr int total = 400;
constexpr std::size_t busy_limit = 256 * 1024;

class BackPressure : public ErlPeer {
  protected:
    std::unique_ptr<node> start(std::size_t limit) {
        auto o = node_opts();
        o.dist_buf_busy_limit = limit;
        auto n = std::make_unique<node>(o);
        box_ = std::make_unique<mailbox>(n->create_mailbox());
        // Connects, and starts the Erlang process that counts what arrives.
        rpc(*box_, "otpcpp_itest", "start_counter", list(atom("bp_counter")));
        return n;
    }
    // Sends the whole sequence; sent_ says how far it got.
    void send_all() {
        static const term payload = binary(std::string(64 * 1024, 'x'));
        for (int i = 1; i <= total; ++i) {
            box_->send(atom("bp_counter"), erl(), tuple(atom("seq"), i, payload));
            sent_ = i;
        }
    }
    // The sender (`worker` runs send_all) is never held: it gets through the sequence
    // while erl is stopped, and erl receives all of it once it runs again.
    void expect_never_held(node& n, std::thread& worker) {
        EXPECT_TRUE(wait_for([&] { return sent_.load() == total; }, 20s))
            << "held at " << sent_.load();
        erl_->signal(SIGCONT);
        worker.join();
        EXPECT_EQ(n.stats().busy_dist_port, 0u);
        EXPECT_EQ(counted(), std::make_pair(long{total}, 0L));
    }
    // What the counter saw: {Counted, OutOfOrder}.
    std::pair<long, long> counted() {
        box_->send(atom("bp_counter"), erl(), tuple(atom("count"), box_->self()));
        auto r = box_->receive(20s);
        if (!r) {
            ADD_FAILURE() << "no count from erl: " << r.error().message();
            return {-1, -1};
        }
        const auto t = r->message.as_tuple();
        if (!t || t->size() != 3) {
            ADD_FAILURE() << "not {count, N, Bad}";
            return {-1, -1};
        }
        return {static_cast<long>((*t)[1].as_int64().value()),
                static_cast<long>((*t)[2].as_int64().value())};
    }
    // Whether the sender has not moved for half a second.
    bool held_for_good() const {
        const int before = sent_.load();
        std::this_thread::sleep_for(500ms);
        return sent_.load() == before;
    }
    // Waits up to `limit` for `done`.
    template <class F>
    static bool wait_for(F done, std::chrono::milliseconds limit) {
        const auto until = std::chrono::steady_clock::now() + limit;
        while (!done()) {
            if (std::chrono::steady_clock::now() > until) return false;
            std::this_thread::sleep_for(10ms);
        }
        return true;
    }

    std::unique_ptr<mailbox> box_;
    std::atomic<int> sent_{0};
};

TEST_F(BackPressure, ASenderIsHeldWhileErlReadsNothingAndLetGoWhenItDoes) {
    auto n = start(busy_limit);
    erl_->signal(SIGSTOP);
    std::thread sender([&] { send_all(); });
    EXPECT_TRUE(wait_for([&] { return n->stats().busy_dist_port >= 1; }, 10s));
    // The sender is let go while the kernel's socket buffers still take bytes; once
    // they are full it stays held.
    EXPECT_TRUE(wait_for([&] { return held_for_good(); }, 15s));
    EXPECT_LT(sent_.load(), total);
    erl_->signal(SIGCONT);
    sender.join();
    EXPECT_EQ(counted(), std::make_pair(long{total}, 0L));
    EXPECT_GE(n->stats().busy_dist_port, 1u);
    EXPECT_EQ(n->stats().undeliverable, 0u);
}

TEST_F(BackPressure, WithoutALimitNothingIsHeld) {
    auto n = start(0);
    erl_->signal(SIGSTOP);
    std::thread sender([&] { send_all(); });
    expect_never_held(*n, sender);
}

TEST_F(BackPressure, ThreadsRunningAsioHandlersAreNeverHeld) {
    // An async handler that sends must not wait for a writer it may itself have to run.
    auto n = start(busy_limit);
    erl_->signal(SIGSTOP);
    boost::asio::io_context io;
    boost::asio::post(io, [&] { send_all(); });
    std::thread runner([&] { io.run(); });
    expect_never_held(*n, runner);
}

TEST_F(BackPressure, AHeldSenderIsLetGoWhenTheLinkDrops) {
    auto n = start(busy_limit);
    erl_->signal(SIGSTOP);
    std::thread sender([&] { send_all(); });
    EXPECT_TRUE(wait_for([&] { return held_for_good(); }, 15s));
    EXPECT_LT(sent_.load(), total);
    erl_->signal(SIGKILL);
    // The rest go nowhere, counted (the closed link's or an unreachable node's), none
    // of them held.
    EXPECT_TRUE(wait_for([&] { return sent_.load() == total; }, 30s))
        << "still held at " << sent_.load();
    sender.join();
    // Those waiting for a new dial are counted when it fails.
    EXPECT_TRUE(wait_for(
        [&] {
            const auto st = n->stats();
            return st.undeliverable + st.unreachable > 0;
        },
        20s));
    EXPECT_GE(n->stats().busy_dist_port, 1u);
}

}  // namespace

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
    // Sends message `i` of the sequence.
    void send_seq(int i) {
        static const term payload = binary(std::string(64 * 1024, 'x'));
        box_->send(atom("bp_counter"), erl(), tuple(atom("seq"), i, payload));
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
    // Whether `sent` has not moved for half a second.
    static bool held_for_good(const std::atomic<int>& sent) {
        const int before = sent.load();
        std::this_thread::sleep_for(500ms);
        return sent.load() == before;
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
};

TEST_F(BackPressure, ASenderIsHeldWhileErlReadsNothingAndLetGoWhenItDoes) {
    auto n = start(busy_limit);
    erl_->signal(SIGSTOP);
    std::atomic<int> sent{0};
    std::thread sender([&] {
        for (int i = 1; i <= total; ++i) {
            send_seq(i);
            sent = i;
        }
    });
    EXPECT_TRUE(wait_for([&] { return n->stats().busy_dist_port >= 1; }, 10s));
    // The sender is let go while the kernel's socket buffers still take bytes; once
    // they are full it stays held.
    EXPECT_TRUE(wait_for([&] { return held_for_good(sent); }, 15s));
    EXPECT_LT(sent.load(), total);
    erl_->signal(SIGCONT);
    sender.join();
    EXPECT_EQ(counted(), std::make_pair(long{total}, 0L));
    EXPECT_GE(n->stats().busy_dist_port, 1u);
    EXPECT_EQ(n->stats().undeliverable, 0u);
}

TEST_F(BackPressure, WithoutALimitNothingIsHeld) {
    auto n = start(0);
    erl_->signal(SIGSTOP);
    std::atomic<int> sent{0};
    std::thread sender([&] {
        for (int i = 1; i <= total; ++i) {
            send_seq(i);
            sent = i;
        }
    });
    EXPECT_TRUE(wait_for([&] { return sent.load() == total; }, 20s)) << "held at " << sent.load();
    erl_->signal(SIGCONT);
    sender.join();
    EXPECT_EQ(n->stats().busy_dist_port, 0u);
    EXPECT_EQ(counted(), std::make_pair(long{total}, 0L));
}

TEST_F(BackPressure, ThreadsRunningAsioHandlersAreNeverHeld) {
    // An async handler that sends must not wait for a writer it may itself have to run.
    auto n = start(busy_limit);
    erl_->signal(SIGSTOP);
    boost::asio::io_context io;
    std::atomic<int> sent{0};
    boost::asio::post(io, [&] {
        for (int i = 1; i <= total; ++i) {
            send_seq(i);
            sent = i;
        }
    });
    std::thread runner([&] { io.run(); });
    EXPECT_TRUE(wait_for([&] { return sent.load() == total; }, 20s)) << "held at " << sent.load();
    erl_->signal(SIGCONT);
    runner.join();
    EXPECT_EQ(n->stats().busy_dist_port, 0u);
    EXPECT_EQ(counted(), std::make_pair(long{total}, 0L));
}

TEST_F(BackPressure, AHeldSenderIsLetGoWhenTheLinkDrops) {
    auto n = start(busy_limit);
    erl_->signal(SIGSTOP);
    std::atomic<int> sent{0};
    std::thread sender([&] {
        for (int i = 1; i <= total; ++i) {
            send_seq(i);
            sent = i;
        }
    });
    EXPECT_TRUE(wait_for([&] { return held_for_good(sent); }, 15s));
    EXPECT_LT(sent.load(), total);
    erl_->signal(SIGKILL);
    // The rest go nowhere, counted (the closed link's or an unreachable node's), none
    // of them held.
    EXPECT_TRUE(wait_for([&] { return sent.load() == total; }, 30s))
        << "still held at " << sent.load();
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

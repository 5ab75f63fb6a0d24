// Deferred wake-ups: a connection's reader queues a burst of messages and wakes a
// blocked receiver once, at the end of its batch.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "node/mailbox_state.hpp"

namespace otp::node_detail {
namespace {

using namespace std::chrono_literals;

TEST(MailboxWake, ABurstOwesOneWakeUpAndWakeDeliversIt) {
    boost::asio::io_context io;
    auto box = std::make_shared<mailbox_state>(nullptr, std::weak_ptr<runtime>(),
                                               pid{atom("n@h"), 1, 0, 1}, io.get_executor());
    auto got = std::async(std::launch::async, [&] {
        std::vector<long> seen;
        for (int i = 0; i < 3; ++i) {
            auto r = box->receive(nullptr, std::chrono::steady_clock::now() + 10s);
            if (!r) break;
            seen.push_back(*r->message.as_int64());
        }
        return seen;
    });
    const auto limit = std::chrono::steady_clock::now() + 10s;
    while (box->blocked_receivers() == 0 && std::chrono::steady_clock::now() < limit)
        std::this_thread::sleep_for(1ms);
    ASSERT_EQ(box->blocked_receivers(), 1u);
    bool owed = false;
    ASSERT_TRUE(box->deliver({term(1L), std::nullopt}, &owed));
    EXPECT_TRUE(owed);
    bool again = false;
    ASSERT_TRUE(box->deliver({term(2L), std::nullopt}, &again));
    ASSERT_TRUE(box->deliver({term(3L), std::nullopt}, &again));
    EXPECT_FALSE(again) << "one wake-up is owed per round, not one per message";
    box->wake();
    ASSERT_EQ(got.wait_for(5s), std::future_status::ready);
    EXPECT_EQ(got.get(), (std::vector<long>{1, 2, 3}));
}

// A receiver that spins (node_options::spin_wait) is not asleep: a delivery during
// the spin owes it no wake-up (the reader that delivered would otherwise come back for
// the mailbox's mutex while the receiver holds it), and the receiver takes the message
// itself. Once the spin is over it sleeps, and a deferred delivery owes it one.
TEST(MailboxWake, ASpinningReceiverIsOwedNoWakeUp) {
    boost::asio::io_context io;
    auto box = std::make_shared<mailbox_state>(nullptr, std::weak_ptr<runtime>(),
                                               pid{atom("n@h"), 1, 0, 1}, io.get_executor());
    constexpr auto spin = std::chrono::microseconds(10s);
    std::atomic<int> taken{0};
    auto got = std::async(std::launch::async, [&] {
        std::vector<long> seen;
        for (int i = 0; i < 2; ++i) {
            const auto s = i == 0 ? spin : std::chrono::microseconds(1ms);
            auto r = box->receive(nullptr, std::chrono::steady_clock::now() + 20s, nullptr, s);
            if (!r) break;
            seen.push_back(*r->message.as_int64());
            ++taken;
        }
        return seen;
    });
    const auto limit = std::chrono::steady_clock::now() + 10s;
    auto wait_until = [&](auto ready) {
        while (!ready() && std::chrono::steady_clock::now() < limit)
            std::this_thread::yield();
        return ready();
    };
    ASSERT_TRUE(wait_until([&] { return box->spinning_receivers() == 1; }));
    EXPECT_EQ(box->blocked_receivers(), 0u);
    bool owed = false;
    ASSERT_TRUE(box->deliver({term(1L), std::nullopt}, &owed));
    EXPECT_FALSE(owed) << "a spinning receiver needs no wake-up";
    ASSERT_TRUE(wait_until([&] { return taken == 1; })) << "the spinner did not take 1";
    // The second receive spins for 1 ms, then sleeps.
    ASSERT_TRUE(wait_until([&] { return box->blocked_receivers() == 1; }));
    EXPECT_EQ(box->spinning_receivers(), 0u);
    bool again = false;
    ASSERT_TRUE(box->deliver({term(2L), std::nullopt}, &again));
    EXPECT_TRUE(again) << "a sleeping receiver is owed a wake-up";
    box->wake();
    ASSERT_EQ(got.wait_for(5s), std::future_status::ready) << "the receiver slept through 2";
    EXPECT_EQ(got.get(), (std::vector<long>{1, 2}));
}

TEST(MailboxWake, NoWakeUpIsOwedWithoutASleepingReceiver) {
    boost::asio::io_context io;
    auto box = std::make_shared<mailbox_state>(nullptr, std::weak_ptr<runtime>(),
                                               pid{atom("n@h"), 1, 0, 1}, io.get_executor());
    bool owed = false;
    ASSERT_TRUE(box->deliver({term(1L), std::nullopt}, &owed));
    EXPECT_FALSE(owed);
    auto r = box->receive(nullptr, std::chrono::steady_clock::now() + 1s);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r->message.as_int64(), 1);
}

}  // namespace
}  // namespace otp::node_detail

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

// A receiver that spins (node_options::spin_wait) takes a message delivered with a
// deferred wake-up before that wake-up comes; the wake-up then lands in its next
// receive's spin, where nobody sleeps on the condition variable. It still counts: a
// later delivery finds the receiver woken and owes it nothing new.
TEST(MailboxWake, AWakeUpThatLandsInASpinIsNotLost) {
    boost::asio::io_context io;
    auto box = std::make_shared<mailbox_state>(nullptr, std::weak_ptr<runtime>(),
                                               pid{atom("n@h"), 1, 0, 1}, io.get_executor());
    constexpr auto spin = std::chrono::microseconds(100ms);
    std::atomic<int> taken{0};
    auto got = std::async(std::launch::async, [&] {
        std::vector<long> seen;
        for (int i = 0; i < 2; ++i) {
            auto r = box->receive(nullptr, std::chrono::steady_clock::now() + 10s, nullptr, spin);
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
    ASSERT_TRUE(wait_until([&] { return box->blocked_receivers() == 1; }));
    bool owed = false;
    ASSERT_TRUE(box->deliver({term(1L), std::nullopt}, &owed));
    EXPECT_TRUE(owed);
    // Taken in the spin; the second receive spins now.
    ASSERT_TRUE(wait_until([&] { return taken == 1 && box->blocked_receivers() == 1; }));
    box->wake();                         // the batch's owed wake-up, inside that spin
    std::this_thread::sleep_for(150ms);  // past the spin
    bool again = false;
    ASSERT_TRUE(box->deliver({term(2L), std::nullopt}, &again));
    if (again) box->wake();
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

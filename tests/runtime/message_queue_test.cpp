// The mailbox's ring queue: order across wrap-around, removal anywhere, memory given
// back once drained.
#include <gtest/gtest.h>

#include <vector>

#include "node/message_queue.hpp"

namespace otp::node_detail {
namespace {

envelope msg(long i) {
    return {term(i), std::nullopt};
}

std::vector<long> contents(const message_queue& q) {
    std::vector<long> out;
    for (std::size_t i = 0; i < q.size(); ++i)
        out.push_back(*q[i].message.as_int64());
    return out;
}

TEST(MessageQueue, KeepsOrderWhileTheRingWrapsAndGrows) {
    message_queue q;
    long next_in = 0, next_out = 0;
    // Interleave pushes and takes so the head walks around the ring before it grows.
    for (int round = 0; round < 50; ++round) {
        for (int k = 0; k < 7; ++k)
            q.push_back(msg(next_in++));
        for (int k = 0; k < 5; ++k)
            EXPECT_EQ(*q.take(0).message.as_int64(), next_out++);
    }
    ASSERT_EQ(q.size(), static_cast<std::size_t>(next_in - next_out));
    while (!q.empty())
        EXPECT_EQ(*q.take(0).message.as_int64(), next_out++);
    EXPECT_EQ(next_out, next_in);
}

TEST(MessageQueue, TakesFromTheMiddleAcrossTheWrap) {
    message_queue q;
    for (long i = 0; i < 6; ++i)
        q.push_back(msg(i));
    for (int i = 0; i < 5; ++i)
        q.take(0);  // head is now near the end of the 8-slot ring
    for (long i = 6; i < 12; ++i)
        q.push_back(msg(i));
    ASSERT_EQ(contents(q), (std::vector<long>{5, 6, 7, 8, 9, 10, 11}));
    const auto before = q.removals();
    EXPECT_EQ(*q.take(3).message.as_int64(), 8);
    EXPECT_EQ(q.removals(), before + 1);
    EXPECT_EQ(contents(q), (std::vector<long>{5, 6, 7, 9, 10, 11}));
    EXPECT_EQ(*q.take(5).message.as_int64(), 11);
    EXPECT_EQ(contents(q), (std::vector<long>{5, 6, 7, 9, 10}));
}

TEST(MessageQueue, RemoveIfKeepsTheRestInOrder) {
    message_queue q;
    for (long i = 0; i < 20; ++i)
        q.push_back(msg(i));
    for (int i = 0; i < 3; ++i)
        q.take(0);
    q.remove_if([](const envelope& e) { return *e.message.as_int64() % 3 == 0; });
    EXPECT_EQ(contents(q), (std::vector<long>{4, 5, 7, 8, 10, 11, 13, 14, 16, 17, 19}));
    q.remove_if([](const envelope&) { return true; });
    EXPECT_TRUE(q.empty());
}

TEST(MessageQueue, GivesMemoryBackOnceDrained) {
    message_queue q;
    EXPECT_EQ(q.capacity(), 0u);  // idle: nothing allocated
    for (long i = 0; i < 10'000; ++i)
        q.push_back(msg(i));
    EXPECT_GE(q.capacity(), 10'000u);
    while (!q.empty())
        q.take(0);
    EXPECT_EQ(q.capacity(), 0u);
    // A small burst keeps its ring for the next messages.
    q.push_back(msg(1));
    q.take(0);
    EXPECT_EQ(q.capacity(), 8u);
    q.clear();
    EXPECT_EQ(q.capacity(), 0u);
}

}  // namespace
}  // namespace otp::node_detail

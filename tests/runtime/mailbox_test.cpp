// Mailboxes on one node: sending by pid, name and alias, selective and asynchronous
// receive, bounded queues, and what a closed mailbox does.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include "otp/mailbox.hpp"
#include "otp/text.hpp"
#include "runtime/local_node.hpp"

using namespace otp;
using namespace std::chrono_literals;

namespace {

TEST(Mailbox, SendsByPidNameAndAliasWithTheSender) {
    auto n = test::local_node();
    auto a = n->create_mailbox();
    auto b = n->create_mailbox(atom("bee")).value();
    a.send(b.self(), atom("by_pid"));
    ASSERT_FALSE(a.send(atom("bee"), atom("by_name")));
    a.send(atom("bee"), n->name(), atom("by_name_node"));
    const reference al = b.make_alias();
    a.send(al, atom("by_alias"));
    for (const char* want : {"by_pid", "by_name", "by_name_node", "by_alias"}) {
        auto r = b.receive(1s);
        ASSERT_TRUE(r) << want;
        EXPECT_EQ(r->message, term(atom(want)));
        EXPECT_EQ(r->sender, a.self());
    }
    EXPECT_EQ(a.send(atom("nobody"), atom("x")), node_errc::not_registered);
    EXPECT_EQ(n->whereis(atom("bee")), b.self());
    EXPECT_EQ(n->create_mailbox(atom("bee")).error(), node_errc::name_in_use);
}

TEST(Mailbox, UndeliverableMessagesAreCounted) {
    auto n = test::local_node();
    auto a = n->create_mailbox();
    pid gone;
    reference al;
    {
        auto b = n->create_mailbox();
        gone = b.self();
        al = b.make_alias();
    }
    const auto before = n->stats().undeliverable;
    a.send(gone, atom("x"));
    a.send(al, atom("y"));
    pid other_creation = a.self();
    other_creation.creation ^= 1;
    a.send(other_creation, atom("z"));
    EXPECT_EQ(n->stats().undeliverable, before + 3);
}

TEST(Mailbox, TimeoutsAndTryReceive) {
    auto n = test::local_node();
    auto a = n->create_mailbox();
    EXPECT_EQ(a.try_receive().error(), node_errc::timeout);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(a.receive(50ms).error(), node_errc::timeout);
    EXPECT_GE(std::chrono::steady_clock::now() - t0, 50ms);
}

TEST(Mailbox, SelectiveReceiveLeavesOthersInOrder) {
    auto n = test::local_node();
    auto a = n->create_mailbox();
    for (int i = 0; i < 6; ++i)
        a.send(a.self(), i % 2 ? tuple(atom("odd"), i) : tuple(atom("even"), i));
    auto p = pattern::compile("{odd, N}").value();
    auto m = a.receive_match(p, 1s);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->bindings.get("N").value(), term(1));
    for (int want : {0, 2, 3, 4, 5}) {
        auto r = a.receive(1s);
        ASSERT_TRUE(r);
        EXPECT_EQ(*r->message.element(1), term(want));
    }
}

TEST(Mailbox, BlockedReceiverWakesForAMatchingMessage) {
    auto n = test::local_node();
    auto a = n->create_mailbox();
    auto b = n->create_mailbox();
    std::thread t([&] {
        std::this_thread::sleep_for(20ms);
        b.send(a.self(), atom("noise"));
        b.send(a.self(), atom("wanted"));
    });
    auto r = a.receive_if([](const envelope& e) { return e.message == term(atom("wanted")); }, 5s);
    t.join();
    ASSERT_TRUE(r);
    EXPECT_EQ(a.queued(), 1u);
}

TEST(Mailbox, AsyncReceiveWithCallbackFutureAndCoroutine) {
    auto n = test::local_node();
    auto a = n->create_mailbox();
    std::promise<term> cb_got;
    a.async_receive([&](std::error_code ec, envelope e) {
        cb_got.set_value(ec ? term(atom("error")) : e.message);
    });
    a.send(a.self(), 1);
    EXPECT_EQ(cb_got.get_future().get(), term(1));

    auto fut = a.async_receive(boost::asio::use_future);
    a.send(a.self(), 2);
    auto [ec, e] = fut.get();
    EXPECT_FALSE(ec);
    EXPECT_EQ(e.message, term(2));

    std::promise<term> co_got;
    boost::asio::co_spawn(
        a.get_executor(),
        [&]() -> boost::asio::awaitable<void> {
            auto [ec2, e2] = co_await a.async_receive(boost::asio::use_awaitable);
            co_got.set_value(ec2 ? term(atom("error")) : e2.message);
        },
        boost::asio::detached);
    a.send(a.self(), 3);
    EXPECT_EQ(co_got.get_future().get(), term(3));

    // With a filter and a time limit.
    std::promise<std::error_code> late;
    a.async_receive(
        30ms, [](const envelope& x) { return x.message == term(99); },
        [&](std::error_code ec3, envelope) { late.set_value(ec3); });
    a.send(a.self(), 4);
    EXPECT_EQ(late.get_future().get(), node_errc::timeout);
    EXPECT_EQ(a.receive(1s)->message, term(4));
}

TEST(Mailbox, ClosingFailsWaitersAndDropsLaterMessages) {
    auto n = test::local_node();
    auto a = n->create_mailbox();
    auto b = n->create_mailbox();
    std::promise<std::error_code> waiter;
    a.async_receive([&](std::error_code ec, envelope) { waiter.set_value(ec); });
    a.close(atom("bye"));
    EXPECT_EQ(waiter.get_future().get(), node_errc::mailbox_closed);
    EXPECT_FALSE(a.is_open());
    EXPECT_EQ(a.exit_reason(), term(atom("bye")));
    EXPECT_EQ(a.receive(10ms).error(), node_errc::mailbox_closed);
    const auto before = n->stats().undeliverable;
    b.send(a.self(), 1);
    EXPECT_EQ(n->stats().undeliverable, before + 1);
}

TEST(Mailbox, BoundedQueuePolicies) {
    auto n = test::local_node();
    auto a = n->create_mailbox();
    auto b = n->create_mailbox();
    a.limit_queue(2, overflow_policy::drop_newest);
    b.limit_queue(2, overflow_policy::drop_oldest);
    const auto before = n->stats().undeliverable;
    for (int i = 1; i <= 3; ++i) {
        a.send(a.self(), i);
        a.send(b.self(), i);
    }
    EXPECT_EQ(n->stats().undeliverable, before + 2);
    EXPECT_EQ(a.receive(1s)->message, term(1));
    EXPECT_EQ(a.receive(1s)->message, term(2));
    EXPECT_EQ(b.receive(1s)->message, term(2));
    EXPECT_EQ(b.receive(1s)->message, term(3));
}

TEST(Mailbox, NodeCloseClosesMailboxesWithShutdown) {
    auto n = test::local_node();
    auto a = n->create_mailbox();
    n->close();
    EXPECT_FALSE(a.is_open());
    EXPECT_EQ(a.exit_reason(), term(atom("shutdown")));
    EXPECT_EQ(a.receive(10ms).error(), node_errc::mailbox_closed);
    a.send(a.self(), 1);  // harmless after the node is gone
    n.reset();
    a.send(a.self(), 1);
}

}  // namespace

// The OTP 26 link protocol table, row by row, and the races it exists to settle.
#include <gtest/gtest.h>

#include "node/link_table.hpp"

using otp::atom;
using otp::pid;
using otp::node_detail::link_table;

namespace {
const pid a{atom("cpp@h"), 1, 0, 1};
const pid b{atom("cpp@h"), 2, 0, 1};
const pid x{atom("erl@h"), 7, 0, 3};
const pid y{atom("erl@h"), 8, 0, 3};
const pid z{atom("other@h"), 9, 0, 3};
}  // namespace

TEST(LinkTable, LinkSendsOnceWhileActive) {
    link_table t;
    EXPECT_TRUE(t.link(a, x));
    EXPECT_FALSE(t.link(a, x));
    EXPECT_TRUE(t.linked(a, x));
    EXPECT_FALSE(t.linked(x, a));  // direction matters: entries are per local process
}

TEST(LinkTable, UnlinkThenAck) {
    link_table t;
    t.link(a, x);
    const auto id = t.unlink(a, x);
    ASSERT_TRUE(id);
    EXPECT_FALSE(t.linked(a, x));
    EXPECT_FALSE(t.unlink(a, x));       // nothing active to unlink
    t.on_unlink_id_ack(a, x, *id + 1);  // a stale ack changes nothing
    EXPECT_EQ(t.size(), 1u);
    t.on_unlink_id_ack(a, x, *id);
    EXPECT_EQ(t.size(), 0u);
}

TEST(LinkTable, LinkOverridesPendingUnlink) {
    link_table t;
    t.link(a, x);
    const auto id = t.unlink(a, x);
    EXPECT_TRUE(t.link(a, x));
    t.on_unlink_id_ack(a, x, *id);  // the ack of the old unlink must not remove the new link
    EXPECT_TRUE(t.linked(a, x));
}

TEST(LinkTable, IncomingLinkDuringOurUnlinkIsIgnored) {
    link_table t;
    t.link(a, x);
    const auto id = t.unlink(a, x);
    t.on_link(a, x);  // crossed with our UNLINK_ID: the entry exists, so ignored
    EXPECT_FALSE(t.linked(a, x));
    t.on_unlink_id_ack(a, x, *id);
    EXPECT_EQ(t.size(), 0u);
}

TEST(LinkTable, IncomingUnlinkKeepsOurPendingEntry) {
    link_table t;
    t.link(a, x);
    const auto id = t.unlink(a, x);
    t.on_unlink_id(a, x);  // both unlinked at once
    EXPECT_EQ(t.size(), 1u);
    t.on_unlink_id_ack(a, x, *id);
    EXPECT_EQ(t.size(), 0u);
    t.on_link(a, x);
    t.on_unlink_id(a, x);  // an active entry goes
    EXPECT_EQ(t.size(), 0u);
}

TEST(LinkTable, ExitSignalsActOnlyOnActiveLinks) {
    link_table t;
    t.on_link(a, x);
    EXPECT_TRUE(t.on_link_exit(a, x));
    EXPECT_FALSE(t.on_link_exit(a, x));
    t.link(a, y);
    (void)t.unlink(a, y);
    EXPECT_FALSE(t.on_link_exit(a, y));  // unlinking: the exit is ignored
    EXPECT_EQ(t.size(), 0u);
}

TEST(LinkTable, ProcessAndNodeRemoval) {
    link_table t;
    t.link(a, x);
    t.link(a, z);
    t.link(b, x);
    t.link(b, y);
    (void)t.unlink(b, y);
    const auto exited = t.remove_process(a);
    EXPECT_EQ(exited.size(), 2u);
    EXPECT_EQ(t.size(), 2u);
    const auto lost = t.remove_node(atom("erl@h"));
    ASSERT_EQ(lost.size(), 1u);  // b-x active; b-y was unlinking
    EXPECT_EQ(lost[0], std::make_pair(b, x));
    EXPECT_EQ(t.size(), 0u);
}

TEST(LinkTable, UnlinkIdsAreNeverZero) {
    link_table t;
    for (int i = 0; i < 100; ++i) {
        t.link(a, x);
        EXPECT_NE(t.unlink(a, x).value(), 0u);
    }
}

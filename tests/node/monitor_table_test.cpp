// Monitors in both directions: firing, demonitoring, process exit and node loss.
#include <gtest/gtest.h>

#include "node/monitor_table.hpp"

using namespace otp;
using otp::node_detail::monitor_table;
using otp::node_detail::monitor_target;

namespace {
const pid us{atom("cpp@h"), 1, 0, 1};
const pid us2{atom("cpp@h"), 2, 0, 1};
const pid them{atom("erl@h"), 7, 0, 3};
reference ref(std::uint32_t n, const char* node = "cpp@h") {
    return {atom(node), 1, 3, {n, 0, 0}};
}
}  // namespace

TEST(MonitorTable, OutgoingFiresOnceAndDemonitorChecksOwner) {
    monitor_table t;
    t.add_outgoing(ref(1), us, {them});
    EXPECT_FALSE(t.remove_outgoing(ref(1), us2));  // not the watcher's monitor
    const auto fired = t.fire_outgoing(ref(1));
    ASSERT_TRUE(fired);
    EXPECT_EQ(fired->first, us);
    EXPECT_FALSE(t.fire_outgoing(ref(1)));
    t.add_outgoing(ref(2), us, {std::make_pair(atom("rex"), atom("erl@h"))});
    const auto removed = t.remove_outgoing(ref(2), us);
    ASSERT_TRUE(removed);
    EXPECT_EQ(removed->node(), atom("erl@h"));
    EXPECT_EQ(t.outgoing_count(), 0u);
}

TEST(MonitorTable, ProcessExitReportsBothDirections) {
    monitor_table t;
    t.add_incoming(ref(5, "erl@h"), them, us, atom("mirror"));
    t.add_incoming(ref(6, "erl@h"), them, us2, std::nullopt);
    t.add_outgoing(ref(7), us, {them});
    const auto [in, out] = t.remove_process(us);
    ASSERT_EQ(in.size(), 1u);
    EXPECT_EQ(in[0].watcher, them);
    EXPECT_EQ(in[0].by_name, atom("mirror"));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(t.incoming_count(), 1u);
    t.remove_incoming(ref(6, "erl@h"));
    EXPECT_EQ(t.incoming_count(), 0u);
}

TEST(MonitorTable, NodeLossFiresOurMonitorsAndDropsTheirs) {
    monitor_table t;
    t.add_outgoing(ref(1), us, {them});
    t.add_outgoing(ref(2), us2, {std::make_pair(atom("x"), atom("other@h"))});
    t.add_incoming(ref(3, "erl@h"), them, us, std::nullopt);
    const auto fired = t.remove_node(atom("erl@h"));
    ASSERT_EQ(fired.size(), 1u);
    EXPECT_EQ(fired[0].second.first, us);
    EXPECT_EQ(t.outgoing_count(), 1u);
    EXPECT_EQ(t.incoming_count(), 0u);
}

TEST(MonitorTable, ReferencesCompareModuloTrailingZeroWords) {
    monitor_table t;
    t.add_outgoing(ref(9), us, {them});
    reference four{atom("cpp@h"), 1, 4, {9, 0, 0, 0}};
    EXPECT_TRUE(t.fire_outgoing(four));
}

// Call guards: one monitor per remote callee, shared by the calls waiting on it,
// fired to all of them, swept once unused.
#include <gtest/gtest.h>

#include "node/call_guards.hpp"

using namespace otp;
using otp::node_detail::call_guard_table;
using otp::node_detail::monitor_target;

namespace {
const pid caller1{atom("cpp@h"), 1, 0, 1};
const pid caller2{atom("cpp@h"), 2, 0, 1};
const pid server{atom("erl@h"), 7, 0, 3};
const monitor_target by_pid{server};
const monitor_target rex{std::make_pair(atom("rex"), atom("erl@h"))};
const monitor_target rex_elsewhere{std::make_pair(atom("rex"), atom("other@h"))};
reference ref(std::uint32_t n) {
    return {atom("cpp@h"), 1, 3, {n, 0, 0}};
}
bool same(const reference& a, const reference& b) {
    return term(a) == term(b);
}
}  // namespace

TEST(CallGuards, CallsToOneTargetShareOneGuard) {
    call_guard_table t;
    const auto a = t.join(rex, caller1, ref(1));
    EXPECT_TRUE(a.created);
    const auto b = t.join(rex, caller2, ref(2));  // ref(2) unused: the guard exists
    EXPECT_FALSE(b.created);
    EXPECT_TRUE(same(b.ref, ref(1)));
    EXPECT_NE(a.token, b.token);
    // Another node's rex and a pid are other targets.
    EXPECT_TRUE(t.join(rex_elsewhere, caller1, ref(3)).created);
    EXPECT_TRUE(t.join(by_pid, caller1, ref(4)).created);
    EXPECT_EQ(t.size(), 3u);
    EXPECT_EQ(t.idle(), 0u);
    EXPECT_TRUE(t.leave(a));
    EXPECT_FALSE(t.leave(a));  // once
    EXPECT_EQ(t.idle(), 0u);   // b still waits there
    EXPECT_TRUE(t.leave(b));
    EXPECT_EQ(t.idle(), 1u);
    // The next call finds the same guard: no new monitor.
    const auto c = t.join(rex, caller1, ref(5));
    EXPECT_FALSE(c.created);
    EXPECT_TRUE(same(c.ref, ref(1)));
}

TEST(CallGuards, FiringTellsTheWaitingCallsOnlyAndEndsTheGuard) {
    call_guard_table t;
    const auto a = t.join(rex, caller1, ref(1));
    const auto b = t.join(rex, caller2, ref(2));
    const auto done = t.join(rex, caller1, ref(3));
    ASSERT_TRUE(t.leave(done));
    EXPECT_FALSE(t.fire(ref(9)));  // no guard's monitor
    const auto f = t.fire(ref(1));
    ASSERT_TRUE(f);
    EXPECT_EQ(f->target.object(), rex.object());
    EXPECT_EQ(f->callers, (std::vector<pid>{caller1, caller2}));
    // The calls that were told end with false: their 'DOWN' may be queued.
    EXPECT_FALSE(t.leave(a));
    EXPECT_FALSE(t.leave(b));
    EXPECT_EQ(t.size(), 0u);
    // A later call sets up a new guard under its own ref.
    const auto again = t.join(rex, caller1, ref(4));
    EXPECT_TRUE(again.created);
    EXPECT_TRUE(same(again.ref, ref(4)));
    EXPECT_FALSE(t.leave(a));  // an old ticket does not touch the new guard
    EXPECT_EQ(t.idle(), 0u);
}

TEST(CallGuards, ASweepDropsTheGuardsUnusedSinceThePreviousOne) {
    call_guard_table t;
    const auto busy = t.join(by_pid, caller1, ref(1));
    ASSERT_TRUE(t.leave(t.join(rex, caller1, ref(2))));
    EXPECT_TRUE(t.expire().empty());  // rex was used since the last sweep (none)
    ASSERT_TRUE(t.leave(t.join(rex_elsewhere, caller2, ref(3))));
    const auto gone = t.expire();  // rex idle for a whole period; the other just used
    ASSERT_EQ(gone.size(), 1u);
    EXPECT_TRUE(same(gone[0].first, ref(2)));
    EXPECT_EQ(gone[0].second.object(), rex.object());
    EXPECT_EQ(t.size(), 2u);
    // A guard with a call waiting is never swept, however long the call takes.
    for (int i = 0; i < 3; ++i)
        t.expire();
    EXPECT_EQ(t.size(), 1u);
    EXPECT_TRUE(t.leave(busy));
    EXPECT_EQ(t.idle(), 1u);
    EXPECT_TRUE(t.expire().empty());
    EXPECT_EQ(t.expire().size(), 1u);
    EXPECT_EQ(t.size(), 0u);
    EXPECT_EQ(t.idle(), 0u);
}

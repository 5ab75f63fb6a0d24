// net_kernel's connection decisions: simultaneous connect, alive, stale attempts.
#include <gtest/gtest.h>

#include "node/connection_registry.hpp"

using namespace otp;
using otp::node_detail::connection_registry;
using st = connection_registry::state;

namespace {
const atom a_node("a@h");  // sorts before b@h
const atom b_node("b@h");
}  // namespace

TEST(ConnectionRegistry, DialOnceAndShareTheAttempt) {
    connection_registry r;
    const auto id = r.begin_dial(b_node);
    ASSERT_TRUE(id);
    EXPECT_FALSE(r.begin_dial(b_node));  // concurrent senders share the attempt
    EXPECT_EQ(r.established(b_node, *id), connection_registry::outcome::up);
    EXPECT_FALSE(r.begin_dial(b_node));
    r.down(b_node);
    EXPECT_TRUE(r.begin_dial(b_node));
}

TEST(ConnectionRegistry, SimultaneousConnectTheGreaterNameWins) {
    // We are b@h (greater) dialling a@h while a@h dials us: we answer nok, ours survives.
    connection_registry ours;
    const auto out = ours.begin_dial(a_node);
    auto d = ours.on_accept(a_node, b_node, 100);
    EXPECT_EQ(d.status, handshake_status::nok);
    EXPECT_EQ(ours.established(a_node, *out), connection_registry::outcome::up);

    // We are a@h (smaller): the incoming attempt takes over and ours is aborted.
    connection_registry theirs;
    const auto mine = theirs.begin_dial(b_node);
    d = theirs.on_accept(b_node, a_node, 200);
    EXPECT_EQ(d.status, handshake_status::ok_simultaneous);
    EXPECT_EQ(d.superseded, mine);
    EXPECT_FALSE(theirs.owns(b_node, *mine));
    EXPECT_EQ(theirs.established(b_node, *mine), connection_registry::outcome::stale);
    EXPECT_EQ(theirs.established(b_node, 200), connection_registry::outcome::up);
}

TEST(ConnectionRegistry, AliveReplacesAnUpConnection) {
    connection_registry r;
    const auto first = r.begin_dial(b_node);
    r.established(b_node, *first);
    const auto d = r.on_accept(b_node, a_node, 7);
    EXPECT_EQ(d.status, handshake_status::alive);
    EXPECT_EQ(r.state_of(b_node), st::up_pending);
    // A second replacement while one is pending is dropped.
    EXPECT_TRUE(r.on_accept(b_node, a_node, 8).drop);
    EXPECT_EQ(r.established(b_node, 7), connection_registry::outcome::replaced);
    EXPECT_EQ(r.state_of(b_node), st::up);
}

TEST(ConnectionRegistry, FailedAttemptsRollBack) {
    connection_registry r;
    const auto id = r.begin_dial(b_node);
    r.failed(b_node, *id + 99);  // not the owner: nothing changes
    EXPECT_EQ(r.state_of(b_node), st::pending);
    r.failed(b_node, *id);
    EXPECT_EQ(r.state_of(b_node), st::none);
    const auto up = r.begin_dial(b_node);
    r.established(b_node, *up);
    r.on_accept(b_node, a_node, 5);
    r.failed(b_node, 5);  // the replacement failed: the old connection stays up
    EXPECT_EQ(r.state_of(b_node), st::up);
    EXPECT_TRUE(r.owns(b_node, 0) == false);
}

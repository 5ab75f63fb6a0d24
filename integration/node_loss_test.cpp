// Losing a node: links and monitors across a connection that drops get `noconnection`,
// node monitors get nodedown. Seen from C++ (an erl node SIGKILLed, a disconnect) and
// from Erlang (a C++ node closed with node::close(), a C++ node SIGKILLed).
//
// The SIGKILLed C++ node runs in a child process: this test program itself, started
// again with --gtest_also_run_disabled_tests on the DISABLED_ test at the end of this
// file, which runs a node until it is killed (a fork() of a program with threads would
// not do).
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "otp/node.hpp"
#include "otp/text.hpp"
#include "support/erl_peer.hpp"
#include "support/signals.hpp"

using namespace otp;
using namespace otp::itest;
using namespace std::chrono_literals;

namespace {

using NodeLoss = ErlPeer;

const atom a_exit("EXIT"), a_down("DOWN"), a_process("process"), a_got("got"),
    a_noconnection("noconnection"), a_nodeup("nodeup"), a_nodedown("nodedown");

// What an Erlang process subscribed with monitor_nodes(true, [{node_type, all}]) gets
// for a hidden node (C++ nodes are hidden by default).
term hidden_node_event(atom what, atom node) {
    return tuple(what, node, list(tuple(atom("node_type"), atom("hidden"))));
}

// ---------------------------------------------------------------------------------
// An erl node killed: what C++ sees.
// ---------------------------------------------------------------------------------

TEST_F(NodeLoss, KilledErlangNodeSeenByCpp) {
    auto n = make_node();
    auto watcher = n->create_mailbox();
    n->monitor_nodes(watcher.self());
    auto ctl = n->create_mailbox();
    ASSERT_EQ(n->connect(erl()), std::error_code());
    auto up = watcher.receive(10s);
    ASSERT_TRUE(up);
    EXPECT_EQ(up->message, tuple(a_nodeup, erl()));

    // Links made from C++: a trapping and a non-trapping mailbox.
    const pid a = puppet(ctl), b = puppet(ctl);
    auto t = n->create_mailbox();
    t.trap_exit(true);
    t.link(a);
    auto v = n->create_mailbox();
    v.link(b);
    // A link made from Erlang to a trapping mailbox.
    const pid e = puppet(ctl);
    auto t2 = n->create_mailbox();
    t2.trap_exit(true);
    EXPECT_EQ(cmd(ctl, e, tuple(atom("link"), t2.self())), term(true));
    // Monitors by pid and by name.
    const pid c = puppet(ctl), d = puppet(ctl);
    const atom dname(unique_name("doomed"));
    EXPECT_EQ(cmd(ctl, d, tuple(atom("register"), dname)), term(true));
    auto m = n->create_mailbox();
    const reference rc = m.monitor(c);
    const reference rd = m.monitor(dname, erl());
    // A round trip, so that every LINK and MONITOR_P was handled before the kill.
    EXPECT_EQ(
        cmd(ctl, a,
            tuple(atom("apply"), atom("erlang"), atom("process_info"), list(a, atom("links")))),
        tuple(atom("links"), list(t.self())));
    EXPECT_EQ(cmd(ctl, c,
                  tuple(atom("apply"), atom("erlang"), atom("process_info"),
                        list(c, atom("monitored_by")))),
              tuple(atom("monitored_by"), list(m.self())));

    erl_->signal(SIGKILL);

    EXPECT_EQ(next_tagged(t, a_exit), exit_msg(a, a_noconnection));
    EXPECT_EQ(next_tagged(t2, a_exit), exit_msg(e, a_noconnection));
    EXPECT_TRUE(wait_until([&] { return !v.is_open(); }, 10s));
    EXPECT_EQ(v.exit_reason(), term(a_noconnection));
    // DOWNs in any order.
    term d1 = next_tagged(m, a_down), d2 = next_tagged(m, a_down);
    if (d1.is_tuple() && (*d1.as_tuple())[1] == term(rd)) std::swap(d1, d2);
    EXPECT_EQ(d1, down_msg(rc, c, a_noconnection));
    EXPECT_EQ(d2, down_msg(rd, tuple(dname, erl()), a_noconnection));
    auto down = watcher.receive(10s);
    ASSERT_TRUE(down);
    EXPECT_EQ(down->message, tuple(a_nodedown, erl()));
    EXPECT_EQ(n->nodes(), std::vector<atom>{});
    EXPECT_TRUE(t.is_open());
    EXPECT_TRUE(m.is_open());

    // The node is gone for good: sends to it are counted unreachable, ping fails.
    EXPECT_TRUE(erl_->wait_exit(5s).has_value());
    const auto before = n->stats().unreachable;
    ctl.send(a, atom("anyone_there"));
    EXPECT_TRUE(wait_until([&] { return n->stats().unreachable > before; }, 10s));
    EXPECT_FALSE(n->ping(erl(), 3s));
    EXPECT_EQ(watcher.queued(), 0u);  // no nodeup from the failed attempts
}

// ---------------------------------------------------------------------------------
// A connection dropped by C++ (node::disconnect): noconnection on both sides.
// ---------------------------------------------------------------------------------

TEST_F(NodeLoss, DisconnectGivesNoconnectionBothWays) {
    auto n = make_node();
    auto ctl = n->create_mailbox();
    auto watcher = n->create_mailbox();
    // C++ side: a trapping and a non-trapping link, a monitor by pid and by name.
    const pid a = puppet(ctl), b = puppet(ctl), c = puppet(ctl);
    const atom cname(unique_name("dropped"));
    cmd(ctl, c, tuple(atom("register"), cname));
    auto t = n->create_mailbox();
    t.trap_exit(true);
    t.link(a);
    auto v = n->create_mailbox();
    v.link(b);
    auto m = n->create_mailbox();
    const reference r1 = m.monitor(c);
    const reference r2 = m.monitor(cname, erl());
    // Erlang side: a trapping process linked to a (trapping) mailbox, one monitoring it,
    // and a non-trapping one linked to it.
    auto target = n->create_mailbox();
    target.trap_exit(true);
    const pid q = puppet(ctl), qm = puppet(ctl), qd = puppet(ctl);
    cmd(ctl, q, tuple(atom("trap_exit"), true));
    cmd(ctl, q, tuple(atom("link"), target.self()));
    const term qref = cmd(ctl, qm, tuple(atom("monitor"), target.self()));
    cmd(ctl, qd, tuple(atom("link"), target.self()));
    n->monitor_nodes(watcher.self());

    ASSERT_TRUE(n->disconnect(erl()));
    EXPECT_EQ(next_tagged(t, a_exit), exit_msg(a, a_noconnection));
    EXPECT_TRUE(wait_until([&] { return !v.is_open(); }, 10s));
    EXPECT_EQ(v.exit_reason(), term(a_noconnection));
    term d1 = next_tagged(m, a_down), d2 = next_tagged(m, a_down);
    if (d1.is_tuple() && (*d1.as_tuple())[1] == term(r2)) std::swap(d1, d2);
    EXPECT_EQ(d1, down_msg(r1, c, a_noconnection));
    EXPECT_EQ(d2, down_msg(r2, tuple(cname, erl()), a_noconnection));
    // The links Erlang made break on our side too.
    term e1 = next_tagged(target, a_exit), e2 = next_tagged(target, a_exit);
    if (e1.is_tuple() && (*e1.as_tuple())[1] == term(qd)) std::swap(e1, e2);
    EXPECT_EQ(e1, exit_msg(q, a_noconnection));
    EXPECT_EQ(e2, exit_msg(qd, a_noconnection));
    auto down = watcher.receive(10s);
    ASSERT_TRUE(down);
    EXPECT_EQ(down->message, tuple(a_nodedown, erl()));
    EXPECT_TRUE(t.is_open());
    EXPECT_TRUE(target.is_open());

    // Erlang's side reports over a new connection (Erlang dials us to send them).
    EXPECT_EQ(got_from(ctl, q), exit_msg(target.self(), a_noconnection));
    EXPECT_EQ(got_from(ctl, qm), down_msg(qref, target.self(), a_noconnection));
    auto up = watcher.receive(10s);
    ASSERT_TRUE(up);
    EXPECT_EQ(up->message, tuple(a_nodeup, erl()));
    // The non-trapping processes linked across died with noconnection (they are gone
    // now); the trapping and the monitored ones live on.
    for (const pid& dead : {a, b, qd}) {
        const reference r = ctl.monitor(dead);
        EXPECT_EQ(next_tagged(ctl, a_down), down_msg(r, dead, atom("noproc")));
    }
    EXPECT_EQ(cmd(ctl, q, tuple(atom("send"), ctl.self(), atom("still_here"))), term(atom("ok")));
    EXPECT_EQ(cmd(ctl, c, tuple(atom("send"), ctl.self(), atom("still_here"))), term(atom("ok")));
    // And the links of the old connection are really gone on both sides.
    EXPECT_EQ(
        cmd(ctl, q,
            tuple(atom("apply"), atom("erlang"), atom("process_info"), list(q, atom("links")))),
        tuple(atom("links"), list()));
    target.close(atom("late"));
    EXPECT_EQ(cmd(ctl, q, tuple(atom("send"), ctl.self(), atom("sync"))), term(atom("ok")));
    EXPECT_EQ(got_from(ctl, q, 100ms), term());
    EXPECT_EQ(t.queued(), 0u);
}

// ---------------------------------------------------------------------------------
// A C++ node closed (node::close) while Erlang processes link to and monitor its
// mailboxes: what Erlang sees.
// ---------------------------------------------------------------------------------

TEST_F(NodeLoss, ClosedCppNodeSeenByErlang) {
    auto n1 = make_node("ctl");
    auto ctl = n1->create_mailbox();
    const pid a = puppet(ctl), b = puppet(ctl), c = puppet(ctl), d = puppet(ctl),
              watch = puppet(ctl), e = puppet(ctl);
    EXPECT_EQ(cmd(ctl, watch,
                  tuple(atom("apply"), atom("net_kernel"), atom("monitor_nodes"),
                        list(true, list(tuple(atom("node_type"), atom("all")))))),
              term(atom("ok")));

    auto n2 = make_node("closing");
    ASSERT_EQ(n2->connect(erl()), std::error_code());
    EXPECT_EQ(got_from(ctl, watch), hidden_node_event(a_nodeup, n2->name()));
    const atom vname(unique_name("named"));
    auto va = n2->create_mailbox(), vb = n2->create_mailbox(), vc = n2->create_mailbox();
    auto vd = n2->create_mailbox(vname).value();
    auto ve = n2->create_mailbox();
    // a traps and links from Erlang; b does not trap, linked from C++; c monitors by pid,
    // d by name; e traps and is linked from C++.
    cmd(ctl, a, tuple(atom("trap_exit"), true));
    cmd(ctl, e, tuple(atom("trap_exit"), true));
    EXPECT_EQ(cmd(ctl, a, tuple(atom("link"), va.self())), term(true));
    vb.link(b);
    ve.link(e);
    const term rc = cmd(ctl, c, tuple(atom("monitor"), vc.self()));
    const term rd = cmd(ctl, d, tuple(atom("monitor"), tuple(vname, n2->name())));
    const reference rb = ctl.monitor(b);
    // Let the LINKs from n2 arrive.
    EXPECT_TRUE(wait_until(
        [&] {
            return cmd(ctl, e,
                       tuple(atom("apply"), atom("erlang"), atom("process_info"),
                             list(e, atom("links")))) == tuple(atom("links"), list(ve.self()));
        },
        5s));

    n2->close();
    EXPECT_FALSE(n2->is_running());
    // The mailboxes of the closed node end with shutdown.
    for (auto* mb : {&va, &vb, &vc, &vd, &ve}) {
        EXPECT_FALSE(mb->is_open());
        EXPECT_EQ(mb->exit_reason(), term(atom("shutdown")));
    }
    // node::close(): "remote links and monitors get noconnection when the connections
    // drop".
    EXPECT_EQ(got_from(ctl, a), exit_msg(va.self(), a_noconnection));
    EXPECT_EQ(got_from(ctl, e), exit_msg(ve.self(), a_noconnection));
    EXPECT_EQ(got_from(ctl, c), down_msg(rc, vc.self(), a_noconnection));
    EXPECT_EQ(got_from(ctl, d), down_msg(rd, tuple(vname, n2->name()), a_noconnection));
    EXPECT_EQ(next_tagged(ctl, a_down), down_msg(rb, b, a_noconnection));
    EXPECT_EQ(got_from(ctl, watch), hidden_node_event(a_nodedown, n2->name()));
    // The erl node no longer lists it.
    EXPECT_EQ(rpc(ctl, "erlang", "nodes", list(atom("hidden"))), list(n1->name()));
}

// Signals that reach a node while it closes are not answered: Erlang learns of the
// close from the connection dropping (noconnection), never from a noproc that the
// closing node sent for a process it had just ended.
TEST_F(NodeLoss, MonitorsArrivingWhileClosingGetNoconnection) {
    auto n1 = make_node("ctl");
    auto ctl = n1->create_mailbox();
    const pid p = puppet(ctl);
    auto n2 = make_node("closing");
    ASSERT_EQ(n2->connect(erl()), std::error_code());
    auto target = n2->create_mailbox();
    // An Erlang process monitors the target over and over until the first DOWN.
    const term storm = cmd(ctl, p,
                           tuple(atom("apply"), atom("otpcpp_itest"), atom("start_monitor_storm"),
                                 list(target.self(), ctl.self())));
    ASSERT_TRUE(storm.is_pid());
    std::this_thread::sleep_for(200ms);
    n2->close();
    // Every monitor ended with noconnection; there were many, made up to the close.
    const term reasons = next_keyed(ctl, atom("storm"), storm, 20s);
    ASSERT_TRUE(reasons.is_list()) << to_string(reasons);
    ASSERT_EQ(reasons.size(), 1u) << to_string(reasons);
    const term only = reasons.head().value();
    EXPECT_EQ(only.element(0).value(), term(a_noconnection)) << to_string(reasons);
    EXPECT_GT(only.element(1).value().as_int64().value_or(0), 1000) << to_string(reasons);
}

// ---------------------------------------------------------------------------------
// A C++ node SIGKILLed: what Erlang sees.
// ---------------------------------------------------------------------------------

constexpr const char* child_env = "OTPCPP_ITEST_CHILD_NODE";

TEST_F(NodeLoss, KilledCppNodeSeenByErlang) {
    auto n = make_node("ctl");
    auto ctl = n->create_mailbox();
    const pid a = puppet(ctl), b = puppet(ctl), c = puppet(ctl), d = puppet(ctl),
              watch = puppet(ctl);
    cmd(ctl, watch,
        tuple(atom("apply"), atom("net_kernel"), atom("monitor_nodes"),
              list(true, list(tuple(atom("node_type"), atom("all"))))));

    const std::string child_name = unique_name("child");
    const atom child_node(child_name + "@" + host_);
    env_map env = epmd_->env();
    env[child_env] = child_name;
    env["OTPCPP_ITEST_CHILD_COOKIE"] = cookie_;
    // /proc/self/exe rather than the path it names: the program still runs if a rebuild
    // replaced (deleted) the file in the meantime.
    process child({"/proc/self/exe", "--gtest_also_run_disabled_tests",
                   "--gtest_filter=NodeLossChild.DISABLED_CppNodeMain"},
                  env);
    ASSERT_TRUE(child.wait_for_output("child node ready", 20s)) << child.out() << child.err();

    // a learns the child mailbox's pid from its echo.
    cmd(ctl, a, tuple(atom("send"), tuple(atom("child"), child_node), tuple(a, atom("hello"))));
    const term echo = got_from(ctl, a);
    ASSERT_TRUE(echo.is_tuple() && echo.size() == 3) << to_string(echo);
    const term child_pid = *echo.element(1);
    ASSERT_TRUE(child_pid.is_pid());
    EXPECT_EQ(echo, tuple(atom("echo"), child_pid, atom("hello")));
    EXPECT_EQ(got_from(ctl, watch), hidden_node_event(a_nodeup, child_node));

    // a traps and links, b links without trapping, c monitors by pid, d by name.
    cmd(ctl, a, tuple(atom("trap_exit"), true));
    EXPECT_EQ(cmd(ctl, a, tuple(atom("link"), child_pid)), term(true));
    EXPECT_EQ(cmd(ctl, b, tuple(atom("link"), child_pid)), term(true));
    const term rc = cmd(ctl, c, tuple(atom("monitor"), child_pid));
    const term rd = cmd(ctl, d, tuple(atom("monitor"), tuple(atom("child"), child_node)));
    const reference rb = ctl.monitor(b);
    // The child is still there (its echo answers after the LINKs and MONITORs).
    cmd(ctl, c, tuple(atom("send"), child_pid, tuple(c, atom("sync"))));
    EXPECT_EQ(got_from(ctl, c), tuple(atom("echo"), child_pid, atom("sync")));

    child.signal(SIGKILL);
    EXPECT_EQ(child.wait_exit(5s), 128 + SIGKILL);

    EXPECT_EQ(got_from(ctl, a), exit_msg(*child_pid.as_pid(), a_noconnection));
    EXPECT_EQ(next_tagged(ctl, a_down), down_msg(rb, b, a_noconnection));
    EXPECT_EQ(got_from(ctl, c), down_msg(rc, child_pid, a_noconnection));
    EXPECT_EQ(got_from(ctl, d), down_msg(rd, tuple(atom("child"), child_node), a_noconnection));
    EXPECT_EQ(got_from(ctl, watch), hidden_node_event(a_nodedown, child_node));
}

// The child node of KilledCppNodeSeenByErlang: runs only when that test starts it.
TEST(NodeLossChild, DISABLED_CppNodeMain) {
    const char* name = std::getenv(child_env);
    if (!name) GTEST_SKIP() << "run by NodeLoss.KilledCppNodeSeenByErlang";
    node_options o;
    o.name = name;
    o.cookie = std::getenv("OTPCPP_ITEST_CHILD_COOKIE");
    o.logger = test_logger();  // epmd port: $ERL_EPMD_PORT
    node n(o);
    auto m = n.create_mailbox(atom("child")).value();
    std::cout << "child node ready " << n.name().name() << std::endl;
    // An echo: {From, Msg} -> From ! {echo, self(), Msg}, until killed.
    for (;;) {
        auto r = m.receive();
        if (!r) return;
        auto t = r->message.as_tuple();
        if (t && t->size() == 2 && (*t)[0].is_pid())
            m.send(*(*t)[0].as_pid(), tuple(atom("echo"), m.self(), (*t)[1]));
    }
}

}  // namespace

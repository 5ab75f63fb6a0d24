// Links, exit signals and monitors between C++ mailboxes and real Erlang processes, in
// both directions, with every kind of exit reason: normal, custom terms, `kill` (from
// exit/2: untrappable, seen as `killed`; from a process that exits with it: an ordinary
// reason), noproc for dead targets, and the OTP 26 unlink protocol.
//
// The Erlang side is otpcpp_itest's puppets: `ctl` (a C++ mailbox) commands them and
// receives everything they get as {got, Puppet, Msg}. Mailboxes whose fate is tested
// (closed by an exit signal or not) are never the controller.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "otp/node.hpp"
#include "otp/rpc.hpp"
#include "otp/text.hpp"
#include "support/erl_peer.hpp"
#include "support/signals.hpp"

using namespace otp;
using namespace otp::itest;
using namespace std::chrono_literals;

namespace {

using LinkWithErl = ErlPeer;
using MonitorWithErl = ErlPeer;

const atom a_exit("EXIT"), a_down("DOWN"), a_process("process"), a_got("got");

// True if a report from `from` is queued in `ctl` now.
bool has_report_from(mailbox& ctl, const pid& from) {
    return static_cast<bool>(ctl.receive_if(
        [&](const envelope& e) {
            auto t = e.message.as_tuple();
            return t && t->size() == 3 && (*t)[0] == term(a_got) && (*t)[1] == term(from);
        },
        0ms));
}

// The reasons every link/exit test runs through: a custom term of every shape the
// distribution carries, and a few plain atoms.
std::vector<term> custom_reasons(const pid& somebody) {
    return {
        msg("{shutdown, custom}"),
        tuple(atom("nested"), binary("bin"), list(1, 2.5, atom("x")), somebody,
              map({{atom("k"), charlist("v")}})),
        term(atom("some_atom")),
        term(12345678901234567890ULL),
    };
}

// ---------------------------------------------------------------------------------
// Links: an Erlang process ends, a C++ mailbox is linked to it.
// ---------------------------------------------------------------------------------

TEST_F(LinkWithErl, ErlangExitReachesTrappingMailboxAsMessage) {
    auto n = make_node();
    auto ctl = n->create_mailbox();
    auto t = n->create_mailbox();
    t.trap_exit(true);
    std::vector<term> reasons = custom_reasons(ctl.self());
    reasons.push_back(atom("normal"));
    // A process that exits with `kill` itself sends an ordinary, trappable `kill`.
    reasons.push_back(atom("kill"));
    for (const term& reason : reasons) {
        SCOPED_TRACE(to_string(reason));
        const pid p = puppet(ctl);
        t.link(p);  // LINK travels before ctl's command on the same connection
        cmd(ctl, p, tuple(atom("die"), reason));
        EXPECT_EQ(next_tagged(t, a_exit), exit_msg(p, reason));
        EXPECT_TRUE(t.is_open());
    }
    EXPECT_EQ(t.queued(), 0u);
}

TEST_F(LinkWithErl, ErlangExitClosesNonTrappingMailboxAndPropagates) {
    auto n = make_node();
    auto ctl = n->create_mailbox();
    std::vector<term> reasons = custom_reasons(ctl.self());
    reasons.push_back(atom("kill"));  // from a link: closes with `kill`, not `killed`
    for (const term& reason : reasons) {
        SCOPED_TRACE(to_string(reason));
        const pid p = puppet(ctl);
        auto v = n->create_mailbox();
        v.link(p);
        // v's own links get its exit: a local trapping mailbox and a trapping Erlang
        // process (linked from the Erlang side).
        auto local = n->create_mailbox();
        local.trap_exit(true);
        local.link(v.self());
        const pid q = puppet(ctl);
        EXPECT_EQ(cmd(ctl, q, tuple(atom("trap_exit"), true)), term(atom("false")));
        EXPECT_EQ(cmd(ctl, q, tuple(atom("link"), v.self())), term(true));

        cmd(ctl, p, tuple(atom("die"), reason));
        EXPECT_TRUE(wait_until([&] { return !v.is_open(); }, 10s));
        EXPECT_EQ(v.exit_reason(), reason);
        EXPECT_EQ(next_tagged(local, a_exit), exit_msg(v.self(), reason));
        EXPECT_EQ(got_from(ctl, q), exit_msg(v.self(), reason));
    }
}

TEST_F(LinkWithErl, NormalExitIsIgnoredWhenNotTrapping) {
    auto n = make_node();
    auto ctl = n->create_mailbox();
    const pid p = puppet(ctl);
    auto v = n->create_mailbox();
    v.link(p);
    const reference ref = v.monitor(p);
    cmd(ctl, p, tuple(atom("die"), atom("normal")));
    // The dying process sends its link exit before its monitor exit to the same process,
    // so once the DOWN is here the EXIT was handled.
    EXPECT_EQ(next_tagged(v, a_down), down_msg(ref, p, atom("normal")));
    std::this_thread::sleep_for(100ms);
    EXPECT_TRUE(v.is_open());
    EXPECT_EQ(v.exit_reason(), term());
    EXPECT_EQ(v.queued(), 0u);
}

// ---------------------------------------------------------------------------------
// exit/2 from Erlang to C++ mailboxes.
// ---------------------------------------------------------------------------------

TEST_F(LinkWithErl, ExitSignalsFromErlang) {
    auto n = make_node();
    auto ctl = n->create_mailbox();
    const pid p = puppet(ctl);
    auto exit_from_p = [&](const mailbox& to, const term& reason) {
        EXPECT_EQ(cmd(ctl, p, tuple(atom("exit"), to.self(), reason)), term(true));
    };
    // Trapping: every reason but kill arrives as a message, normal included.
    auto t = n->create_mailbox();
    t.trap_exit(true);
    std::vector<term> reasons = custom_reasons(ctl.self());
    reasons.push_back(atom("normal"));
    for (const term& reason : reasons) {
        SCOPED_TRACE(to_string(reason));
        exit_from_p(t, reason);
        EXPECT_EQ(next_tagged(t, a_exit), exit_msg(p, reason));
        EXPECT_TRUE(t.is_open());
    }
    // kill from exit/2 cannot be trapped: closes with killed.
    exit_from_p(t, atom("kill"));
    EXPECT_TRUE(wait_until([&] { return !t.is_open(); }, 10s));
    EXPECT_EQ(t.exit_reason(), term(atom("killed")));

    // Not trapping: normal is ignored (a message sent after it by the same process
    // arrives and the mailbox is still open) ...
    auto v = n->create_mailbox();
    exit_from_p(v, atom("normal"));
    cmd(ctl, p, tuple(atom("send"), v.self(), atom("after_normal")));
    auto r = v.receive(10s);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->message, term(atom("after_normal")));
    EXPECT_EQ(r->sender, p);
    EXPECT_TRUE(v.is_open());
    // ... anything else closes it with that reason, kill as killed.
    for (const term& reason : {term(msg("{custom, [1,2,3]}")), term(atom("kill"))}) {
        auto w = n->create_mailbox();
        exit_from_p(w, reason);
        EXPECT_TRUE(wait_until([&] { return !w.is_open(); }, 10s));
        EXPECT_EQ(w.exit_reason(), reason == term(atom("kill")) ? term(atom("killed")) : reason);
    }
}

// ---------------------------------------------------------------------------------
// Links: a C++ mailbox ends, an Erlang process is linked to it.
// ---------------------------------------------------------------------------------

TEST_F(LinkWithErl, MailboxCloseReachesTrappingErlangProcess) {
    auto n = make_node();
    auto ctl = n->create_mailbox();
    std::vector<term> reasons = custom_reasons(ctl.self());
    reasons.push_back(atom("normal"));
    reasons.push_back(atom("kill"));
    for (bool erlang_links : {true, false}) {
        for (const term& reason : reasons) {
            SCOPED_TRACE(to_string(reason) +
                         (erlang_links ? " linked by Erlang" : " linked by C++"));
            const pid q = puppet(ctl);
            cmd(ctl, q, tuple(atom("trap_exit"), true));
            auto c = n->create_mailbox();
            if (erlang_links)
                EXPECT_EQ(cmd(ctl, q, tuple(atom("link"), c.self())), term(true));
            else
                c.link(q);
            c.close(reason);
            EXPECT_EQ(got_from(ctl, q), exit_msg(c.self(), reason));
        }
    }
}

TEST_F(LinkWithErl, MailboxCloseEndsNonTrappingErlangProcess) {
    auto n = make_node();
    auto ctl = n->create_mailbox();
    for (bool erlang_links : {true, false}) {
        // A custom reason and `kill` (an ordinary reason over a link) end the process.
        for (const term& reason : {msg("{custom, \"reason\"}"), term(atom("kill"))}) {
            SCOPED_TRACE(to_string(reason) +
                         (erlang_links ? " linked by Erlang" : " linked by C++"));
            const pid r = puppet(ctl);
            auto c = n->create_mailbox();
            if (erlang_links)
                cmd(ctl, r, tuple(atom("link"), c.self()));
            else
                c.link(r);
            const reference ref = ctl.monitor(r);
            c.close(reason);
            EXPECT_EQ(next_tagged(ctl, a_down), down_msg(ref, r, reason));
        }
        // normal does not: the process still answers, and no DOWN came.
        const pid r = puppet(ctl);
        auto c = n->create_mailbox();
        if (erlang_links)
            cmd(ctl, r, tuple(atom("link"), c.self()));
        else
            c.link(r);
        const reference ref = ctl.monitor(r);
        c.close(atom("normal"));
        EXPECT_EQ(
            cmd(ctl, r,
                tuple(atom("apply"), atom("erlang"), atom("process_info"), list(r, atom("links")))),
            tuple(atom("links"), list()));
        EXPECT_EQ(next_tagged(ctl, a_down, 100ms), term());
        ctl.demonitor(ref);
    }
}

// ---------------------------------------------------------------------------------
// exit/2 from C++ to Erlang processes.
// ---------------------------------------------------------------------------------

TEST_F(LinkWithErl, ExitSignalsToErlang) {
    auto n = make_node();
    auto ctl = n->create_mailbox();
    // Trapping: messages, normal included; kill kills (killed).
    const pid q = puppet(ctl);
    cmd(ctl, q, tuple(atom("trap_exit"), true));
    std::vector<term> reasons = custom_reasons(ctl.self());
    reasons.push_back(atom("normal"));
    for (const term& reason : reasons) {
        SCOPED_TRACE(to_string(reason));
        ctl.exit(q, reason);
        EXPECT_EQ(got_from(ctl, q), exit_msg(ctl.self(), reason));
    }
    const reference qref = ctl.monitor(q);
    ctl.exit(q, atom("kill"));
    EXPECT_EQ(next_tagged(ctl, a_down), down_msg(qref, q, atom("killed")));

    // Not trapping: normal is ignored, anything else ends it.
    const pid r = puppet(ctl);
    const reference rref = ctl.monitor(r);
    ctl.exit(r, atom("normal"));
    EXPECT_EQ(cmd(ctl, r, tuple(atom("apply"), atom("erlang"), atom("is_process_alive"), list(r))),
              term(true));
    const term custom = msg("{custom, <<\"why\">>, 1.5}");
    ctl.exit(r, custom);
    EXPECT_EQ(next_tagged(ctl, a_down), down_msg(rref, r, custom));

    // A mailbox sending exit/2 to itself: normal closes it (as exit(self(), normal)).
    auto s = n->create_mailbox();
    s.exit(s.self(), atom("normal"));
    EXPECT_FALSE(s.is_open());
    EXPECT_EQ(s.exit_reason(), term(atom("normal")));
}

// ---------------------------------------------------------------------------------
// The OTP 26 link protocol: after an unlink, exits over the old link are ignored.
// ---------------------------------------------------------------------------------

// How long a send followed by an unlink may take for the unlink to be surely ahead of
// the exit the send provokes (normally 2-6 us; the round trip takes far longer).
#ifdef __SANITIZE_THREAD__
constexpr auto unlink_window = 300us;
#else
constexpr auto unlink_window = 30us;
#endif

TEST_F(LinkWithErl, UnlinkThenExitIsIgnored) {
    auto n = make_node();
    auto ctl = n->create_mailbox();
    const term reason = msg("{custom, unlinked}");
    for (bool trapping : {true, false}) {
        SCOPED_TRACE(trapping ? "trapping" : "not trapping");
        // The die command is on its way before the unlink: p's EXIT (if it sends one)
        // crosses our UNLINK_ID and must be ignored. That holds only if unlink() runs
        // before the EXIT can be back (a round trip through the erl node); a test thread
        // descheduled between the two calls makes the attempt void, and it is repeated.
        for (int attempt = 1;; ++attempt) {
            const pid p = puppet(ctl);
            auto v = n->create_mailbox();
            v.trap_exit(trapping);
            v.link(p);
            const reference ref = v.monitor(p);
            const auto t0 = std::chrono::steady_clock::now();
            // (A reference term cmd() never uses, so this reply is never taken for another.)
            ctl.send(p, tuple(atom("cmd"), tuple(atom("unlink_die"), attempt),
                              tuple(atom("die"), reason)));
            v.unlink(p);
            const auto took = std::chrono::steady_clock::now() - t0;
            if (took > unlink_window && attempt < 20) {
                const reference r = ctl.monitor(p);  // let it end before the next attempt
                next_tagged(ctl, a_down);
                ctl.demonitor(r, true);
                continue;
            }
            EXPECT_EQ(next_tagged(v, a_down), down_msg(ref, p, reason));
            std::this_thread::sleep_for(100ms);
            EXPECT_TRUE(v.is_open()) << to_string(v.exit_reason());
            EXPECT_EQ(v.queued(), 0u);
            break;
        }
    }
    // Erlang unlinks: the mailbox's later exit does not reach the process.
    for (bool trapping : {true, false}) {
        SCOPED_TRACE(trapping ? "Erlang trapping" : "Erlang not trapping");
        const pid q = puppet(ctl);
        cmd(ctl, q, tuple(atom("trap_exit"), trapping));
        auto c = n->create_mailbox();
        EXPECT_EQ(cmd(ctl, q, tuple(atom("link"), c.self())), term(true));
        EXPECT_EQ(cmd(ctl, q, tuple(atom("unlink"), c.self())), term(true));
        c.close(reason);
        // Signals from c and ctl to q travel in order over the one connection: had an
        // exit come, q would have reported it (or died) before answering.
        EXPECT_EQ(
            cmd(ctl, q, tuple(atom("apply"), atom("erlang"), atom("is_process_alive"), list(q))),
            term(true));
        EXPECT_FALSE(has_report_from(ctl, q));
    }
    // C++ unlinks, both sides' states settle, then the mailbox closes: no exit for q.
    {
        const pid q = puppet(ctl);
        cmd(ctl, q, tuple(atom("trap_exit"), true));
        auto c = n->create_mailbox();
        c.link(q);
        c.unlink(q);
        EXPECT_EQ(
            cmd(ctl, q,
                tuple(atom("apply"), atom("erlang"), atom("process_info"), list(q, atom("links")))),
            tuple(atom("links"), list()));
        c.close(reason);
        EXPECT_EQ(cmd(ctl, q, tuple(atom("send"), ctl.self(), atom("sync"))), term(atom("ok")));
        EXPECT_FALSE(has_report_from(ctl, q));
    }
}

TEST_F(LinkWithErl, RelinkAfterUnlinkIsActive) {
    auto n = make_node();
    auto ctl = n->create_mailbox();
    const pid p = puppet(ctl);
    auto t = n->create_mailbox();
    t.trap_exit(true);
    // LINK, UNLINK_ID, LINK in a row: the late UNLINK_ID_ACK must not undo the relink.
    t.link(p);
    t.unlink(p);
    t.link(p);
    EXPECT_EQ(
        cmd(ctl, p,
            tuple(atom("apply"), atom("erlang"), atom("process_info"), list(p, atom("links")))),
        tuple(atom("links"), list(t.self())));
    std::this_thread::sleep_for(50ms);  // the ack is back by now
    const term reason = msg("{relinked, 1}");
    cmd(ctl, p, tuple(atom("die"), reason));
    EXPECT_EQ(next_tagged(t, a_exit), exit_msg(p, reason));
}

// ---------------------------------------------------------------------------------
// Linking to processes that do not exist.
// ---------------------------------------------------------------------------------

TEST_F(LinkWithErl, LinkToDeadPidGivesNoproc) {
    auto n = make_node();
    auto ctl = n->create_mailbox();
    const pid dead = puppet(ctl);
    const reference ref = ctl.monitor(dead);
    cmd(ctl, dead, tuple(atom("die"), atom("normal")));
    ASSERT_EQ(next_tagged(ctl, a_down), down_msg(ref, dead, atom("normal")));

    // A dead Erlang pid: trapping gets the message, not trapping closes.
    auto t = n->create_mailbox();
    t.trap_exit(true);
    t.link(dead);
    EXPECT_EQ(next_tagged(t, a_exit), exit_msg(dead, atom("noproc")));
    auto v = n->create_mailbox();
    v.link(dead);
    EXPECT_TRUE(wait_until([&] { return !v.is_open(); }, 10s));
    EXPECT_EQ(v.exit_reason(), term(atom("noproc")));

    // A dead local pid.
    auto d = n->create_mailbox();
    const pid dead_local = d.self();
    d.close();
    t.link(dead_local);
    EXPECT_EQ(next_tagged(t, a_exit), exit_msg(dead_local, atom("noproc")));
    auto v2 = n->create_mailbox();
    v2.link(dead_local);
    EXPECT_FALSE(v2.is_open());
    EXPECT_EQ(v2.exit_reason(), term(atom("noproc")));

    // Erlang linking to a dead C++ pid.
    const pid q = puppet(ctl);
    cmd(ctl, q, tuple(atom("trap_exit"), true));
    EXPECT_EQ(cmd(ctl, q, tuple(atom("link"), dead_local)), term(true));
    EXPECT_EQ(got_from(ctl, q), exit_msg(dead_local, atom("noproc")));
}

// ---------------------------------------------------------------------------------
// Monitors: C++ watching Erlang.
// ---------------------------------------------------------------------------------

TEST_F(MonitorWithErl, MailboxMonitorsErlangPid) {
    auto n = make_node();
    auto ctl = n->create_mailbox();
    auto m = n->create_mailbox();
    std::vector<term> reasons = custom_reasons(ctl.self());
    reasons.push_back(atom("normal"));
    reasons.push_back(atom("kill"));
    for (const term& reason : reasons) {
        SCOPED_TRACE(to_string(reason));
        const pid p = puppet(ctl);
        const reference ref = m.monitor(p);
        cmd(ctl, p, tuple(atom("die"), reason));
        EXPECT_EQ(next_tagged(m, a_down), down_msg(ref, p, reason));
    }
    // Killed by exit/2: killed.
    const pid p = puppet(ctl);
    const reference ref = m.monitor(p);
    ctl.exit(p, atom("kill"));
    EXPECT_EQ(next_tagged(m, a_down), down_msg(ref, p, atom("killed")));
    // Two monitors on one process: two DOWNs, each with its own reference.
    const pid p2 = puppet(ctl);
    const reference r1 = m.monitor(p2), r2 = m.monitor(p2);
    EXPECT_NE(r1, r2);
    cmd(ctl, p2, tuple(atom("die"), atom("twice")));
    // In either order: Erlang does not order the monitors of one process.
    term d1 = next_tagged(m, a_down), d2 = next_tagged(m, a_down);
    if (d1.is_tuple() && *d1.element(1) == term(r2)) std::swap(d1, d2);
    EXPECT_EQ(d1, down_msg(r1, p2, atom("twice")));
    EXPECT_EQ(d2, down_msg(r2, p2, atom("twice")));
    EXPECT_EQ(m.queued(), 0u);
    EXPECT_TRUE(m.is_open());
}

TEST_F(MonitorWithErl, MailboxMonitorsErlangName) {
    auto n = make_node();
    auto ctl = n->create_mailbox();
    auto m = n->create_mailbox();
    const atom name(unique_name("watched"));
    const pid p = puppet(ctl);
    EXPECT_EQ(cmd(ctl, p, tuple(atom("register"), name)), term(true));
    const reference ref = m.monitor(name, erl());
    const term reason = msg("{by_name, [x]}");
    cmd(ctl, p, tuple(atom("die"), reason));
    EXPECT_EQ(next_tagged(m, a_down), down_msg(ref, tuple(name, erl()), reason));

    // The name is gone now: noproc, naming {Name, Node}.
    const reference gone = m.monitor(name, erl());
    EXPECT_EQ(next_tagged(m, a_down), down_msg(gone, tuple(name, erl()), atom("noproc")));
}

TEST_F(MonitorWithErl, MonitorOfMissingTargetIsNoproc) {
    auto n = make_node();
    auto ctl = n->create_mailbox();
    auto m = n->create_mailbox();
    // A name nobody has, on the Erlang node and on ours.
    const reference r1 = m.monitor(atom("no_such_name"), erl());
    EXPECT_EQ(next_tagged(m, a_down),
              down_msg(r1, tuple(atom("no_such_name"), erl()), atom("noproc")));
    const reference r2 = m.monitor(atom("no_such_name"), n->name());
    EXPECT_EQ(next_tagged(m, a_down),
              down_msg(r2, tuple(atom("no_such_name"), n->name()), atom("noproc")));
    // A dead Erlang pid and a dead local pid.
    const pid dead = puppet(ctl);
    cmd(ctl, dead, tuple(atom("die"), atom("normal")));
    EXPECT_EQ(cmd(ctl, puppet(ctl),
                  tuple(atom("apply"), atom("erlang"), atom("is_process_alive"), list(dead))),
              term(false));
    const reference r3 = m.monitor(dead);
    EXPECT_EQ(next_tagged(m, a_down), down_msg(r3, dead, atom("noproc")));
    pid dead_local;
    {
        auto d = n->create_mailbox();
        dead_local = d.self();
    }
    const reference r4 = m.monitor(dead_local);
    EXPECT_EQ(next_tagged(m, a_down), down_msg(r4, dead_local, atom("noproc")));
    EXPECT_EQ(m.queued(), 0u);
}

// ---------------------------------------------------------------------------------
// Monitors: Erlang watching C++.
// ---------------------------------------------------------------------------------

TEST_F(MonitorWithErl, ErlangMonitorsMailbox) {
    auto n = make_node();
    auto ctl = n->create_mailbox();
    const pid q = puppet(ctl);
    std::vector<term> reasons = custom_reasons(ctl.self());
    reasons.push_back(atom("normal"));
    reasons.push_back(atom("kill"));
    for (const term& reason : reasons) {
        SCOPED_TRACE(to_string(reason));
        // By pid.
        auto c = n->create_mailbox();
        const term ref = cmd(ctl, q, tuple(atom("monitor"), c.self()));
        ASSERT_TRUE(ref.is_reference());
        c.close(reason);
        EXPECT_EQ(got_from(ctl, q), tuple(a_down, ref, a_process, c.self(), reason));
        // By registered name.
        const atom name(unique_name("cppname"));
        auto named = n->create_mailbox(name).value();
        const term nref = cmd(ctl, q, tuple(atom("monitor"), tuple(name, n->name())));
        ASSERT_TRUE(nref.is_reference());
        named.close(reason);
        EXPECT_EQ(got_from(ctl, q), tuple(a_down, nref, a_process, tuple(name, n->name()), reason));
    }
    // A mailbox destroyed without close() ends with normal.
    {
        auto c = n->create_mailbox();
        const term ref = cmd(ctl, q, tuple(atom("monitor"), c.self()));
        const pid cp = c.self();
        c = mailbox();
        EXPECT_EQ(got_from(ctl, q), tuple(a_down, ref, a_process, cp, atom("normal")));
    }
    // A mailbox ended by an exit signal reports that signal's reason (kill as killed).
    {
        auto c = n->create_mailbox();
        c.trap_exit(true);
        const term ref = cmd(ctl, q, tuple(atom("monitor"), c.self()));
        ctl.exit(c.self(), atom("kill"));
        EXPECT_EQ(got_from(ctl, q), tuple(a_down, ref, a_process, c.self(), atom("killed")));
        EXPECT_EQ(c.exit_reason(), term(atom("killed")));
    }
    // Missing name and dead pid: noproc at once.
    const term r1 = cmd(ctl, q, tuple(atom("monitor"), tuple(atom("nobody_here"), n->name())));
    EXPECT_EQ(got_from(ctl, q),
              tuple(a_down, r1, a_process, tuple(atom("nobody_here"), n->name()), atom("noproc")));
    pid dead;
    {
        auto d = n->create_mailbox();
        dead = d.self();
    }
    const term r2 = cmd(ctl, q, tuple(atom("monitor"), dead));
    EXPECT_EQ(got_from(ctl, q), tuple(a_down, r2, a_process, dead, atom("noproc")));
}

TEST_F(MonitorWithErl, DemonitorStopsDown) {
    auto n = make_node();
    auto ctl = n->create_mailbox();
    auto m = n->create_mailbox();
    // C++ demonitors an Erlang pid: no DOWN for that reference, another one still fires.
    const pid p = puppet(ctl);
    const reference dropped = m.monitor(p);
    const reference kept = m.monitor(p);
    EXPECT_TRUE(m.demonitor(dropped));
    EXPECT_FALSE(m.demonitor(dropped));
    cmd(ctl, p, tuple(atom("die"), atom("bye")));
    EXPECT_EQ(next_tagged(m, a_down), down_msg(kept, p, atom("bye")));
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(m.queued(), 0u);
    EXPECT_FALSE(m.demonitor(kept));  // fired already

    // By name too.
    const atom name(unique_name("demon"));
    const pid p2 = puppet(ctl);
    cmd(ctl, p2, tuple(atom("register"), name));
    const reference by_name = m.monitor(name, erl());
    const reference by_pid = m.monitor(p2);
    EXPECT_TRUE(m.demonitor(by_name));
    cmd(ctl, p2, tuple(atom("die"), atom("bye")));
    EXPECT_EQ(next_tagged(m, a_down), down_msg(by_pid, p2, atom("bye")));
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(m.queued(), 0u);

    // flush: a DOWN already queued is dropped (and the monitor was no longer active).
    const pid p3 = puppet(ctl);
    const reference late = m.monitor(p3);
    cmd(ctl, p3, tuple(atom("die"), atom("bye")));
    ASSERT_TRUE(wait_until([&] { return m.queued() == 1; }, 10s));
    EXPECT_FALSE(m.demonitor(late, true));
    EXPECT_EQ(m.queued(), 0u);
    // flush on an active monitor: true, and nothing comes later.
    const pid p4 = puppet(ctl);
    const reference active = m.monitor(p4);
    EXPECT_TRUE(m.demonitor(active, true));
    const reference sync = m.monitor(p4);
    cmd(ctl, p4, tuple(atom("die"), atom("bye")));
    EXPECT_EQ(next_tagged(m, a_down), down_msg(sync, p4, atom("bye")));
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(m.queued(), 0u);

    // Erlang demonitors a mailbox (by pid and by name): no DOWN when it closes.
    const pid q = puppet(ctl);
    const atom cname(unique_name("demon_cpp"));
    auto c = n->create_mailbox(cname).value();
    const term r1 = cmd(ctl, q, tuple(atom("monitor"), c.self()));
    const term r2 = cmd(ctl, q, tuple(atom("monitor"), tuple(cname, n->name())));
    const term r3 = cmd(ctl, q, tuple(atom("monitor"), c.self()));
    EXPECT_EQ(cmd(ctl, q, tuple(atom("demonitor"), r1)), term(true));
    EXPECT_EQ(cmd(ctl, q, tuple(atom("demonitor"), r2)), term(true));
    c.close(atom("closed"));
    EXPECT_EQ(got_from(ctl, q), tuple(a_down, r3, a_process, c.self(), atom("closed")));
    EXPECT_EQ(cmd(ctl, q, tuple(atom("send"), ctl.self(), atom("sync"))), term(atom("ok")));
    EXPECT_FALSE(has_report_from(ctl, q));
}

TEST_F(MonitorWithErl, MonitoredMailboxDemonitorsWhenItCloses) {
    // A mailbox that monitors an Erlang process and closes: its monitor goes
    // (DEMONITOR_P), so the Erlang process no longer lists it.
    auto n = make_node();
    auto ctl = n->create_mailbox();
    const pid p = puppet(ctl);
    auto m = n->create_mailbox();
    m.monitor(p);
    m.monitor(p);
    auto monitored_by = [&] {
        return cmd(ctl, p,
                   tuple(atom("apply"), atom("erlang"), atom("process_info"),
                         list(p, atom("monitored_by"))));
    };
    EXPECT_EQ(monitored_by(), tuple(atom("monitored_by"), list(m.self(), m.self())));
    m.close();
    EXPECT_TRUE(
        wait_until([&] { return monitored_by() == tuple(atom("monitored_by"), list()); }, 10s));
}

TEST_F(MonitorWithErl, CallsShareOneMonitorThatGoesAwayWhenNothingFollows) {
    // rpc_call's calls to one node's rex share one monitor, held by a process of the
    // caller's node (not the calling mailbox), kept while calls follow and removed a
    // second or two after the last. Watched from another node, whose link carries
    // nothing for the caller's.
    auto watcher = make_node("watcher");
    auto ctl = watcher->create_mailbox();
    const pid p = puppet(ctl);
    const term rex =
        cmd(ctl, p, tuple(atom("apply"), atom("erlang"), atom("whereis"), list(atom("rex"))));
    ASSERT_TRUE(rex.as_pid());
    auto caller = make_node("caller");
    auto m = caller->create_mailbox();
    auto callers_monitors = [&] {
        const term r = cmd(ctl, p,
                           tuple(atom("apply"), atom("erlang"), atom("process_info"),
                                 list(rex, atom("monitored_by"))));
        std::vector<pid> held;
        for (const term& who : *(*r.as_tuple())[1].as_list())
            if (auto q = who.as_pid(); q && q->node == caller->name()) held.push_back(*q);
        return held;
    };
    ASSERT_TRUE(callers_monitors().empty());
    std::vector<pid> holders;
    for (int i = 0; i < 5; ++i) {
        ASSERT_EQ(rpc_call(m, erl(), atom("erlang"), atom("node"), list(), 10s).value(),
                  term(erl()));
        const auto held = callers_monitors();
        // Never one per call. (Empty only if the check came over a second late.)
        ASSERT_LE(held.size(), 1u);
        if (!held.empty()) holders.push_back(held[0]);
    }
    ASSERT_FALSE(holders.empty());
    for (const pid& h : holders)
        EXPECT_EQ(h, holders[0]);  // one holder throughout
    EXPECT_NE(holders[0], m.self());
    // A peer that learns the holder's pid this way cannot end it: the calls keep their
    // monitor.
    cmd(ctl, p, tuple(atom("apply"), atom("erlang"), atom("exit"), list(holders[0], atom("kill"))));
    // The puppet's next signal to the caller's node comes after the kill.
    cmd(ctl, p, tuple(atom("send"), m.self(), atom("after_kill")));
    ASSERT_EQ(m.receive(10s)->message, term(atom("after_kill")));
    ASSERT_EQ(rpc_call(m, erl(), atom("erlang"), atom("node"), list(), 10s).value(), term(erl()));
    EXPECT_EQ(callers_monitors(), std::vector<pid>{holders[0]});
    EXPECT_TRUE(wait_until([&] { return callers_monitors().empty(); }, 10s));
    EXPECT_EQ(m.queued(), 0u);
}

}  // namespace

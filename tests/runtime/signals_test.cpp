// Links, monitors and exit signals between processes of one node, with Erlang's rules:
// trapping or not, normal and kill, noproc, the OTP 26 unlink protocol.
#include <gtest/gtest.h>

#include "otp/call.hpp"
#include "otp/mailbox.hpp"
#include "otp/text.hpp"
#include "runtime/local_node.hpp"

using namespace otp;
using namespace std::chrono_literals;

namespace {

term exit_msg(const pid& from, term reason) {
    return tuple(atom("EXIT"), from, reason);
}

TEST(Signals, LinkedCloseKillsANonTrappingProcess) {
    auto n = test::local_node();
    auto a = n->create_mailbox();
    auto b = n->create_mailbox();
    auto c = n->create_mailbox();
    a.link(b.self());
    b.link(c.self());
    a.close(atom("crash"));
    EXPECT_FALSE(b.is_open());
    EXPECT_EQ(b.exit_reason(), term(atom("crash")));
    EXPECT_FALSE(c.is_open());  // and on down the chain
    EXPECT_EQ(c.exit_reason(), term(atom("crash")));
}

TEST(Signals, TrappingTurnsExitsIntoMessages) {
    auto n = test::local_node();
    auto a = n->create_mailbox();
    auto b = n->create_mailbox();
    b.trap_exit(true);
    b.link(a.self());
    const pid ap = a.self();
    a.close(parse("{shutdown, because}").value());
    auto r = b.receive(1s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->message, exit_msg(ap, parse("{shutdown, because}").value()));
    EXPECT_TRUE(b.is_open());
}

TEST(Signals, NormalExitOfALinkIsIgnoredUnlessTrapping) {
    auto n = test::local_node();
    auto a = n->create_mailbox();
    auto b = n->create_mailbox();
    a.link(b.self());
    a.close();
    EXPECT_TRUE(b.is_open());
    EXPECT_EQ(b.try_receive().error(), node_errc::timeout);
}

TEST(Signals, ExitTwoKillIsUntrappable) {
    auto n = test::local_node();
    auto a = n->create_mailbox();
    auto b = n->create_mailbox();
    auto watcher = n->create_mailbox();
    watcher.trap_exit(true);
    b.trap_exit(true);
    b.link(watcher.self());
    a.exit(b.self(), atom("kill"));
    EXPECT_FALSE(b.is_open());
    EXPECT_EQ(b.exit_reason(), term(atom("killed")));
    // Its links see `killed`.
    auto r = watcher.receive(1s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->message, exit_msg(b.self(), atom("killed")));
}

TEST(Signals, ExitTwoNormalAndCustom) {
    auto n = test::local_node();
    auto a = n->create_mailbox();
    auto b = n->create_mailbox();
    a.exit(b.self(), atom("normal"));
    EXPECT_TRUE(b.is_open());
    b.trap_exit(true);
    a.exit(b.self(), atom("normal"));
    EXPECT_EQ(b.receive(1s)->message, exit_msg(a.self(), atom("normal")));
    b.trap_exit(false);
    a.exit(b.self(), atom("custom"));
    EXPECT_FALSE(b.is_open());
    EXPECT_EQ(b.exit_reason(), term(atom("custom")));
}

TEST(Signals, UnlinkedProcessesDoNotHearEachOther) {
    auto n = test::local_node();
    auto a = n->create_mailbox();
    auto b = n->create_mailbox();
    a.link(b.self());
    b.unlink(a.self());
    a.close(atom("crash"));
    EXPECT_TRUE(b.is_open());
}

TEST(Signals, LinkToADeadProcessGivesNoproc) {
    auto n = test::local_node();
    auto a = n->create_mailbox();
    pid gone;
    {
        auto b = n->create_mailbox();
        gone = b.self();
    }
    a.trap_exit(true);
    a.link(gone);
    EXPECT_EQ(a.receive(1s)->message, exit_msg(gone, atom("noproc")));
}

TEST(Signals, MonitorsByPidAndName) {
    auto n = test::local_node();
    auto w = n->create_mailbox();
    auto t = n->create_mailbox(atom("target")).value();
    const pid tp = t.self();
    const reference r1 = w.monitor(tp);
    const reference r2 = w.monitor(atom("target"), n->name());
    const reference r3 = w.monitor(atom("absent"), n->name());
    EXPECT_EQ(w.receive(1s)->message, tuple(atom("DOWN"), r3, atom("process"),
                                            tuple(atom("absent"), n->name()), atom("noproc")));
    t.close(atom("bye"));
    auto d1 = w.receive(1s);
    auto d2 = w.receive(1s);
    ASSERT_TRUE(d1 && d2);
    // Both fire; order between them is not specified.
    const term want1 = tuple(atom("DOWN"), r1, atom("process"), tp, atom("bye"));
    const term want2 =
        tuple(atom("DOWN"), r2, atom("process"), tuple(atom("target"), n->name()), atom("bye"));
    EXPECT_TRUE((d1->message == want1 && d2->message == want2) ||
                (d1->message == want2 && d2->message == want1));
}

TEST(Signals, DemonitorStopsTheDownAndFlushRemovesIt) {
    auto n = test::local_node();
    auto w = n->create_mailbox();
    auto t1 = n->create_mailbox();
    auto t2 = n->create_mailbox();
    const reference r1 = w.monitor(t1.self());
    EXPECT_TRUE(w.demonitor(r1));
    EXPECT_FALSE(w.demonitor(r1));
    t1.close(atom("x"));
    EXPECT_EQ(w.try_receive().error(), node_errc::timeout);

    const reference r2 = w.monitor(t2.self());
    t2.close(atom("y"));
    EXPECT_EQ(w.queued(), 1u);
    w.demonitor(r2, true);
    EXPECT_EQ(w.queued(), 0u);
}

TEST(Signals, GenServerCallsInsideTheNode) {
    auto n = test::local_node();
    auto server = n->create_mailbox(atom("srv")).value();
    auto client = n->create_mailbox();
    std::thread t([&] {
        auto r = server.receive(5s);
        auto call = r ? as_gen_call(r->message) : std::nullopt;
        if (call) gen_reply(server, call->from, tuple(atom("ok"), call->request));
    });
    auto reply = gen_call(client, atom("srv"), atom("hello"), 5s);
    t.join();
    ASSERT_TRUE(reply);
    EXPECT_EQ(*reply, tuple(atom("ok"), atom("hello")));
    // A call to a process that dies before answering fails with its reason.
    call_error err;
    std::thread killer([&] {
        auto r = server.receive(5s);
        server.close(atom("died"));
    });
    auto failed = gen_call(client, atom("srv"), atom("hello"), 5s, &err);
    killer.join();
    EXPECT_EQ(failed.error(), node_errc::exited);
    EXPECT_EQ(err.reason, term(atom("died")));
    EXPECT_EQ(gen_call(client, atom("srv"), atom("again"), 1s).error(), node_errc::noproc);
    EXPECT_EQ(client.queued(), 0u);  // neither call left its 'DOWN' behind
}

}  // namespace

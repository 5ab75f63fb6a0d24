// otp::node against a real erl node: ping, messages to pids, names and aliases in both
// directions, gen_server calls both ways, rpc into Erlang.
#include <gtest/gtest.h>

#include <sys/socket.h>

#include <filesystem>
#include <future>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "otp/call.hpp"
#include "otp/epmd.hpp"
#include "otp/node.hpp"
#include "otp/rpc.hpp"
#include "otp/text.hpp"
#include "support/erl_peer.hpp"

using namespace otp;
using namespace otp::itest;
using namespace std::chrono_literals;

namespace {

using NodeWithErl = ErlPeer;

term msg(std::string_view text) {
    return parse(text).value();
}

TEST_F(NodeWithErl, PingBothWays) {
    auto n = make_node();
    EXPECT_TRUE(n->ping(erl()));
    EXPECT_EQ(n->nodes(), std::vector<atom>{erl()});
    auto m = n->create_mailbox();
    EXPECT_EQ(rpc(m, "net_adm", "ping", list(n->name())), term(atom("pong")));
}

TEST_F(NodeWithErl, PingOfAMissingNodeIsPang) {
    auto n = make_node();
    EXPECT_FALSE(n->ping(atom("nobody_here@" + host_), 5s));
    EXPECT_EQ(n->connect(atom("nobody_here@" + host_), 5s), node_errc::unreachable);
}

TEST_F(NodeWithErl, WrongCookieIsRefusedBothWays) {
    auto o = node_opts();
    o.cookie = "not-the-cookie";
    node n(o);
    EXPECT_FALSE(n.ping(erl(), 5s));
    EXPECT_GE(n.stats().connections_refused, 1u);
    // Erlang dialling us with its own cookie fails too.
    auto good = make_node();
    auto m = good->create_mailbox();
    EXPECT_EQ(rpc(m, "net_adm", "ping", list(n.name())), term(atom("pang")));
}

TEST_F(NodeWithErl, PerPeerCookie) {
    auto o = node_opts();
    o.cookie = "not-the-cookie";
    o.peer_cookies[std::string(erl().name())] = cookie_;
    node n(o);
    EXPECT_TRUE(n.ping(erl()));
}

TEST_F(NodeWithErl, MessagesToNamesAndPidsBothWays) {
    auto n = make_node();
    auto m = n->create_mailbox(atom("inbox")).value();
    const term echo = rpc(m, "otpcpp_itest", "start_echo", list(atom("echo1")));
    ASSERT_TRUE(echo.is_pid());

    // To {Name, Node}: the reply comes to our pid, with the sender's pid.
    m.send(atom("echo1"), erl(), tuple(m.self(), msg("{hello, [1,2,3], <<\"bin\">>}")));
    auto r = m.receive(10s);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->message, tuple(atom("echo"), echo, msg("{hello, [1,2,3], <<\"bin\">>}")));
    EXPECT_EQ(r->sender, echo.as_pid().value());

    // To the pid.
    m.send(*echo.as_pid(), tuple(m.self(), 42));
    r = m.receive(10s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->message, tuple(atom("echo"), echo, 42));

    // Erlang to our registered name.
    const pid p = puppet(m);
    EXPECT_EQ(cmd(m, p, tuple(atom("send"), tuple(atom("inbox"), n->name()), atom("by_name"))),
              term(atom("ok")));
    r = m.receive_if([](const envelope& e) { return e.message == term(atom("by_name")); }, 10s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->sender, p);
}

TEST_F(NodeWithErl, LargeBinariesArriveWhole) {
    // Binaries of 64 KiB or more go out from the term's own storage when the link is
    // idle (one gathered write), and are copied into the queue in a burst: both ways
    // erl must get the same bytes, to a name and to a pid.
    auto n = make_node();
    auto m = n->create_mailbox();
    const term echo = rpc(m, "otpcpp_itest", "start_echo", list(atom("echo_big")));
    ASSERT_TRUE(echo.is_pid());
    std::vector<std::uint8_t> bytes(3u << 20);
    for (std::size_t i = 0; i < bytes.size(); ++i)
        bytes[i] = static_cast<std::uint8_t>(i * 31 + (i >> 16));
    const term whole = binary(bytes);
    const term part = *sub_binary(whole, 12'345, 1u << 20);
    const term bits = bitstring(std::span(bytes).first(100'000), 3);
    std::vector<term> many;  // more than one packet's worth of left-out binaries
    for (int i = 0; i < 20; ++i)
        many.push_back(binary(std::vector<std::uint8_t>(65'536 + i, static_cast<std::uint8_t>(i))));
    const std::vector<term> messages = {whole, tuple(atom("two"), part, binary("small"), bits),
                                        make_list(many), tuple(1, whole, part)};
    const auto echoed = [&](const term& x) {
        auto r = m.receive(30s);
        ASSERT_TRUE(r) << r.error().message();
        EXPECT_TRUE(r->message == tuple(atom("echo"), echo, x)) << "not the same bytes";
    };
    for (const term& x : messages) {
        m.send(atom("echo_big"), erl(), tuple(m.self(), x));
        echoed(x);
        m.send(*echo.as_pid(), tuple(m.self(), x));
        echoed(x);
    }
    for (const term& x : messages)
        m.send(*echo.as_pid(), tuple(m.self(), x));
    for (const term& x : messages)
        echoed(x);
}

TEST_F(NodeWithErl, AtomsReachErlThroughTheAtomCache) {
    // Atoms go to erl as references to the link's atom cache: defined by the packets
    // sent before their definition is known to be queued, referred to after. Several
    // threads send at once, so both happen in every order; more than 255 atoms in one
    // message, two wanting the same slot and a 400-byte name go inline. erl echoes
    // each message, which must come back as it was sent.
    auto n = make_node();
    auto m = n->create_mailbox();
    const term echo = rpc(m, "otpcpp_itest", "start_echo", list(atom("echo_atoms")));
    ASSERT_TRUE(echo.is_pid());
    std::vector<atom> pool;
    for (int i = 0; i < 300; ++i)
        pool.emplace_back("cached_" + std::to_string(i));
    for (int i = 0; pool.size() == 300; ++i)  // one that wants cached_0's slot
        if (atom a("rival_" + std::to_string(i));
            a.entry()->index % 2048 == pool[0].entry()->index % 2048)
            pool.push_back(a);
    std::string long_name;
    for (int i = 0; i < 200; ++i)
        long_name += "\xc3\xa9";
    pool.emplace_back(long_name);
    const auto message = [&](int t, int i) {
        std::vector<term> atoms;
        if (i == 0) atoms.assign(pool.begin(), pool.end());
        for (int k = 0; k < 1 + (i + t) % 6; ++k)
            atoms.push_back(pool[(i * 7 + k * 13 + t * 3) % 40]);
        atoms.push_back(pool[300 + (i % 2)]);
        return tuple(t, i, make_list(atoms), echo, m.self());
    };
    constexpr int threads = 4, per_thread = 300;
    std::vector<std::thread> senders;
    for (int t = 0; t < threads; ++t)
        senders.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                if (i % 2 == 0)
                    m.send(*echo.as_pid(), tuple(m.self(), message(t, i)));
                else
                    m.send(atom("echo_atoms"), erl(), tuple(m.self(), message(t, i)));
            }
        });
    for (auto& s : senders)
        s.join();
    std::vector<int> next(threads, 0);
    for (int got = 0; got < threads * per_thread; ++got) {
        auto r = m.receive(30s);
        ASSERT_TRUE(r) << r.error().message() << " after " << got;
        const term x = r->message.element(2).value_or(term());
        const int t = static_cast<int>(x.element(0).value_or(term(-1)).as_int64().value_or(-1));
        ASSERT_TRUE(t >= 0 && t < threads) << to_string(r->message);
        ASSERT_EQ(r->message, tuple(atom("echo"), echo, message(t, next[t])));
        ++next[t];
    }
}

TEST_F(NodeWithErl, ReceiveBufferOptionSetsTheLinksBufferAndAStreamArrivesWhole) {
    // node_options::dist_recv_buffer: the link's socket gets it (Linux reports twice
    // the size asked for; no other socket of the process has that size), and a stream from erl that
    // keeps filling it arrives whole and in order.
    constexpr int asked = 24 * 1024;
    auto o = node_opts("rcvbuf");
    o.dist_recv_buffer = asked;
    node n(o);
    auto m = n.create_mailbox();
    const auto sockets_with_buffer = [](int size) {
        int found = 0;
        for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
            const int fd = std::stoi(e.path().filename().string());
            int type = 0, buf = 0;
            socklen_t len = sizeof type;
            if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM)
                continue;
            len = sizeof buf;
            if (::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, &len) == 0 && buf == size) ++found;
        }
        return found;
    };
    ASSERT_EQ(sockets_with_buffer(2 * asked), 0);
    ASSERT_TRUE(n.ping(erl()));
    // The link's socket (the node may hold it under two descriptors).
    EXPECT_GE(sockets_with_buffer(2 * asked), 1);
    constexpr int count = 50'000;
    EXPECT_EQ(rpc(m, "otpcpp_itest", "stream", list(m.self(), count)), term(atom("ok")));
    for (int i = 1; i <= count; ++i) {
        auto r = m.receive(30s);
        ASSERT_TRUE(r) << r.error().message() << " at " << i;
        ASSERT_EQ(r->message, tuple(atom("seq"), i));
    }
}

TEST_F(NodeWithErl, AliasesReceiveUntilDeactivated) {
    auto n = make_node();
    auto m = n->create_mailbox();
    const pid p = puppet(m);
    const reference a = m.make_alias();
    cmd(m, p, tuple(atom("send"), a, atom("via_alias")));
    auto r =
        m.receive_if([](const envelope& e) { return e.message == term(atom("via_alias")); }, 10s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->sender, p);

    const auto before = n->stats().undeliverable;
    EXPECT_TRUE(m.unalias(a));
    cmd(m, p, tuple(atom("send"), a, atom("late")));
    EXPECT_TRUE(wait_until([&] { return n->stats().undeliverable > before; }, 10s));
    EXPECT_FALSE(m.try_receive());
}

TEST_F(NodeWithErl, SelectiveReceiveKeepsOrder) {
    auto n = make_node();
    auto m = n->create_mailbox();
    const pid p = puppet(m);
    for (int i = 0; i < 5; ++i)
        cmd(m, p, tuple(atom("send"), m.self(), i));
    auto three = m.receive_if([](const envelope& e) { return e.message == term(3); }, 10s);
    ASSERT_TRUE(three);
    for (int i : {0, 1, 2, 4}) {
        auto r = m.receive(10s);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->message, term(i));
    }
    auto pat = pattern::compile("{got, _, X}").value();
    cmd(m, p, tuple(atom("send"), p, atom("hi")));  // the puppet reports it to us
    auto mr = m.receive_match(pat, 10s);
    ASSERT_TRUE(mr);
    EXPECT_EQ(mr->bindings.get("X").value(), term(atom("hi")));
}

TEST_F(NodeWithErl, GenServerCallsBothWays) {
    auto n = make_node();
    auto m = n->create_mailbox();
    // C++ calling Erlang: rpc through rex, and errors in Erlang's words.
    EXPECT_EQ(rpc(m, "erlang", "node", list()), term(erl()));
    call_error err;
    auto bad = rpc_call(m, erl(), atom("no_such_module"), atom("f"), list(), 10s, &err);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error(), node_errc::badrpc);
    EXPECT_TRUE(match(err.reason, "{'EXIT', {undef, _}}")) << to_string(err.reason);
    auto none = gen_call(m, tuple(atom("no_such_server"), erl()), atom("x"), 10s, &err);
    EXPECT_EQ(none.error(), node_errc::noproc);
    auto slow = gen_call(m, tuple(atom("init"), erl()), atom("not_a_call_it_answers"), 300ms, &err);
    EXPECT_EQ(slow.error(), node_errc::timeout);

    // Erlang calling a C++ mailbox acting as a gen_server (OTP 24+ alias tags).
    auto server = n->create_mailbox(atom("cpp_server")).value();
    std::thread serve([&] {
        auto req = server.receive(15s);
        if (!req) return;
        auto call = as_gen_call(req->message);
        if (call) gen_reply(server, call->from, tuple(atom("served"), call->request));
    });
    const pid p = puppet(m);
    const term reply =
        cmd(m, p, tuple(atom("call"), tuple(atom("cpp_server"), n->name()), atom("ask"), 10000));
    serve.join();
    EXPECT_EQ(reply, tuple(atom("served"), atom("ask")));
}

TEST_F(NodeWithErl, RpcCallConnectsFirst) {
    auto n = make_node();
    EXPECT_TRUE(n->nodes().empty());
    auto m = n->create_mailbox();
    auto r = rpc_call(m, erl(), atom("erlang"), atom("node"), list(), 10s);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(*r, term(erl()));
    EXPECT_EQ(n->nodes(), std::vector<atom>{erl()});
}

TEST_F(NodeWithErl, CallsToDeadServersFailPromptly) {
    // A missing name on a node not yet connected: the connection comes up, then the
    // peer answers the monitor with noproc, long before the call's timeout.
    auto n = make_node();
    auto m = n->create_mailbox();
    call_error err;
    auto t0 = std::chrono::steady_clock::now();
    auto none = gen_call(m, tuple(atom("nobody_by_that_name"), erl()), atom("x"), 20s, &err);
    EXPECT_EQ(none.error(), node_errc::noproc);
    EXPECT_EQ(err.reason, term(atom("noproc")));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);

    // A server that dies holding calls from two mailboxes (sharing one monitor): each
    // call ends with its exit reason.
    const pid p = puppet(m);
    EXPECT_EQ(cmd(m, p, tuple(atom("register"), atom("doomed"))), term(atom("true")));
    auto caller = n->create_mailbox();
    auto other_caller = n->create_mailbox();
    auto call_doomed = [&](mailbox& who) {
        return std::async(std::launch::async, [&] {
            call_error e;
            auto r = gen_call(who, tuple(atom("doomed"), erl()), atom("hold_this"), 20s, &e);
            return std::make_pair(r, e);
        });
    };
    auto pending = call_doomed(caller);
    auto other_pending = call_doomed(other_caller);
    // The server has both calls.
    EXPECT_TRUE(match(got(m), "{'$gen_call', _, hold_this}"));
    EXPECT_TRUE(match(got(m), "{'$gen_call', _, hold_this}"));
    t0 = std::chrono::steady_clock::now();
    cmd(m, p, tuple(atom("die"), atom("boom")));
    for (auto* f : {&pending, &other_pending}) {
        auto [died, e] = f->get();
        EXPECT_EQ(died.error(), node_errc::exited);
        EXPECT_EQ(e.reason, term(atom("boom")));
    }
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
    EXPECT_EQ(caller.queued(), 0u);  // no stray 'DOWN'
    EXPECT_EQ(other_caller.queued(), 0u);

    // And the name is gone now: noproc at once.
    t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(gen_call(caller, tuple(atom("doomed"), erl()), atom("x"), 20s).error(),
              node_errc::noproc);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
    EXPECT_EQ(caller.queued(), 0u);
}

TEST_F(NodeWithErl, CloseUnregistersAndPeersSeeNodedown) {
    auto watcher_node = make_node("watch");
    auto w = watcher_node->create_mailbox();
    watcher_node->monitor_nodes(w.self());
    auto n = make_node();
    const atom gone = n->name();
    ASSERT_TRUE(n->ping(erl()));
    EXPECT_TRUE(watcher_node->ping(erl()));
    EXPECT_EQ(w.receive(5s)->message, tuple(atom("nodeup"), erl()));
    // Erlang sees both C++ nodes among its hidden connections.
    auto hidden = [&] { return rpc(w, "erlang", "nodes", list(atom("hidden"))); };
    EXPECT_TRUE(match(hidden(), "[_, _]")) << to_string(hidden());
    n->close();
    EXPECT_FALSE(n->is_running());
    boost::asio::io_context io;
    epmd::client_options eo;
    eo.port = epmd_->port();
    epmd::client c(io, eo);
    std::error_code ec;
    c.port_please(std::string(gone.name()).substr(0, gone.name().find('@')), ec);
    EXPECT_EQ(ec, epmd_errc::not_found);
    EXPECT_TRUE(wait_until([&] { return hidden() == list(watcher_node->name()); }, 10s))
        << to_string(hidden());
    // Our own node monitor reports the erl node going away.
    watcher_node->disconnect(erl());
    auto down = w.receive(5s);
    ASSERT_TRUE(down);
    EXPECT_EQ(down->message, tuple(atom("nodedown"), erl()));
}

// disconnect() shuts the link down on the calling thread: erl sees the connection go
// even while the node's only I/O thread is busy elsewhere.
TEST_F(NodeWithErl, ADisconnectReachesThePeerWhileTheIoThreadIsBusy) {
    auto watcher_node = make_node("dwatch");
    auto w = watcher_node->create_mailbox();
    auto n = make_node("dgone");
    ASSERT_TRUE(n->ping(erl()));
    ASSERT_TRUE(watcher_node->ping(erl()));
    auto hidden = [&] { return rpc(w, "erlang", "nodes", list(atom("hidden"))); };
    ASSERT_TRUE(match(hidden(), "[_, _]")) << to_string(hidden());
    auto release = hold_io_thread(*n);
    EXPECT_TRUE(n->disconnect(erl()));
    EXPECT_TRUE(wait_until([&] { return hidden() == list(watcher_node->name()); }, 5s))
        << to_string(hidden());
    release.set_value();
}

// disconnect() takes the link down before it returns (nodedown sent, nodes() without
// it) when nobody is reading it: the I/O thread that closes the socket is not waited
// for (held here, it would hold the nodedown).
TEST_F(NodeWithErl, ADisconnectIsDoneWhenItReturns) {
    auto n = make_node("quitter");
    auto w = n->create_mailbox();
    n->monitor_nodes(w.self(), true);
    ASSERT_FALSE(n->connect(erl(), 5s));
    auto up = w.receive(5s);
    ASSERT_TRUE(up);
    EXPECT_EQ(up->message, tuple(atom("nodeup"), erl()));
    auto release = hold_io_thread(*n);
    EXPECT_TRUE(n->disconnect(erl()));
    EXPECT_TRUE(n->nodes().empty());
    auto down = w.receive(0ms);
    ASSERT_TRUE(down) << "no nodedown yet";
    EXPECT_EQ(down->message, tuple(atom("nodedown"), erl()));
    EXPECT_FALSE(n->disconnect(erl()));
    release.set_value();
    EXPECT_TRUE(n->ping(erl()));  // a new connection
}

// connect() dials on the calling thread and starts the connection there: it needs no
// I/O thread (with the dial on the I/O thread it would time out here).
TEST_F(NodeWithErl, ConnectDialsOnTheCallingThread) {
    auto n = make_node("dialer");
    auto release = hold_io_thread(*n);
    EXPECT_FALSE(n->connect(erl(), 5s));
    EXPECT_EQ(n->nodes(), std::vector<atom>{erl()});
    release.set_value();
    EXPECT_TRUE(n->ping(erl()));
}

// A peer registered with epmd whose port accepts connections (the kernel's backlog
// completes them) and never answers: a dial waits in its handshake.
class SilentPeer {
  public:
    SilentPeer(std::uint16_t epmd_port, const std::string& host)
        : listener_(io_, {boost::asio::ip::tcp::v4(), 0}) {
        epmd::client_options eo;
        eo.port = epmd_port;
        epmd::node_entry e;
        e.name = "silent";
        e.port = listener_.local_endpoint().port();
        registration_ = epmd::client(io_, eo).register_node(e);
        name_ = atom("silent@" + host);
    }
    atom name() const { return name_; }

  private:
    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor listener_;
    epmd::registration registration_;
    atom name_;
};

TEST_F(NodeWithErl, CloseEndsAConnectWaitingForAnAnswer) {
    SilentPeer silent(epmd_->port(), host_);
    auto n = make_node("waiter");
    auto connecting =
        std::async(std::launch::async, [&] { return n->connect(silent.name(), 20s); });
    // Long enough to be in the handshake (a loopback epmd lookup and connect take well
    // under a millisecond), far shorter than the 7 s step limit.
    std::this_thread::sleep_for(300ms);
    n->close();
    ASSERT_EQ(connecting.wait_for(3s), std::future_status::ready);
    EXPECT_EQ(connecting.get(), node_errc::node_closed);
    // close() sooner, landing anywhere in connect(): before the attempt is claimed, in
    // the epmd lookup, in the handshake. No connect() outlives it by its timeout.
    for (int i = 0; i < 10; ++i) {
        auto m = make_node("waiter");
        auto racing =
            std::async(std::launch::async, [&] { return m->connect(silent.name(), 20s); });
        std::this_thread::sleep_for(std::chrono::microseconds(200 * i));
        m->close();
        ASSERT_EQ(racing.wait_for(3s), std::future_status::ready) << "round " << i;
        EXPECT_TRUE(racing.get()) << "round " << i;  // an error: node_closed, or nok
    }
}

TEST_F(NodeWithErl, ConnectTimeoutEndsItsDial) {
    SilentPeer silent(epmd_->port(), host_);
    auto n = make_node("waiter");
    for (int i = 0; i < 2; ++i) {  // the second is a new attempt, not the first one's wait
        const auto t0 = std::chrono::steady_clock::now();
        EXPECT_EQ(n->connect(silent.name(), 400ms), node_errc::timeout);
        const auto took = std::chrono::steady_clock::now() - t0;
        EXPECT_GE(took, 400ms);
        EXPECT_LT(took, 2s);
    }
    EXPECT_TRUE(n->nodes().empty());
    EXPECT_TRUE(n->ping(erl()));  // the node is fine
}

TEST_F(NodeWithErl, CloseFlushesWhatWasSentBeforeIt) {
    // A watcher mailbox on another node controls the puppet, so it sees what arrives
    // after the sending node is gone.
    auto watcher_node = make_node("watch");
    auto w = watcher_node->create_mailbox();
    const pid p = puppet(w);
    auto n = make_node();
    auto m = n->create_mailbox();
    ASSERT_TRUE(n->ping(erl()));  // what is flushed is the connection's queue
    const term big = binary(std::vector<std::uint8_t>(256 * 1024, 7));
    constexpr int count = 64;  // 16 MiB: still queued when close() starts
    for (int i = 0; i < count; ++i)
        m.send(p, tuple(i, big));
    n->close();
    for (int i = 0; i < count; ++i) {
        const term g = got(w);
        ASSERT_TRUE(g == tuple(i, big)) << "message " << i << " lost or out of order";
    }
}

TEST_F(NodeWithErl, RunsOnTheApplicationsExecutor) {
    boost::asio::io_context io;
    auto work = boost::asio::make_work_guard(io);
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i)
        threads.emplace_back([&] { io.run(); });
    {
        auto o = node_opts();
        o.executor = io.get_executor();
        node n(o);
        ASSERT_TRUE(n.is_running());
        EXPECT_TRUE(n.ping(erl()));
        auto m = n.create_mailbox(atom("on_app_io")).value();
        // Erlang reaches us, and an asynchronous receive completes on the application's
        // threads.
        std::promise<std::thread::id> where;
        m.async_receive(10s, nullptr, [&](std::error_code ec, envelope e) {
            EXPECT_FALSE(ec);
            EXPECT_EQ(e.message, term(atom("hello_app")));
            where.set_value(std::this_thread::get_id());
        });
        auto m2 = n.create_mailbox();
        const pid p = puppet(m2);
        cmd(m2, p, tuple(atom("send"), tuple(atom("on_app_io"), n.name()), atom("hello_app")));
        auto f = where.get_future();
        ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
        const auto id = f.get();
        EXPECT_TRUE(id == threads[0].get_id() || id == threads[1].get_id());
        EXPECT_EQ(rpc(m2, "erlang", "node", list()), term(erl()));
        n.close();
        EXPECT_FALSE(n.is_running());
    }
    // The node leaves nothing behind on the executor (no timer, no socket operation):
    // without the work guard the context runs dry.
    work.reset();
    std::promise<void> dry;
    std::thread joiner([&] {
        for (auto& t : threads)
            t.join();
        dry.set_value();
    });
    const bool ran_dry = dry.get_future().wait_for(10s) == std::future_status::ready;
    if (!ran_dry) io.stop();
    joiner.join();
    EXPECT_TRUE(ran_dry) << "work left on the application's executor after close()";
}

// Erlang calling C++ functions: erpc/rpc (SPAWN_REQUEST) and the rex forms, with each
// outcome a BEAM node would give.
class ErlCallsCpp : public ErlPeer {
  protected:
    void SetUp() override {
        ErlPeer::SetUp();
        if (IsSkipped()) return;
        n_ = make_node();
        n_->register_function(atom("cpp"), atom("echo"), 1,
                              [](std::span<const term> a) { return a[0]; });
        n_->register_function(atom("cpp"), atom("add"), 2, [](std::span<const term> a) {
            return term(a[0].as_big_int().value() + a[1].as_big_int().value());
        });
        n_->register_function(atom("cpp"), atom("raise"), 2, [](std::span<const term> a) -> term {
            const auto c = a[0] == term(atom("throw"))  ? exception_class::throw_
                           : a[0] == term(atom("exit")) ? exception_class::exit
                                                        : exception_class::error;
            throw erlang_exception(c, a[1]);
        });
        n_->register_function(atom("cpp"), atom("sleep"), 1, [](std::span<const term> a) {
            std::this_thread::sleep_for(std::chrono::milliseconds(a[0].as_int64().value()));
            return term(atom("slept"));
        });
        m_ = n_->create_mailbox();
        p_ = puppet(m_);
    }
    // Runs M:F(Args) on the erl node through the puppet (so the caller is an Erlang process).
    term erl_apply(const char* m, const char* f, term args) {
        return cmd(m_, p_, tuple(atom("apply"), atom(m), atom(f), args));
    }
    term rpc_to_cpp(const char* f, term args) {
        return erl_apply("rpc", "call", list(n_->name(), atom("cpp"), atom(f), args));
    }
    std::unique_ptr<node> n_;
    mailbox m_;
    pid p_;
};

TEST_F(ErlCallsCpp, RpcCallReturnsTheValue) {
    const term big = parse("123456789012345678901234567890").value();
    EXPECT_EQ(rpc_to_cpp("echo", list(msg("{a, [1.5, <<\"x\">>], #{k => v}}"))),
              msg("{a, [1.5, <<\"x\">>], #{k => v}}"));
    EXPECT_EQ(rpc_to_cpp("add", list(big, 1)), parse("123456789012345678901234567891").value());
    EXPECT_EQ(erl_apply("erpc", "call", list(n_->name(), atom("cpp"), atom("add"), list(2, 3))),
              term(5));
}

TEST_F(ErlCallsCpp, ErrorsLookLikeABeamNode) {
    EXPECT_TRUE(
        match(rpc_to_cpp("nope", list()), "{badrpc, {'EXIT', {undef, [{cpp, nope, [], []}]}}}"))
        << to_string(rpc_to_cpp("nope", list()));
    EXPECT_EQ(rpc_to_cpp("raise", list(atom("throw"), atom("t"))), term(atom("t")));
    EXPECT_EQ(rpc_to_cpp("raise", list(atom("exit"), atom("x"))), msg("{badrpc, {'EXIT', x}}"));
    EXPECT_TRUE(
        match(rpc_to_cpp("raise", list(atom("error"), atom("e"))), "{badrpc, {'EXIT', {e, _}}}"));
    // erpc raises the same class in the caller: exit as {exception, R}, as erpc documents.
    const term ex =
        erl_apply("erpc", "call",
                  list(n_->name(), atom("cpp"), atom("raise"), list(atom("exit"), atom("x"))));
    EXPECT_EQ(ex, msg("{'EXIT', {exception, x}}")) << to_string(ex);
}

TEST_F(ErlCallsCpp, RexFormsWork) {
    // gen_server:call({rex, Node}, {call, M, F, A, user}) and the C-node form.
    EXPECT_EQ(
        cmd(m_, p_,
            tuple(atom("call"), tuple(atom("rex"), n_->name()),
                  tuple(atom("call"), atom("cpp"), atom("add"), list(1, 2), atom("user")), 5000)),
        term(3));
    cmd(m_, p_,
        tuple(atom("send"), tuple(atom("rex"), n_->name()),
              tuple(p_, tuple(atom("call"), atom("cpp"), atom("echo"), list(7), atom("user")))));
    EXPECT_EQ(got(m_), tuple(atom("rex"), 7));
}

TEST_F(ErlCallsCpp, LongFunctionsDoNotBlockTheNode) {
    std::thread slow([&] {
        auto m = n_->create_mailbox();
        const pid p = puppet(m);
        EXPECT_EQ(cmd(m, p,
                      tuple(atom("apply"), atom("rpc"), atom("call"),
                            list(n_->name(), atom("cpp"), atom("sleep"), list(1500)))),
                  term(atom("slept")));
    });
    std::this_thread::sleep_for(300ms);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(rpc_to_cpp("echo", list(1)), term(1));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1000ms);
    slow.join();
}

}  // namespace

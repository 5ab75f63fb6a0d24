// The node-running subcommands of the otpcpp CLI as black boxes against a real erl node:
// `ping`, `call -a`, `call -e` and `send` by their output, stderr and exit codes, and
// `otpcpp mirror` by what real Erlang processes get from it (the Erlang half of those
// tests is integration/erl/cli_mirror.erl, which the tests load into the erl node).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "otp/epmd.hpp"
#include "otp/text.hpp"
#include "support/cli.hpp"
#include "support/erl_peer.hpp"

using namespace otp;
using namespace otp::itest;
using namespace std::chrono_literals;

namespace {

const std::string& cli = cli_path();

term t(std::string_view text) {
    return parse(text).value();
}

std::size_t lines(const std::string& s) {
    return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

/// What a finished CLI run left.
struct outcome {
    std::optional<int> status;
    std::string out;
    std::string err;
};

/// A TCP connection to 127.0.0.1:port as a plain file descriptor, for writing bytes no
/// well-behaved client would.
class raw_connection {
  public:
    explicit raw_connection(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    }
    raw_connection(const raw_connection&) = delete;
    raw_connection& operator=(const raw_connection&) = delete;
    ~raw_connection() { ::close(fd_); }

    bool connected() const { return connected_; }
    /// Writes everything it can; a peer that closed early just ends the writing.
    void write(const std::string& bytes) {
        std::size_t done = 0;
        while (done < bytes.size()) {
            const auto n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
            if (n <= 0) return;
            done += static_cast<std::size_t>(n);
        }
    }
    /// True when the other end closes the connection within `timeout` (whatever it
    /// writes before is read and dropped).
    bool closed_within(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        char buf[4096];
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return false;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
            if (::recv(fd_, buf, sizeof buf, 0) <= 0) return true;
        }
    }

  private:
    int fd_;
    bool connected_ = false;
};

/// An epmd in front of the real one: passes every request through, and can write
/// garbage on the registration connection of the node that registered through it while
/// keeping that node's registration with the real epmd (so peers still find it).
class epmd_in_front {
  public:
    using tcp = boost::asio::ip::tcp;

    explicit epmd_in_front(std::uint16_t real_port)
        : real_port_(real_port),
          acceptor_(ctx_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)),
          thread_([this] { serve(); }) {}
    ~epmd_in_front() {
        stop_ = true;
        raw_connection wake(port());  // ends the blocking accept
        thread_.join();
    }
    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

    /// True once a node registered through us.
    bool registered() {
        std::lock_guard lock(mu_);
        return node_side_ != nullptr;
    }
    /// Writes `bytes` to the registered node on its registration connection.
    void inject(const std::string& bytes) {
        std::lock_guard lock(mu_);
        boost::system::error_code ec;
        boost::asio::write(*node_side_, boost::asio::buffer(bytes), ec);
    }

  private:
    void serve() {
        for (;;) {
            tcp::socket s(ctx_);
            boost::system::error_code ec;
            acceptor_.accept(s, ec);
            if (ec || stop_) return;
            pass_through(std::move(s));
        }
    }

    // One request: forwarded to the real epmd, its answer back. A registration keeps
    // both connections open.
    void pass_through(tcp::socket s) {
        boost::system::error_code ec;
        std::uint8_t len[2];
        boost::asio::read(s, boost::asio::buffer(len), ec);
        if (ec) return;
        std::vector<std::uint8_t> request(2 + (std::size_t{len[0]} << 8 | len[1]));
        std::copy(len, len + 2, request.begin());
        boost::asio::read(s, boost::asio::buffer(request.data() + 2, request.size() - 2), ec);
        if (ec || request.size() < 3) return;
        auto up = std::make_unique<tcp::socket>(ctx_);
        up->connect({boost::asio::ip::make_address("127.0.0.1"), real_port_}, ec);
        boost::asio::write(*up, boost::asio::buffer(request), ec);
        if (ec) return;
        if (request[2] == 120) {  // ALIVE2_REQ: the 6-byte ALIVE2_X_RESP, then silence
            std::uint8_t resp[6];
            boost::asio::read(*up, boost::asio::buffer(resp), ec);
            boost::asio::write(s, boost::asio::buffer(resp), ec);
            std::lock_guard lock(mu_);
            node_side_ = std::make_unique<tcp::socket>(std::move(s));
            epmd_side_ = std::move(up);
            return;
        }
        std::vector<std::uint8_t> answer;
        boost::asio::read(*up, boost::asio::dynamic_buffer(answer), ec);  // until epmd closes
        boost::asio::write(s, boost::asio::buffer(answer), ec);
    }

    std::uint16_t real_port_;
    boost::asio::io_context ctx_;
    tcp::acceptor acceptor_;
    std::atomic<bool> stop_{false};
    std::mutex mu_;
    std::unique_ptr<tcp::socket> node_side_, epmd_side_;
    std::thread thread_;
};

class CliNode : public ErlPeer {
  protected:
    void SetUp() override {
        if (cli.empty()) GTEST_SKIP() << "built without OTPCPP_BUILD_TOOLS";
        ErlPeer::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        ctl_ = make_node("ctl");
        box_ = ctl_->create_mailbox();
    }
    void TearDown() override {
        mirror_.reset();
        box_ = mailbox();
        ctl_.reset();
        ErlPeer::TearDown();
    }

    /// `otpcpp ARGS... --cookie C --epmd-port P` (this test's epmd and cookie).
    std::vector<std::string> cli_args(std::vector<std::string> args,
                                      const std::string& cookie = "") const {
        args.insert(args.begin(), cli);
        for (std::string extra : {std::string("--cookie"), cookie.empty() ? cookie_ : cookie,
                                  std::string("--epmd-port"), std::to_string(epmd_->port())})
            args.push_back(std::move(extra));
        return args;
    }

    /// Runs the CLI to its end (at most `timeout`); `input` becomes its stdin.
    outcome run(std::vector<std::string> args, const std::string& cookie = "",
                const std::optional<std::string>& input = std::nullopt,
                std::chrono::milliseconds timeout = 20s) {
        std::vector<std::string> argv = cli_args(std::move(args), cookie);
        std::string path;
        if (input) {
            path = (std::filesystem::temp_directory_path() / unique_name("stdin")).string();
            std::ofstream(path) << *input;
            // The helper gives children /dev/null for stdin; a shell redirects it.
            argv.insert(argv.begin(),
                        {"sh", "-c", "f=$1; shift; exec \"$@\" < \"$f\"", "sh", path});
        }
        process p(argv);
        outcome o;
        o.status = p.wait_exit(timeout);
        o.out = p.out();
        o.err = p.err();
        if (!path.empty()) std::filesystem::remove(path);
        return o;
    }

    /// The erl node's name as Erlang prints it.
    std::string erl_text() const { return quoted_atom(erl()); }

    /// Starts `otpcpp mirror` and waits until it serves (it prints its name then).
    void start_mirror(const std::string& epmd_port = "") {
        mirror_sname_ = unique_name("mirror");
        auto args = cli_args({"mirror", "--sname", mirror_sname_});
        if (!epmd_port.empty()) args.back() = epmd_port;
        mirror_ = std::make_unique<process>(args);
        ASSERT_TRUE(mirror_->wait_for_output("\n", 10s)) << mirror_->err();
        ASSERT_EQ(mirror_->out(), std::string(mirror().name()) + "\n");
    }
    atom mirror() const { return atom(mirror_sname_ + "@" + host_); }

    /// Loads integration/erl/cli_mirror.erl into the erl node (compiled there).
    void load_helper() {
        const auto src = std::filesystem::path(__FILE__).parent_path() / "erl" / "cli_mirror.erl";
        const term c = rpc(box_, "compile", "file",
                           list(charlist(src.string()), list(atom("binary"), atom("report"))));
        auto ct = c.as_tuple();
        ASSERT_TRUE(ct && ct->size() == 3 && (*ct)[0] == term(atom("ok"))) << to_string(c);
        EXPECT_EQ(
            rpc(box_, "code", "load_binary", list((*ct)[1], charlist(src.string()), (*ct)[2])),
            tuple(atom("module"), atom("cli_mirror")));
    }
    /// cli_mirror:Fun(Args...) on the erl node.
    term erl_side(const char* fun, term args) { return rpc(box_, "cli_mirror", fun, args); }

    std::unique_ptr<node> ctl_;
    mailbox box_;
    std::unique_ptr<process> mirror_;
    std::string mirror_sname_;
};

// --- ping --------------------------------------------------------------------------

TEST_F(CliNode, PingPrintsPongOrPang) {
    auto ok = run({"ping", "--node", erl_sname_});
    EXPECT_EQ(ok.status, 0) << ok.err;
    EXPECT_EQ(ok.out, "pong\n");
    EXPECT_EQ(ok.err, "");

    auto full = run({"ping", "--node", std::string(erl().name()), "--hidden"});
    EXPECT_EQ(full.status, 0) << full.err;
    EXPECT_EQ(full.out, "pong\n");

    auto missing = run({"ping", "--node", "nobody_here"});
    EXPECT_EQ(missing.status, 1);
    EXPECT_EQ(missing.out, "pang\n");
    EXPECT_EQ(lines(missing.err), 1u) << missing.err;
}

TEST_F(CliNode, PingWithARefusedCookieIsPang) {
    auto o = run({"ping", "--node", erl_sname_}, "not-the-cookie");
    EXPECT_EQ(o.status, 1);
    EXPECT_EQ(o.out, "pang\n");
    EXPECT_EQ(lines(o.err), 1u) << o.err;
}

// --- call -a -----------------------------------------------------------------------

TEST_F(CliNode, CallApplyPrintsTheResult) {
    auto seq = run({"call", "--node", erl_sname_, "-a", "lists seq [1,5]"});
    EXPECT_EQ(seq.status, 0) << seq.err;
    EXPECT_EQ(seq.out, "[1,2,3,4,5]\n");
    EXPECT_EQ(seq.err, "");

    // No argument list: [].
    auto name = run({"call", "--node", erl_sname_, "-a", "erlang node"});
    EXPECT_EQ(name.status, 0) << name.err;
    EXPECT_EQ(name.out, erl_text() + "\n");

    // Quoted atoms, and what a call throws is its value, as with rpc:call.
    auto quoted = run({"call", "--node", erl_sname_, "-a", "'erlang' 'abs' [-5]"});
    EXPECT_EQ(quoted.out, "5\n") << quoted.err;
    auto thrown = run({"call", "--node", erl_sname_, "-a", "erlang throw [ball]"});
    EXPECT_EQ(thrown.status, 0) << thrown.err;
    EXPECT_EQ(thrown.out, "ball\n");

    // Unicode prints like ~tp: as text, not escapes.
    auto uni = run(
        {"call", "--node", erl_sname_, "-a",
         R"(lists reverse [[<<"ш"/utf8>>, "héllo", 'ünï', -0.0, 1.5e300, 18446744073709551616]])"});
    EXPECT_EQ(uni.status, 0) << uni.err;
    EXPECT_EQ(uni.out, "[18446744073709551616,1.5e300,-0.0,ünï,\"héllo\",<<\"ш\"/utf8>>]\n");
}

TEST_F(CliNode, CallPrintsLikeErlangAndReadsBack) {
    // A result longer than a line breaks where io_lib:format("~tp") breaks it.
    const term want = rpc(box_, "io_lib", "format",
                          list(charlist("~tp~n"), list(rpc(box_, "lists", "seq", list(1, 60)))));
    const term want_text = rpc(box_, "unicode", "characters_to_binary", list(want));
    auto seq = run({"call", "--node", erl_sname_, "-a", "lists seq [1,60]"});
    EXPECT_EQ(seq.status, 0) << seq.err;
    EXPECT_EQ(seq.out, std::string(want_text.as_binary()->as_string_view()));
    EXPECT_GT(lines(seq.out), 1u);

    // What it prints, erl_scan and erl_parse read back as the same term.
    const std::string text =
        R"({#{k => [1|2], 2.0 => {}}, "ünïcødé", 'a b', <<1:3>>, [], {-1, 1.0e-10}})";
    auto o = run({"call", "--node", erl_sname_, "-a", "erlang hd [[" + text + "]]"});
    ASSERT_EQ(o.status, 0) << o.err;
    const term scanned = rpc(box_, "erl_scan", "string", list(charlist(o.out + ".")));
    ASSERT_EQ(scanned.as_tuple()->size(), 3u) << to_string(scanned);
    EXPECT_EQ(rpc(box_, "erl_parse", "parse_term", list((*scanned.as_tuple())[1])),
              tuple(atom("ok"), t(text)));
}

TEST_F(CliNode, CallApplyFailuresAreOneLine) {
    auto badrpc = run({"call", "--node", erl_sname_, "-a", "erlang error [boom]"});
    EXPECT_EQ(badrpc.status, 1);
    EXPECT_EQ(badrpc.out, "");
    EXPECT_EQ(lines(badrpc.err), 1u) << badrpc.err;
    EXPECT_NE(badrpc.err.find("{badrpc,{'EXIT',{boom,"), std::string::npos) << badrpc.err;

    auto undef = run({"call", "--node", erl_sname_, "-a", "nosuchmod nosuchfun [1]"});
    EXPECT_EQ(undef.status, 1);
    EXPECT_NE(undef.err.find("{badrpc,{'EXIT',{undef,"), std::string::npos) << undef.err;

    for (const char* bad :
         {"lists seq [1,", "lists", "Lists seq []", "lists seq notalist", "lists seq [1|2]"}) {
        auto o = run({"call", "--node", erl_sname_, "-a", bad});
        EXPECT_EQ(o.status, 2) << bad;
        EXPECT_EQ(o.out, "") << bad;
        EXPECT_EQ(lines(o.err), 1u) << bad << ": " << o.err;
    }
    auto neither = run({"call", "--node", erl_sname_});
    EXPECT_EQ(neither.status, 2);
    EXPECT_EQ(lines(neither.err), 1u) << neither.err;

    auto unreachable = run({"call", "--node", "nobody_here", "-a", "erlang node"});
    EXPECT_EQ(unreachable.status, 1);
    EXPECT_EQ(lines(unreachable.err), 1u) << unreachable.err;

    const auto start = std::chrono::steady_clock::now();
    auto slow = run({"call", "--node", erl_sname_, "-a", "timer sleep [5000]", "--timeout", "300"});
    EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
    EXPECT_EQ(slow.status, 1);
    EXPECT_EQ(lines(slow.err), 1u) << slow.err;
    EXPECT_NE(slow.err.find("300 ms"), std::string::npos) << slow.err;
}

// --- call -e -----------------------------------------------------------------------

TEST_F(CliNode, CallEvalCarriesBindingsAndPrintsTheLast) {
    auto o = run({"call", "--node", erl_sname_, "-e"}, "",
                 "X = 6. Y = X * 7.\n{X, Y, \"héllo\", <<\"ш\"/utf8>>, node()}.\n");
    EXPECT_EQ(o.status, 0) << o.err;
    EXPECT_EQ(o.out, "{6,42,\"héllo\",<<\"ш\"/utf8>>," + erl_text() + "}\n");
    EXPECT_EQ(o.err, "");

    auto commas = run({"call", "--node", erl_sname_, "-e"}, "", "A = 1, B = A + 1, [A, B].");
    EXPECT_EQ(commas.out, "[1,2]\n") << commas.err;

    // One process runs them all, as one shell would.
    auto same = run({"call", "--node", erl_sname_, "-e"}, "",
                    "self() ! hi. receive M -> {got, M} after 1000 -> none end.\n");
    EXPECT_EQ(same.out, "{got,hi}\n") << same.err;

    // Funs and % comments, over several lines.
    auto fun = run({"call", "--node", erl_sname_, "-e"}, "",
                   "% a comment\nF = fun(N) -> N * 2 end.\nlists:map(F,\n  [1, 2, 3]).\n");
    EXPECT_EQ(fun.out, "[2,4,6]\n") << fun.err;
}

TEST_F(CliNode, CallEvalFailuresAreOneLine) {
    for (const char* bad : {"1 / 0.", "X = 1. X = 2.", "X = 1 Y.", "X = 1", "", "\"open",
                            "throw(ball).", "nosuchmod:f()."}) {
        auto o = run({"call", "--node", erl_sname_, "-e"}, "", std::string(bad));
        EXPECT_EQ(o.status, 1) << bad;
        EXPECT_EQ(o.out, "") << bad;
        EXPECT_EQ(lines(o.err), 1u) << bad << ": " << o.err;
    }
    auto arith = run({"call", "--node", erl_sname_, "-e"}, "", "1 / 0.");
    EXPECT_NE(arith.err.find("badarith"), std::string::npos) << arith.err;
    auto syntax = run({"call", "--node", erl_sname_, "-e"}, "", "X = 1 Y.");
    EXPECT_NE(syntax.err.find("syntax error before: Y"), std::string::npos) << syntax.err;
}

// --- send --------------------------------------------------------------------------

TEST_F(CliNode, SendDeliversTheTermToARegisteredProcess) {
    const pid p = puppet(box_);
    const std::string name = unique_name("inbox");
    ASSERT_EQ(cmd(box_, p, tuple(atom("register"), atom(name))), term(atom("true")));
    const std::string text =
        R"({hello, [1, 2 | 3], <<"ш"/utf8>>, -0.0, #{k => 'ünï'}, 1180591620717411303424})";
    auto o = run({"send", "--node", erl_sname_, "--to", name, text});
    EXPECT_EQ(o.status, 0) << o.err;
    EXPECT_EQ(o.out, "");
    EXPECT_EQ(o.err, "");
    EXPECT_EQ(got(box_), t(text));
}

TEST_F(CliNode, SendFailuresAreOneLine) {
    auto nobody = run({"send", "--node", erl_sname_, "--to", "nobody_has_this_name", "hi"});
    EXPECT_EQ(nobody.status, 1);
    EXPECT_EQ(lines(nobody.err), 1u) << nobody.err;
    EXPECT_NE(nobody.err.find("nobody_has_this_name"), std::string::npos) << nobody.err;

    auto bad = run({"send", "--node", erl_sname_, "--to", "x", "{unclosed"});
    EXPECT_EQ(bad.status, 2);
    EXPECT_EQ(lines(bad.err), 1u) << bad.err;

    auto unreachable = run({"send", "--node", "nobody_here", "--to", "x", "hi"});
    EXPECT_EQ(unreachable.status, 1);
    EXPECT_EQ(lines(unreachable.err), 1u) << unreachable.err;
}

// --- mirror ------------------------------------------------------------------------

TEST_F(CliNode, MirrorEchoesEveryTermExactly) {
    start_mirror();
    load_helper();
    // Each term built by Erlang, compared by Erlang: =:= and the same term_to_binary.
    EXPECT_EQ(erl_side("echo_all", list(mirror())), term()) << "terms that came back different";
    EXPECT_EQ(erl_side("req", list(mirror(), t("{echo, -0.0}"))), term(-0.0));
}

TEST_F(CliNode, MirrorSelfNodesAndUnknownRequests) {
    start_mirror();
    load_helper();
    EXPECT_EQ(erl_side("identity", list(mirror())), term(atom("ok")));
}

TEST_F(CliNode, MirrorChildrenReportMessagesAndSend) {
    start_mirror();
    load_helper();
    EXPECT_EQ(erl_side("child_messages", list(mirror())), term(atom("ok")));
}

TEST_F(CliNode, MirrorChildrenLink) {
    start_mirror();
    load_helper();
    EXPECT_EQ(erl_side("child_links", list(mirror())), term(atom("ok")));
}

TEST_F(CliNode, MirrorChildrenMonitor) {
    start_mirror();
    load_helper();
    EXPECT_EQ(erl_side("child_monitors", list(mirror())), term(atom("ok")));
}

TEST_F(CliNode, MirrorChildrenSendAndTrapExitSignals) {
    start_mirror();
    load_helper();
    EXPECT_EQ(erl_side("child_exits", list(mirror())), term(atom("ok")));
}

TEST_F(CliNode, MirrorRpcRequests) {
    start_mirror();
    load_helper();
    EXPECT_EQ(erl_side("rpc_from", list(mirror(), erl())), term(atom("ok")));
}

TEST_F(CliNode, MirrorCallRequests) {
    start_mirror();
    load_helper();
    EXPECT_EQ(erl_side("calls", list(mirror())), term(atom("ok")));
}

TEST_F(CliNode, MirrorAnswersRpcIntoItsFunctions) {
    start_mirror();
    load_helper();
    EXPECT_EQ(erl_side("rpc_into", list(mirror())), term(atom("ok")));
    EXPECT_EQ(erl_side("rpc_echo_all", list(mirror())), term()) << "rpc:call echo differs";
    EXPECT_EQ(erl_side("erpc_echo_all", list(mirror())), term()) << "erpc:call echo differs";
}

TEST_F(CliNode, MirrorAnswersTheCli) {
    start_mirror();
    auto ping = run({"ping", "--node", mirror_sname_});
    EXPECT_EQ(ping.status, 0) << ping.err;
    EXPECT_EQ(ping.out, "pong\n");
    auto add = run({"call", "--node", mirror_sname_, "-a",
                    "mirror add [340282366920938463463374607431768211456, -1]"});
    EXPECT_EQ(add.status, 0) << add.err;
    EXPECT_EQ(add.out, "340282366920938463463374607431768211455\n");
}

TEST_F(CliNode, MirrorStopRepliesOkAndExitsZero) {
    start_mirror();
    load_helper();
    EXPECT_EQ(erl_side("req", list(mirror(), atom("stop"))), term(atom("ok")));
    EXPECT_EQ(mirror_->wait_exit(10s), 0) << mirror_->err();
    // Unregistered from epmd: the node is gone.
    auto ping = run({"ping", "--node", mirror_sname_});
    EXPECT_EQ(ping.out, "pang\n");
}

TEST_F(CliNode, MirrorExitsZeroOnSigtermAndSigint) {
    for (int sig : {SIGTERM, SIGINT}) {
        start_mirror();
        EXPECT_EQ(run({"ping", "--node", mirror_sname_}).out, "pong\n");
        mirror_->signal(sig);
        EXPECT_EQ(mirror_->wait_exit(10s), 0) << "signal " << sig << ": " << mirror_->err();
    }
}

TEST_F(CliNode, MirrorRefusesAWrongCookieAndServesOthers) {
    start_mirror();
    load_helper();
    // erl dialling the mirror with the wrong cookie is refused...
    EXPECT_EQ(rpc(box_, "erlang", "set_cookie", list(mirror(), atom("not-the-cookie"))),
              term(atom("true")));
    EXPECT_EQ(rpc(box_, "net_adm", "ping", list(mirror())), term(atom("pang")));
    // ...and so is the CLI, while others are served meanwhile.
    auto wrong = run({"ping", "--node", mirror_sname_}, "not-the-cookie");
    EXPECT_EQ(wrong.out, "pang\n");
    EXPECT_EQ(wrong.status, 1);
    auto right = run({"ping", "--node", mirror_sname_});
    EXPECT_EQ(right.out, "pong\n") << right.err;
    // With the right cookie, erl gets in and is served.
    rpc(box_, "erlang", "set_cookie", list(mirror(), atom(cookie_)));
    EXPECT_EQ(rpc(box_, "net_adm", "ping", list(mirror())), term(atom("pong")));
    EXPECT_EQ(erl_side("req", list(mirror(), t("{echo, still_here}"))), term(atom("still_here")));
    EXPECT_TRUE(mirror_->running());
}

TEST_F(CliNode, MirrorSurvivesGarbageOnItsDistributionPort) {
    start_mirror();
    load_helper();
    boost::asio::io_context io;
    epmd::client_options eo;
    eo.port = epmd_->port();
    epmd::client epmd_client(io, eo);
    const std::uint16_t port = epmd_client.port_please(mirror_sname_).port;

    // Says nothing: closed when the handshake time (7 s) is up.
    const auto idle_since = std::chrono::steady_clock::now();
    raw_connection idle(port);
    ASSERT_TRUE(idle.connected());

    // A connection from erl that must live through all of this.
    EXPECT_EQ(erl_side("req", list(mirror(), t("{echo, before_garbage}"))),
              term(atom("before_garbage")));
    const term watcher = erl_side("monitor_node", list(mirror()));

    raw_connection garbage(port);
    garbage.write("GET / HTTP/1.0\r\n\r\n\x00\x01\x02 this is no handshake");
    EXPECT_TRUE(garbage.closed_within(5s)) << "garbage left open";

    // 2-byte length 65535 where a send_name is at most some 270 bytes.
    raw_connection oversized(port);
    oversized.write(std::string("\xff\xff", 2) + "N" + std::string(65534, 'x'));
    EXPECT_TRUE(oversized.closed_within(3s)) << "oversized handshake message accepted";

    EXPECT_EQ(erl_side("req", list(mirror(), t("{echo, after_garbage}"))),
              term(atom("after_garbage")));
    EXPECT_EQ(erl_side("expect_no_nodedown", list(watcher)), term(atom("no_nodedown")));
    EXPECT_EQ(run({"ping", "--node", mirror_sname_}).out, "pong\n");

    EXPECT_TRUE(idle.closed_within(10s)) << "silent handshake never closed";
    const auto idle_for = std::chrono::steady_clock::now() - idle_since;
    EXPECT_GE(idle_for, 6s);
    EXPECT_LE(idle_for, 9500ms);
    EXPECT_TRUE(mirror_->running());
}

TEST_F(CliNode, MirrorSurvivesGarbageOnItsEpmdConnection) {
    epmd_in_front front(epmd_->port());
    start_mirror(std::to_string(front.port()));
    ASSERT_TRUE(front.registered());
    load_helper();
    EXPECT_EQ(erl_side("req", list(mirror(), t("{echo, before_garbage}"))),
              term(atom("before_garbage")));
    const term watcher = erl_side("monitor_node", list(mirror()));

    front.inject(std::string("\x00\x07garbage\xff", 10));

    EXPECT_EQ(erl_side("req", list(mirror(), t("{echo, after_garbage}"))),
              term(atom("after_garbage")));
    EXPECT_EQ(erl_side("expect_no_nodedown", list(watcher)), term(atom("no_nodedown")));
    // New peers still reach it (the real epmd kept its registration).
    EXPECT_EQ(run({"ping", "--node", mirror_sname_}).out, "pong\n");
    EXPECT_TRUE(mirror_->running());
}

}  // namespace

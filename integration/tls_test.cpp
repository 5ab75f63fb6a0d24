// Distribution over TLS against real `erl -proto_dist inet_tls` nodes: one option file
// configures erl and the C++ node alike; both roles, messages, links and RPC; refusals
// of foreign CAs, expired and wrong-usage certificates and plain-TCP peers, each with
// its own error; TLS 1.2 and 1.3; renegotiation started by OTP in both roles.
#include <gtest/gtest.h>

#include <fstream>

#include "otp/call.hpp"
#include "otp/handshake.hpp"
#include "otp/node.hpp"
#include "otp/text.hpp"
#include "otp/tls_options.hpp"
#include "support/erl_peer.hpp"
#include "support/process.hpp"
#include "support/test_certs.hpp"
#include "support/tls_erl.hpp"

using namespace otp;
using namespace otp::itest;
using namespace std::chrono_literals;

namespace {

// A throwaway PKI: the cluster's CA, a node certificate for this host (both EKUs, as a
// node dials and accepts), and the erl peer started with an optfile made from them.
class TlsWithErl : public ErlPeer {
  protected:
    void SetUp() override {
        if (!find_program("erl")) GTEST_SKIP() << "erl not installed";
        dir_ = std::make_unique<temp_dir>("tls");
        ca_ = std::make_unique<test_ca>(dir_->path(), "cluster");
        node_cert_ = ca_->issue("node", for_this_host());
        erl_tls_ = mutual_tls(node_cert_, ca_->cert_pem());
        adjust(erl_tls_);
        erl_optfile_ = write_ssl_dist_optfile(erl_tls_, dir_->path() / "erl.conf");
        ErlPeer::SetUp();
    }
    void TearDown() override {
        ErlPeer::TearDown();
        dir_.reset();
    }
    std::vector<std::string> erl_extra_args() const override { return erl_tls_flags(erl_optfile_); }
    // Lets a fixture change the erl side's options before it starts.
    virtual void adjust(erl_tls_options&) {}

    static cert_spec for_this_host() {
        cert_spec s;
        s.common_name = short_hostname();
        s.dns_names = {short_hostname(), "localhost"};
        return s;
    }
    // A certificate for this host valid for one role only (extended key usage).
    issued_cert only_for(eku usage) const {
        cert_spec spec = for_this_host();
        spec.usage = usage;
        return ca_->issue(usage == eku::server_auth ? "server_only" : "client_only", spec);
    }
    // A certificate from the cluster's CA that names another host only.
    issued_cert for_another_host(const std::string& stem) const {
        cert_spec spec = for_this_host();
        spec.common_name = "elsewhere";
        spec.dns_names = {"elsewhere.example"};
        spec.ip_addresses = {};
        return ca_->issue(stem, spec);
    }
    // erl's options with `c` as the certificate of one side (&erl_tls_options::client
    // for dialling, ::server for accepting).
    erl_tls_options with_cert(erl_tls_side erl_tls_options::*side, const issued_cert& c) const {
        auto o = erl_tls_;
        (o.*side).certfile = c.cert;
        (o.*side).keyfile = c.key;
        return o;
    }
    // C++ node options with TLS settings read from an optfile like erl's.
    node_options tls_node_opts(const erl_tls_options& o, const std::string& stem = "cpp") {
        const auto file = write_ssl_dist_optfile(o, dir_->path() / (unique_name(stem) + ".conf"));
        parse_error_info where;
        auto t = load_ssl_dist_optfile(file, where);
        EXPECT_TRUE(t) << where.message;
        auto n = node_opts(stem);
        if (t) n.tls = *t;
        return n;
    }
    std::unique_ptr<node> make_tls_node(const std::string& stem = "cpp") {
        return std::make_unique<node>(tls_node_opts(erl_tls_, stem));
    }
    // The erl node dials `n` (net_adm:ping from an Erlang process there).
    term erl_pings(mailbox& m, const node& n) { return erl_pings(m, n.name()); }
    term erl_pings(mailbox& m, atom n) {
        const pid p = puppet(m);
        return cmd(m, p, tuple(atom("apply"), atom("net_adm"), atom("ping"), list(n)));
    }
    // The protocol erl reports for its link to `n` (tls when it runs over TLS).
    std::string erl_link_protocol(mailbox& m, const node& n) {
        const term info = rpc(m, "net_kernel", "node_info", list(n.name()));
        return to_string(info);
    }

    std::unique_ptr<temp_dir> dir_;
    std::unique_ptr<test_ca> ca_;
    issued_cert node_cert_;
    erl_tls_options erl_tls_;
    std::filesystem::path erl_optfile_;
};

TEST_F(TlsWithErl, BothRolesConnectAndExchangeMessages) {
    // We dial: the TLS client.
    auto n = make_tls_node();
    ASSERT_TRUE(n->ping(erl()));
    auto m = n->create_mailbox(atom("inbox")).value();
    EXPECT_NE(erl_link_protocol(m, *n).find("tls"), std::string::npos) << erl_link_protocol(m, *n);
    const term echo = rpc(m, "otpcpp_itest", "start_echo", list(atom("echo_tls")));
    m.send(atom("echo_tls"), erl(), tuple(m.self(), parse("{hello, <<\"over tls\">>}").value()));
    auto r = m.receive(10s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->message, tuple(atom("echo"), echo, parse("{hello, <<\"over tls\">>}").value()));

    // erl dials a second node: we are the TLS server.
    auto server = make_tls_node("srv");
    auto sm = server->create_mailbox(atom("srv_inbox")).value();
    EXPECT_EQ(erl_pings(m, *server), term(atom("pong")));
    const pid p = puppet(m);
    cmd(m, p, tuple(atom("send"), tuple(atom("srv_inbox"), server->name()), atom("to_server")));
    auto got_it = sm.receive(10s);
    ASSERT_TRUE(got_it);
    EXPECT_EQ(got_it->message, term(atom("to_server")));
    EXPECT_NE(erl_link_protocol(m, *server).find("tls"), std::string::npos);
}

TEST_F(TlsWithErl, LinksAndRpcWorkBothWays) {
    auto n = make_tls_node();
    n->register_function(atom("cpp"), atom("twice"), 1,
                         [](std::span<const term> a) { return term(a[0].as_int64().value() * 2); });
    auto m = n->create_mailbox();
    EXPECT_EQ(rpc(m, "erlang", "node", list()), term(erl()));
    // Erlang calls into C++ over the same TLS link.
    const pid p = puppet(m);
    EXPECT_EQ(cmd(m, p,
                  tuple(atom("apply"), atom("rpc"), atom("call"),
                        list(n->name(), atom("cpp"), atom("twice"), list(21)))),
              term(42));
    // A link fires across TLS.
    m.trap_exit(true);
    m.link(p);
    m.exit(p, atom("tls_bye"));
    auto e = m.receive_if(
        [&](const envelope& env) { return match(env.message, "{'EXIT', _, tls_bye}"); }, 10s);
    ASSERT_TRUE(e) << "no exit signal over TLS";
}

TEST_F(TlsWithErl, ForeignCaIsRefusedInBothRoles) {
    test_ca rogue(dir_->path(), "rogue");
    auto rogue_cert = rogue.issue("rogue_node", for_this_host());
    // Our certificate is from a CA erl does not trust; we still trust erl's.
    auto o = erl_tls_;
    for (auto* side : {&o.server, &o.client}) {
        side->certfile = rogue_cert.cert;
        side->keyfile = rogue_cert.key;
    }
    node n(tls_node_opts(o, "rogue"));
    // As client: erl's server refuses our certificate.
    EXPECT_EQ(n.connect(erl(), 10s), tls_errc::unknown_ca);
    // As server: erl's client refuses our certificate.
    auto good = make_tls_node("good");
    auto m = good->create_mailbox();
    EXPECT_EQ(erl_pings(m, n), term(atom("pang")));
    // Our side counts its refusal when its handshake ends, maybe after erl's.
    EXPECT_TRUE(wait_until([&] { return n.stats().connections_refused >= 2; }, 10s));
    // Nothing else suffered: the good node still talks to erl.
    EXPECT_TRUE(good->ping(erl()));
}

TEST_F(TlsWithErl, ExpiredAndWrongUsageCertificatesAreNamed) {
    auto expired_spec = for_this_host();
    expired_spec.not_before_offset = -72h;
    expired_spec.lifetime = 24h;
    auto expired = ca_->issue("expired", expired_spec);
    auto o = with_cert(&erl_tls_options::client, expired);
    node n(tls_node_opts(o, "expired"));
    EXPECT_EQ(n.connect(erl(), 10s), tls_errc::certificate_expired);

    // A client certificate without clientAuth: OTP refuses it with a bare
    // handshake_failure alert, so that is all the dialling side can know.
    node w(tls_node_opts(with_cert(&erl_tls_options::client, only_for(eku::server_auth)), "usage"));
    EXPECT_EQ(w.connect(erl(), 10s), tls_errc::handshake_failed);

    // Where otpcpp judges, it names the fault: a server certificate without serverAuth.
    node wrong_server(
        tls_node_opts(with_cert(&erl_tls_options::server, only_for(eku::client_auth)), "wrong"));
    auto dialer = make_tls_node("dialer");
    EXPECT_EQ(dialer->connect(wrong_server.name(), 10s), tls_errc::bad_certificate_usage);
}

TEST_F(TlsWithErl, ClientsWithoutACertificateAreRefused) {
    auto o = erl_tls_;
    o.client.certfile.clear();
    o.client.keyfile.clear();
    node certless(tls_node_opts(o, "certless"));
    // erl (TLS 1.2 by default) answers a bare handshake_failure alert.
    EXPECT_EQ(certless.connect(erl(), 10s), tls_errc::handshake_failed);
    // Between two otpcpp nodes TLS 1.3 is chosen, where the server judges the client's
    // certificate after the client is done: its verdict arrives inside the Erlang
    // handshake, and is still named.
    auto server = make_tls_node("server");
    EXPECT_EQ(certless.connect(server->name(), 10s), tls_errc::no_peer_certificate);
    EXPECT_TRUE(wait_until([&] { return server->stats().connections_refused >= 1; }, 10s));
}

TEST_F(TlsWithErl, AServerCertificateForAnotherHostIsRefused) {
    auto elsewhere = for_another_host("elsewhere_server");
    auto o = with_cert(&erl_tls_options::server, elsewhere);
    node server(tls_node_opts(o, "elsewhere"));
    auto dialer = make_tls_node("dialer");
    EXPECT_EQ(dialer->connect(server.name(), 10s), tls_errc::hostname_mismatch);
    // With {verify, verify_none} the client checks nothing, as in OTP 25.
    auto lax_opts = erl_tls_;
    lax_opts.client.verify = "verify_none";
    node lax(tls_node_opts(lax_opts, "lax"));
    EXPECT_FALSE(lax.connect(server.name(), 10s));
}

TEST_F(TlsWithErl, PlainTcpPeersCannotConnectEitherWay) {
    // A plain C++ node dialling the TLS erl node: its `N` draws a TLS alert.
    auto plain = make_node("plain");
    EXPECT_EQ(plain->connect(erl(), 10s), handshake_errc::peer_uses_tls);

    // A plain erl node dialling our TLS node: we see no TLS record.
    auto n = make_tls_node();
    const std::string plain_erl = unique_name("plain_erl");
    auto plain_peer =
        std::make_unique<process>(erl_args(plain_erl, cookie_,
                                           {"-eval", "io:format(\"~p~n\", [net_adm:ping('" +
                                                         std::string(n->name().name()) + "')])"}),
                                  epmd_->env());
    EXPECT_TRUE(
        wait_until([&] { return plain_peer->out().find("pang") != std::string::npos; }, 20s))
        << plain_peer->out() << plain_peer->err();
    EXPECT_TRUE(wait_until([&] { return n->stats().connections_refused >= 1; }, 10s));

    // Our TLS node dialling that plain erl node: its handshake waits for a 5,635-byte
    // `N` that never comes, so our TLS handshake runs out of time.
    auto o = tls_node_opts(erl_tls_, "impatient");
    o.setup_time = 1500ms;
    node impatient(o);
    EXPECT_EQ(impatient.connect(atom(plain_erl + "@" + host_), 10s), tls_errc::handshake_timeout);
}

TEST_F(TlsWithErl, NodeNameBindingIsOptIn) {
    // A node whose certificate names another host: OTP accepts it, and so does otpcpp
    // unless verify_node_name is set.
    auto elsewhere = for_another_host("elsewhere");
    auto o = with_cert(&erl_tls_options::client, elsewhere);
    node dialer(tls_node_opts(o, "dialer"));
    EXPECT_TRUE(dialer.ping(erl()));

    auto lax = make_tls_node("lax");
    EXPECT_FALSE(dialer.connect(lax->name(), 10s));

    auto strict_opts = tls_node_opts(erl_tls_, "strict");
    strict_opts.tls->verify_node_name = true;
    node strict(strict_opts);
    EXPECT_EQ(dialer.connect(strict.name(), 10s), handshake_errc::not_allowed);
    // A peer whose certificate does name its host is let in.
    auto good = make_tls_node("good");
    EXPECT_TRUE(good->ping(strict.name()));
}

// OTP 25's TLS 1.2 renegotiates after `renegotiate_at` records it sent; with 100 a
// thousand echoes renegotiate about ten times in each role.
class TlsRenegotiation : public TlsWithErl {
  protected:
    void adjust(erl_tls_options& o) override {
        o.server.extra.push_back("{renegotiate_at, 100}");
        o.client.extra.push_back("{renegotiate_at, 100}");
    }
    // 1,000 echoes through the erl node over `n`'s link, all back in order, and the
    // link never dropped.
    void echo_many(node& n) {
        auto m = n.create_mailbox();
        auto watcher = n.create_mailbox();
        n.monitor_nodes(watcher.self());
        const term echo = rpc(m, "otpcpp_itest", "start_echo", list(atom("echo_reneg")));
        ASSERT_TRUE(echo.is_pid());
        constexpr int count = 1000;
        for (int i = 0; i < count; ++i) {
            m.send(*echo.as_pid(), tuple(m.self(), i));
            auto r = m.receive(10s);
            ASSERT_TRUE(r) << "echo " << i << " lost";
            ASSERT_EQ(r->message, tuple(atom("echo"), echo, i));
        }
        EXPECT_FALSE(watcher.try_receive()) << "the link went down during the run";
    }
};

TEST_F(TlsRenegotiation, ErlAsServerRenegotiatesWithUs) {
    auto n = make_tls_node();
    ASSERT_TRUE(n->ping(erl()));
    echo_many(*n);
}

TEST_F(TlsRenegotiation, ErlAsClientRenegotiatesWithUs) {
    auto n = make_tls_node();
    auto helper = make_tls_node("helper");
    auto hm = helper->create_mailbox();
    ASSERT_EQ(erl_pings(hm, *n), term(atom("pong")));  // erl dialled n: erl is the client
    echo_many(*n);
}

// TLS 1.3 only on the erl side: the C++ default (1.2 to 1.3) meets it, a 1.2-only node
// cannot.
class Tls13WithErl : public TlsWithErl {
  protected:
    void adjust(erl_tls_options& o) override {
        set_versions(o, {"tlsv1.3"});
        // A TLS 1.2 option: ssl refuses it beside a 1.3-only versions list.
        o.server.secure_renegotiate = o.client.secure_renegotiate = std::nullopt;
    }
};

TEST_F(Tls13WithErl, Tls13ConnectsAndTls12OnlyIsRefused) {
    auto n = make_tls_node();
    EXPECT_TRUE(n->ping(erl()));
    auto m = n->create_mailbox();
    EXPECT_EQ(rpc(m, "erlang", "node", list()), term(erl()));

    auto o = erl_tls_;
    set_versions(o, {"tlsv1.2"});
    o.server.secure_renegotiate = o.client.secure_renegotiate = true;
    node old(tls_node_opts(o, "tls12"));
    EXPECT_EQ(old.connect(erl(), 10s), tls_errc::protocol_version);
}

// The CLI's --tls FILE: the same optfile as erl's, on every subcommand that runs a node.
#ifdef OTPCPP_CLI_PATH
class TlsCli : public TlsWithErl {
  protected:
    std::vector<std::string> cli(std::vector<std::string> args) const {
        args.insert(args.begin(), OTPCPP_CLI_PATH);
        for (std::string more : {std::string("--cookie"), cookie_, std::string("--epmd-port"),
                                 std::to_string(epmd_->port())})
            args.push_back(std::move(more));
        return args;
    }
    struct ran {
        std::optional<int> status;
        std::string out, err;
    };
    ran run(std::vector<std::string> args) const {
        process p(cli(std::move(args)));
        ran r;
        r.status = p.wait_exit(20s);
        r.out = p.out();
        r.err = p.err();
        return r;
    }
};

TEST_F(TlsCli, PingAndCallOverTls) {
    const std::string f = erl_optfile_.string();
    auto ping = run({"ping", "--node", erl_sname_, "--tls", f});
    EXPECT_EQ(ping.status, 0) << ping.err;
    EXPECT_EQ(ping.out, "pong\n");
    auto call = run({"call", "--node", erl_sname_, "--tls", f, "-a", "erlang node"});
    EXPECT_EQ(call.status, 0) << call.err;
    EXPECT_EQ(call.out, std::string(erl().name()) + "\n");
    // Without --tls the TLS node cannot be reached.
    auto plain = run({"ping", "--node", erl_sname_});
    EXPECT_EQ(plain.status, 1);
    EXPECT_EQ(plain.out, "pang\n");
}

TEST_F(TlsCli, MirrorServesOverTls) {
    const std::string sname = unique_name("mirror");
    process mirror(cli({"mirror", "--sname", sname, "--tls", erl_optfile_.string()}));
    ASSERT_TRUE(mirror.wait_for_output("\n", 10s)) << mirror.err();
    auto n = make_tls_node();
    auto m = n->create_mailbox();
    EXPECT_EQ(erl_pings(m, atom(sname + "@" + host_)), term(atom("pong")));
}

TEST_F(TlsCli, ABadTlsFileIsAUsageError) {
    const auto bad = dir_->path() / "bad.conf";
    std::ofstream(bad) << "[{server, [{certfile, \"x.pem\"}, {depth, -1}]}].\n";
    auto r = run({"ping", "--node", erl_sname_, "--tls", bad.string()});
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("bad.conf:1:"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("depth"), std::string::npos) << r.err;
}
#endif

}  // namespace

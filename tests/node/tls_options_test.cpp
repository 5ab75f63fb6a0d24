// The -ssl_dist_optfile reader: the worked examples of the TLS facts sheet
// (docs/tls-dist.md §2, §3, §6, §7) and every way a file can be refused.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "otp/tls_options.hpp"

using namespace otp;

namespace {

// The facts sheet's worked example (§2), verbatim: what start_tls_node.sh writes.
constexpr std::string_view worked_example =
    R"(%% /etc/otp/dist_tls.conf -- erl -sname a -proto_dist inet_tls -ssl_dist_optfile /etc/otp/dist_tls.conf
[{server,
  [{certfile,   "/etc/otp/certs/server.pem"},   % leaf first, then intermediates
   {keyfile,    "/etc/otp/certs/server.key"},
   {cacertfile, "/etc/otp/certs/ca.pem"},       % CAs trusted for client certs
   {verify, verify_peer},                       % request + check a client cert
   {fail_if_no_peer_cert, true},                % server only; OTP 25 default is false
   {secure_renegotiate, true},
   {depth, 3}]},
 {client,
  [{certfile,   "/etc/otp/certs/client.pem"},   % presented when this node dials
   {keyfile,    "/etc/otp/certs/client.key"},
   {cacertfile, "/etc/otp/certs/ca.pem"},       % CAs trusted for server certs
   {verify, verify_peer},                       % chain + hostname = host part of node name
   {secure_renegotiate, true},
   {depth, 3}]}].
%% optional in both lists: {versions, ['tlsv1.3','tlsv1.2']}
)";

tls_role_options example_server() {
    tls_role_options o;
    o.certfile = "/etc/otp/certs/server.pem";
    o.keyfile = "/etc/otp/certs/server.key";
    o.cacertfile = "/etc/otp/certs/ca.pem";
    o.verify = tls_verify::verify_peer;
    o.fail_if_no_peer_cert = true;
    o.secure_renegotiate = true;
    o.depth = 3;
    return o;
}

tls_role_options example_client() {
    tls_role_options o;
    o.certfile = "/etc/otp/certs/client.pem";
    o.keyfile = "/etc/otp/certs/client.key";
    o.cacertfile = "/etc/otp/certs/ca.pem";
    o.verify = tls_verify::verify_peer;
    o.secure_renegotiate = true;
    o.depth = 3;
    return o;
}

// Field by field, so that a failure names the field.
void expect_same(const tls_role_options& got, const tls_role_options& want) {
    EXPECT_EQ(got.certfile, want.certfile);
    EXPECT_EQ(got.keyfile, want.keyfile);
    EXPECT_EQ(got.password, want.password);
    EXPECT_EQ(got.cacertfile, want.cacertfile);
    EXPECT_EQ(got.cacerts, want.cacerts);
    EXPECT_EQ(got.verify, want.verify);
    EXPECT_EQ(got.fail_if_no_peer_cert, want.fail_if_no_peer_cert);
    EXPECT_EQ(got.versions, want.versions);
    EXPECT_EQ(got.ciphers, want.ciphers);
    EXPECT_EQ(got.depth, want.depth);
    EXPECT_EQ(got.server_name_indication, want.server_name_indication);
    EXPECT_EQ(got.server_name_indication_disabled, want.server_name_indication_disabled);
    EXPECT_EQ(got.dhfile, want.dhfile);
    EXPECT_EQ(got.secure_renegotiate, want.secure_renegotiate);
    EXPECT_EQ(got.reuse_sessions, want.reuse_sessions);
    EXPECT_EQ(got.renegotiate_at, want.renegotiate_at);
    EXPECT_EQ(got.key_update_at, want.key_update_at);
    EXPECT_TRUE(got == want);  // and no field was forgotten above
}

// Reads text that must be accepted.
tls_options read_ok(std::string_view text) {
    parse_error_info where;
    auto r = read_ssl_dist_optfile(text, where);
    EXPECT_TRUE(r) << where.message;
    return r ? *r : tls_options{};
}

// Reads text that must be refused; checks that result and `where` agree.
parse_error_info read_fail(std::string_view text) {
    parse_error_info where;
    auto r = read_ssl_dist_optfile(text, where);
    EXPECT_FALSE(r) << text;
    EXPECT_EQ(r.error(), where.code);
    EXPECT_EQ(where.code.category(), tls_category());
    return where;
}

// One server (or client) list holding one option, `{Name, Value}` at line 2, column 4.
std::string one_option(std::string_view role, std::string_view name, std::string_view value) {
    return "[{" + std::string(role) + ",\n  [{" + std::string(name) + ", " + std::string(value) +
           "}]}].";
}
// The column of Value in one_option's text.
int value_column(std::string_view name) {
    return 5 + static_cast<int>(name.size()) + 2;
}

}  // namespace

// --- the worked examples -------------------------------------------------------------

TEST(TlsOptionFile, WorkedExampleOfTheFactsSheet) {
    const tls_options o = read_ok(worked_example);
    ASSERT_TRUE(o.server);
    ASSERT_TRUE(o.client);
    expect_same(*o.server, example_server());
    expect_same(*o.client, example_client());
    EXPECT_TRUE(o.ignored.empty());
}

TEST(TlsOptionFile, WorkedExampleWithTheOptionalVersions) {
    std::string text(worked_example);
    // The optional line of the example, added to both lists.
    for (const std::string_view depth : {"   {depth, 3}]},", "   {depth, 3}]}]."}) {
        const std::size_t at = text.find(depth);
        ASSERT_NE(at, std::string::npos);
        text.insert(at + std::string_view("   {depth, 3}").size(),
                    ",\n   {versions, ['tlsv1.3','tlsv1.2']}");
    }
    const tls_options o = read_ok(text);
    ASSERT_TRUE(o.server && o.client);
    tls_role_options server = example_server();
    tls_role_options client = example_client();
    server.versions = client.versions = {tls_version::tlsv1_2, tls_version::tlsv1_3};
    expect_same(*o.server, server);
    expect_same(*o.client, client);
    EXPECT_TRUE(o.ignored.empty());
}

TEST(TlsOptionFile, Tls12OnlyAndTls13OnlyConfigurations) {
    // §5: TLS_VERSIONS of start_tls_node.sh; §1.1: a 1.3-only node.
    const tls_options a = read_ok("[{client, [{versions, ['tlsv1.2']}]}].");
    ASSERT_TRUE(a.client);
    EXPECT_EQ(a.client->versions, std::vector<tls_version>{tls_version::tlsv1_2});
    const tls_options b = read_ok("[{server, [{versions, ['tlsv1.3']}]}].");
    ASSERT_TRUE(b.server);
    EXPECT_EQ(b.server->versions, std::vector<tls_version>{tls_version::tlsv1_3});
    EXPECT_FALSE(b.client);
    // Order and repeats do not matter (ssl sorts them).
    const tls_options c = read_ok("[{server, [{versions, ['tlsv1.3', 'tlsv1.2', 'tlsv1.3']}]}]");
    EXPECT_EQ(c.server->versions,
              (std::vector<tls_version>{tls_version::tlsv1_2, tls_version::tlsv1_3}));
}

TEST(TlsOptionFile, RenegotiationRunIsReadButReportedAsIgnored) {
    // §7: the renegotiation run configures {renegotiate_at, 100} on the erl side.
    const tls_options o = read_ok(
        "[{server, [{renegotiate_at, 100}]},\n"
        " {client, [{versions, ['tlsv1.3']},\n"
        "           {key_update_at, 4096}]}].");
    ASSERT_TRUE(o.server && o.client);
    EXPECT_EQ(o.server->renegotiate_at, 100u);
    EXPECT_EQ(o.client->key_update_at, 4096u);
    ASSERT_EQ(o.ignored.size(), 2u);
    EXPECT_EQ(o.ignored[0].role, tls_role::server);
    EXPECT_EQ(o.ignored[0].option, "renegotiate_at");
    EXPECT_EQ(o.ignored[0].reason,
              "otpcpp never starts a TLS 1.2 renegotiation; it follows the peer's");
    EXPECT_EQ(o.ignored[0].line, 1);
    EXPECT_EQ(o.ignored[0].column, 12);
    EXPECT_EQ(o.ignored[1].role, tls_role::client);
    EXPECT_EQ(o.ignored[1].option, "key_update_at");
    EXPECT_EQ(o.ignored[1].reason,
              "otpcpp never starts a TLS 1.3 key update; it answers the peer's");
    EXPECT_EQ(o.ignored[1].line, 3);
    EXPECT_EQ(o.ignored[1].column, 12);
}

TEST(TlsOptionFile, RenegotiateAtIsCappedLikeSsl) {
    // ssl caps renegotiate_at at 2^28, also for values beyond 64 bits.
    EXPECT_EQ(read_ok("[{server, [{renegotiate_at, 268435457}]}]").server->renegotiate_at,
              268435456u);
    EXPECT_EQ(
        read_ok("[{server, [{renegotiate_at, 99999999999999999999999}]}]").server->renegotiate_at,
        268435456u);
    EXPECT_EQ(read_ok("[{server, [{renegotiate_at, 0}]}]").server->renegotiate_at, 0u);
}

TEST(TlsOptionFile, EveryHonouredOption) {
    const tls_options o = read_ok(R"([
 {server, [{certfile, <<"/srv/node.pem">>},
           {password, "s3cret"},
           {cacerts, [<<48,130,1>>, <<48,2>>]},
           {verify, verify_none},
           {fail_if_no_peer_cert, false},
           {ciphers, "ECDHE-RSA-AES256-GCM-SHA384:TLS_AES_256_GCM_SHA384"},
           {dhfile, "/srv/dh.pem"},
           {reuse_sessions, false},
           {secure_renegotiate, true},
           {depth, 0}]},
 {client, [{certfile, "/srv/node.pem"},
           {password, <<"pw">>},
           {cacertfile, "/srv/ca.pem"},
           {ciphers, ["ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_AES_128_GCM_SHA256"]},
           {server_name_indication, "vm.example.org"},
           {depth, 255}]}].)");
    ASSERT_TRUE(o.server && o.client);
    tls_role_options s;
    s.certfile = "/srv/node.pem";
    s.password = "s3cret";
    s.cacerts = {{48, 130, 1}, {48, 2}};
    s.verify = tls_verify::verify_none;
    s.fail_if_no_peer_cert = false;
    s.ciphers = {"ECDHE-RSA-AES256-GCM-SHA384", "TLS_AES_256_GCM_SHA384"};
    s.dhfile = "/srv/dh.pem";
    s.reuse_sessions = false;
    s.secure_renegotiate = true;
    s.depth = 0;
    expect_same(*o.server, s);
    tls_role_options c;
    c.certfile = "/srv/node.pem";
    c.password = "pw";
    c.cacertfile = "/srv/ca.pem";
    c.ciphers = {"ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_AES_128_GCM_SHA256"};
    c.server_name_indication = "vm.example.org";
    c.depth = 255;
    expect_same(*o.client, c);
    EXPECT_TRUE(o.ignored.empty());
}

TEST(TlsOptionFile, SniDisableAndEmptyCipherList) {
    // §3: {server_name_indication, disable} (did not stop OTP 25's hostname check).
    const tls_options o =
        read_ok("[{client, [{server_name_indication, disable}, {ciphers, []}]}].");
    ASSERT_TRUE(o.client);
    EXPECT_TRUE(o.client->server_name_indication_disabled);
    EXPECT_FALSE(o.client->server_name_indication);
    EXPECT_TRUE(o.client->ciphers.empty());
    // "" is [] in Erlang: the defaults too.
    EXPECT_TRUE(read_ok("[{client, [{ciphers, \"\"}]}]").client->ciphers.empty());
}

TEST(TlsOptionFile, UnicodePathsAsStringsAndUtf8Binaries) {
    const tls_options o = read_ok(
        "[{server, [{certfile, \"/tmp/\xC3\xBC.pem\"}, {keyfile, "
        "<<\"/tmp/\xC3\xBC.key\"/utf8>>}]}]");
    EXPECT_EQ(o.server->certfile, "/tmp/\xC3\xBC.pem");
    EXPECT_EQ(o.server->keyfile, "/tmp/\xC3\xBC.key");
}

TEST(TlsOptionFile, EitherListIsOptional) {
    const tls_options none = read_ok("[].");
    EXPECT_FALSE(none.server);
    EXPECT_FALSE(none.client);
    EXPECT_TRUE(none.ignored.empty());
    const tls_options client = read_ok("%% dial only\n[{client, []}]");
    EXPECT_FALSE(client.server);
    ASSERT_TRUE(client.client);
    expect_same(*client.client, tls_role_options{});
    // The client list may come first.
    const tls_options both = read_ok("[{client, [{depth, 1}]}, {server, [{depth, 2}]}]");
    EXPECT_EQ(both.client->depth, 1);
    EXPECT_EQ(both.server->depth, 2);
}

TEST(TlsOptionFile, OptionsOtpcppCannotApplyAreListedWithReasons) {
    const tls_options r = read_ok(R"([{server,
  [{packet, 4}, binary, {raw, 6, 9, <<1:32>>},
   {versions, ['tlsv1.2', 'tlsv1.1']},
   {secure_renegotiate, false},
   {reuse_sessions, save},
   {hibernate_after, infinity},
   {crl_check, best_effort},
   {crl_cache, {ssl_crl_cache, {internal, [{http, 5000}]}}},
   {ktls, true}]},
 {client,
  [{customize_hostname_check, [{match_fun, fun my_mod:match/2}]},
   {active, false}, {mode, binary}, {nodelay, true}, {deliver, term}, {erl_dist, true},
   list, inet6,
   {hibernate_after, 1000},
   {reuse_sessions, true},
   {ktls, false}, {crl_check, false}]}].)");
    const std::string socket =
        "a socket option, which the distribution sets itself (packet 4, binary, active false, "
        "nodelay); erl may break with it";
    const std::vector<tls_ignored_option> want = {
        {tls_role::server, "packet", socket, 2, 4},
        {tls_role::server, "binary", socket, 2, 17},
        {tls_role::server, "raw", socket, 2, 25},
        {tls_role::server, "versions",
         "'tlsv1.1' is not offered: otpcpp speaks TLS 1.2 and 1.3 only (OpenSSL 3 refuses "
         "older versions by default)",
         3, 4},
        {tls_role::server, "secure_renegotiate",
         "OpenSSL 3 always insists on RFC 5746 secure renegotiation (every OTP node supports it)",
         4, 4},
        {tls_role::server, "reuse_sessions",
         "otpcpp does not resume TLS sessions: every connection runs a full handshake", 5, 4},
        {tls_role::server, "hibernate_after",
         "an Erlang process setting: otpcpp has no TLS process to hibernate", 6, 4},
        {tls_role::server, "crl_check",
         "otpcpp has no CRL source, and best_effort accepts a certificate whose CRL cannot be "
         "found",
         7, 4},
        {tls_role::server, "crl_cache", "an OTP CRL cache module: otpcpp does not check CRLs", 8,
         4},
        {tls_role::server, "ktls",
         "no kernel TLS offload in otpcpp (the bytes on the wire are the same)", 9, 4},
        {tls_role::client, "customize_hostname_check",
         "Erlang hostname match funs cannot run in otpcpp; its own hostname check applies", 11, 4},
        {tls_role::client, "active", socket, 12, 4},
        {tls_role::client, "mode", socket, 12, 21},
        {tls_role::client, "nodelay", socket, 12, 37},
        {tls_role::client, "deliver", socket, 12, 54},
        {tls_role::client, "erl_dist", socket, 12, 71},
        {tls_role::client, "list", socket, 13, 4},
        {tls_role::client, "inet6", socket, 13, 10},
        {tls_role::client, "hibernate_after",
         "an Erlang process setting: otpcpp has no TLS process to hibernate", 14, 4},
        {tls_role::client, "reuse_sessions",
         "otpcpp does not resume TLS sessions: every connection runs a full handshake", 15, 4},
    };
    ASSERT_EQ(r.ignored.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(r.ignored[i].role, want[i].role) << i;
        EXPECT_EQ(r.ignored[i].option, want[i].option) << i;
        EXPECT_EQ(r.ignored[i].reason, want[i].reason) << i;
        EXPECT_EQ(r.ignored[i].line, want[i].line) << i << " " << want[i].option;
        EXPECT_EQ(r.ignored[i].column, want[i].column) << i << " " << want[i].option;
    }
    // The values that have a field are still read.
    EXPECT_EQ(r.server->versions, std::vector<tls_version>{tls_version::tlsv1_2});
    EXPECT_EQ(r.server->secure_renegotiate, false);
    EXPECT_EQ(r.server->reuse_sessions, true);
    EXPECT_EQ(r.client->reuse_sessions, true);
    // Values that change nothing are not reported.
    EXPECT_TRUE(read_ok("[{client, [{customize_hostname_check, []}, {ktls, false}, "
                        "{crl_check, false}, {reuse_sessions, false}, {secure_renegotiate, "
                        "true}]}]")
                    .ignored.empty());
}

TEST(TlsOptionFile, ReaderWithoutDetailsAndNames) {
    auto ok = read_ssl_dist_optfile("[{server, [{depth, 4}]}]");
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->server->depth, 4);
    EXPECT_EQ(read_ssl_dist_optfile("[{server, foo}]").error(), tls_errc::bad_structure);
    EXPECT_EQ(to_string(tls_role::server), "server");
    EXPECT_EQ(to_string(tls_role::client), "client");
    EXPECT_EQ(to_string(tls_version::tlsv1_2), "tlsv1.2");
    EXPECT_EQ(to_string(tls_version::tlsv1_3), "tlsv1.3");
}

// --- malformed text ------------------------------------------------------------------

TEST(TlsOptionErrors, SyntaxErrorsGiveLineAndColumn) {
    // A missing comma between two options.
    auto w = read_fail("[{server,\n  [{depth, 3}\n   {verify, verify_peer}]}].");
    EXPECT_EQ(w.code, tls_errc::syntax_error);
    EXPECT_EQ(w.line, 3);
    EXPECT_EQ(w.column, 4);
    EXPECT_EQ(w.message, "3:4: expected ',', '|' or ']' but found '{'");

    w = read_fail("[{server, [{certfile, \"/etc/x.pem}]}].");
    EXPECT_EQ(w.code, tls_errc::syntax_error);
    EXPECT_EQ(w.message, "1:23: unterminated string");
    EXPECT_EQ(w.column, 23);

    w = read_fail("[{client, []}");
    EXPECT_EQ(w.code, tls_errc::syntax_error);
    EXPECT_EQ(w.message, "1:14: expected ',', '|' or ']' but found end of input");

    // erl reads exactly one expression.
    w = read_fail("[]. [].");
    EXPECT_EQ(w.code, tls_errc::syntax_error);
    EXPECT_EQ(w.message, "1:5: expected end of input after '.' but found '['");

    w = read_fail("");
    EXPECT_EQ(w.code, tls_errc::syntax_error);
    EXPECT_EQ(w.line, 1);
    EXPECT_EQ(w.column, 1);
}

TEST(TlsOptionErrors, ExpressionsThatOnlyErlEvaluates) {
    const std::string hint =
        " (otpcpp reads the option file as a literal term; erl evaluates it, so calls, "
        "operators and funs other than fun M:F/A work only there)";
    // §2: a literal fun was accepted by OTP 25's erl_eval.
    auto w = read_fail("[{client, [{verify_fun, {fun(_,_) -> true end, []}}]}].");
    EXPECT_EQ(w.code, tls_errc::not_literal);
    EXPECT_EQ(w.message, "1:29: expected a module name after 'fun' but found '('" + hint);
    // §3: the wildcard match fun is a remote call.
    w = read_fail(
        "[{client, [{customize_hostname_check, "
        "[{match_fun, public_key:pkix_verify_hostname_match_fun(https)}]}]}].");
    EXPECT_EQ(w.code, tls_errc::not_literal);
    EXPECT_EQ(w.line, 1);
    EXPECT_EQ(w.column, 62);
    EXPECT_EQ(w.message, "1:62: expected ',' or '}' but found ':'" + hint);
    w = read_fail("[{server, [{depth, Depth}]}]");
    EXPECT_EQ(w.code, tls_errc::not_literal);
    EXPECT_EQ(w.message, "1:20: variable 'Depth' is not a literal term" + hint);
    w = read_fail("[{server, [{depth, 1 + 2}]}]");
    EXPECT_EQ(w.code, tls_errc::not_literal);
    EXPECT_EQ(w.message, "1:22: expected ',' or '}' but found '+'" + hint);
}

TEST(TlsOptionErrors, WrongShapeOfTheFile) {
    struct shape_case {
        const char* text;
        int line;
        int column;
        const char* message;
    };
    const shape_case cases[] = {
        {"{server, []}.", 1, 1,
         "1:1: expected a list [{server, Opts}, {client, Opts}], found {server,[]}"},
        {"[{server, []} | tail]", 1, 1,
         "1:1: expected a list [{server, Opts}, {client, Opts}], found [{server,[]}|tail]"},
        {"[server]", 1, 2, "1:2: expected {server, Opts} or {client, Opts}, found server"},
        {"[{server, [], extra}]", 1, 2,
         "1:2: expected {server, Opts} or {client, Opts}, found {server,[],extra}"},
        {"[{client, []},\n {servers, []}]", 2, 2,
         "2:2: expected {server, Opts} or {client, Opts}, found the list name 'servers'"},
        {"[{server, verify_peer}]", 1, 11,
         "1:11: the server options must be a list, found verify_peer"},
        {"[{server, [{depth, 1} | x]}]", 1, 11,
         "1:11: the server options must be a list, found [{depth,1}|x]"},
        {"[{server, [verify_peer]}]", 1, 12,
         "1:12: server list: expected {Name, Value}, found the bare atom verify_peer"},
        {"[{client, [{depth, 3, 4}]}]", 1, 12,
         "1:12: client list: expected {Name, Value}, found {depth,3,4}"},
        {"[{client, [{\"depth\", 3}]}]", 1, 12,
         "1:12: client list: expected {Name, Value}, found {\"depth\",3}"},
        {"[{client, [{depth, 3}, 42]}]", 1, 24,
         "1:24: client list: expected {Name, Value}, found 42"},
        // A string is a list of integers: the position is the string's.
        {"[{server, \"abc\"}]", 1, 11, "1:11: server list: expected {Name, Value}, found 97"},
    };
    for (const shape_case& c : cases) {
        const auto w = read_fail(c.text);
        EXPECT_EQ(w.code, tls_errc::bad_structure) << c.text;
        EXPECT_EQ(w.line, c.line) << c.text;
        EXPECT_EQ(w.column, c.column) << c.text;
        EXPECT_EQ(w.message, c.message);
    }
}

TEST(TlsOptionErrors, UnknownOptionIsNamedWithTheKnownOnes) {
    // §2: OTP 25 accepted {bogus_option,1}; OTP 26 and otpcpp refuse it.
    const auto w = read_fail("[{server, [{bogus_option, 1}]}].");
    EXPECT_EQ(w.code, tls_errc::unknown_option);
    EXPECT_EQ(w.line, 1);
    EXPECT_EQ(w.column, 12);
    EXPECT_EQ(w.message,
              "1:12: server option 'bogus_option' is unknown to otpcpp (OTP 26 refuses unknown "
              "options too); known: active, cacertfile, cacerts, certfile, ciphers, crl_cache, "
              "crl_check, customize_hostname_check, deliver, depth, dhfile, erl_dist, "
              "fail_if_no_peer_cert, hibernate_after, key_update_at, keyfile, ktls, mode, "
              "nodelay, packet, password, renegotiate_at, reuse_sessions, secure_renegotiate, "
              "server_name_indication, verify, verify_fun, versions");
}

TEST(TlsOptionErrors, ServerOnlyOptionInTheClientListOfTheWorkedExample) {
    // §2 / §6 pitfall 5: fail_if_no_peer_cert in the client list (erlang/otp#7497).
    std::string text(worked_example);
    const std::string_view anchor = "   {secure_renegotiate, true},\n   {depth, 3}]}].";
    const std::size_t at = text.find(anchor);
    ASSERT_NE(at, std::string::npos);
    text.insert(at, "   {fail_if_no_peer_cert, true},\n");
    const auto w = read_fail(text);
    EXPECT_EQ(w.code, tls_errc::wrong_role);
    EXPECT_EQ(w.line, 15);
    EXPECT_EQ(w.column, 4);
    EXPECT_EQ(w.message,
              "15:4: client option 'fail_if_no_peer_cert': is a server-only option; move it to "
              "the server list");
}

TEST(TlsOptionErrors, OptionsOfTheOtherRole) {
    struct role_case {
        const char* role;
        const char* name;
        const char* value;
        const char* other;
    };
    const role_case cases[] = {
        {"client", "fail_if_no_peer_cert", "true", "server"},
        {"client", "dhfile", "\"/etc/dh.pem\"", "server"},
        {"server", "server_name_indication", "\"vm\"", "client"},
        {"server", "customize_hostname_check", "[]", "client"},
    };
    for (const role_case& c : cases) {
        const auto w = read_fail(one_option(c.role, c.name, c.value));
        EXPECT_EQ(w.code, tls_errc::wrong_role) << c.name;
        EXPECT_EQ(w.line, 2);
        EXPECT_EQ(w.column, 4);
        EXPECT_EQ(w.message, "2:4: " + std::string(c.role) + " option '" + c.name + "': is a " +
                                 c.other + "-only option; move it to the " + c.other + " list");
    }
}

TEST(TlsOptionErrors, WrongValueNamesTheOptionAndPointsAtTheValue) {
    struct value_case {
        const char* role;
        const char* name;
        const char* value;
        int offset;        // column of the offending part relative to the value
        const char* rest;  // the message after "L:C: role option 'name': "
    };
    const value_case cases[] = {
        {"server", "certfile", "42", 0,
         "expected a file name (a non-empty string or binary), found 42"},
        {"server", "certfile", "\"\"", 0,
         "expected a file name (a non-empty string or binary), found []"},
        {"client", "keyfile", "<<>>", 0,
         "expected a file name (a non-empty string or binary), found <<>>"},
        {"client", "cacertfile", "[47, 120 | x]", 0,
         "expected a file name (a non-empty string or binary), found [47,120|x]"},
        {"server", "dhfile", "'dh.pem'", 0,
         "expected a file name (a non-empty string or binary), found 'dh.pem'"},
        {"server", "password", "42", 0, "expected a string or binary, found 42"},
        {"server", "cacerts", "<<48>>", 0,
         "expected a list of DER certificates (binaries), found <<\"0\">>"},
        {"server", "cacerts", "[<<48>>, \"x\"]", 9,
         "expected a DER certificate (a non-empty binary), found \"x\""},
        {"server", "cacerts", "[<<>>]", 1,
         "expected a DER certificate (a non-empty binary), found <<>>"},
        {"client", "verify", "verify_all", 0,
         "expected verify_none or verify_peer, found verify_all"},
        {"server", "fail_if_no_peer_cert", "yes", 0, "expected true or false, found yes"},
        {"server", "versions", "'tlsv1.2'", 0,
         "expected a list of versions such as ['tlsv1.3', 'tlsv1.2'], found 'tlsv1.2'"},
        {"server", "versions", "[]", 0, "expected at least one version, found []"},
        {"server", "versions", "['tlsv1.2', sslv3]", 12,
         "expected 'tlsv1.2' or 'tlsv1.3', found sslv3"},
        {"client", "ciphers", "<<\"A\">>", 0,
         "expected cipher suite names as \"A:B\" or [\"A\", \"B\"], found <<\"A\">>"},
        {"client", "ciphers", "[\"A\", 42]", 6,
         "expected a cipher suite name (a string), found 42"},
        {"client", "ciphers", "\"::\"", 0, "expected cipher suite names, found \"::\""},
        {"server", "depth", "256", 0, "expected an integer 0..255, found 256"},
        {"server", "depth", "-1", 0, "expected an integer 0..255, found -1"},
        {"server", "depth", "3.0", 0, "expected an integer 0..255, found 3.0"},
        {"client", "server_name_indication", "42", 0,
         "expected a host name (a non-empty string) or disable, found 42"},
        {"client", "server_name_indication", "\"\"", 0,
         "expected a host name (a non-empty string) or disable, found []"},
        {"client", "server_name_indication", "<<\"vm\">>", 0,
         "expected a host name (a non-empty string) or disable, found <<\"vm\">>"},
        {"server", "secure_renegotiate", "1", 0, "expected true or false, found 1"},
        {"server", "reuse_sessions", "maybe", 0, "expected true, false or save, found maybe"},
        {"server", "renegotiate_at", "-1", 0, "expected a non-negative integer, found -1"},
        {"server", "renegotiate_at", "infinity", 0,
         "expected a non-negative integer, found infinity"},
        {"client", "key_update_at", "0", 0, "expected a positive integer, found 0"},
        {"server", "hibernate_after", "-1", 0,
         "expected a non-negative integer or infinity, found -1"},
        {"server", "crl_check", "maybe", 0,
         "expected true, false, peer or best_effort, found maybe"},
        {"server", "crl_cache", "foo", 0, "expected {Module, {Handle, Options}}, found foo"},
        {"client", "customize_hostname_check", "foo", 0,
         "expected a list such as [{match_fun, fun M:F/2}], found foo"},
        {"client", "customize_hostname_check", "[foo]", 1, "expected {Name, Value}, found foo"},
        {"server", "ktls", "1", 0, "expected true or false, found 1"},
    };
    for (const value_case& c : cases) {
        const auto w = read_fail(one_option(c.role, c.name, c.value));
        const int column = value_column(c.name) + c.offset;
        EXPECT_EQ(w.code, tls_errc::bad_value) << c.name << " " << c.value;
        EXPECT_EQ(w.line, 2) << c.name << " " << c.value;
        EXPECT_EQ(w.column, column) << c.name << " " << c.value;
        EXPECT_EQ(w.message, "2:" + std::to_string(column) + ": " + c.role + " option '" + c.name +
                                 "': " + c.rest);
    }
}

TEST(TlsOptionErrors, WrongValueInsideTheWorkedExample) {
    std::string text(worked_example);
    const std::size_t at = text.find("{depth, 3}");
    ASSERT_NE(at, std::string::npos);
    text.replace(at, 10, "{depth, -3}");
    const auto w = read_fail(text);
    EXPECT_EQ(w.code, tls_errc::bad_value);
    EXPECT_EQ(w.line, 9);
    EXPECT_EQ(w.column, 12);
    EXPECT_EQ(w.message, "9:12: server option 'depth': expected an integer 0..255, found -3");
}

TEST(TlsOptionErrors, DuplicatesAreRefused) {
    // Which of two values ssl would use is not obvious to a reader of the file.
    auto w = read_fail("[{server, []},\n {server, []}]");
    EXPECT_EQ(w.code, tls_errc::duplicate);
    EXPECT_EQ(w.message, "2:2: the server list is given twice");
    w = read_fail("[{client, [{depth, 1},\n            {depth, 2}]}]");
    EXPECT_EQ(w.code, tls_errc::duplicate);
    EXPECT_EQ(w.message, "2:13: client option 'depth': given twice");
}

TEST(TlsOptionErrors, CombinationsThatSslRefuses) {
    struct combo_case {
        const char* text;
        const char* message;
    };
    const combo_case cases[] = {
        // ssl: {options, incompatible, {verify, verify_none}, {fail_if_no_peer_cert, true}}
        {"[{server, [{verify, verify_none},\n            {fail_if_no_peer_cert, true}]}]",
         "2:13: server options: {fail_if_no_peer_cert, true} contradicts {verify, "
         "verify_none}"},
        // ssl: {options, {cacertfile, []}}
        {"[{client, [{verify, verify_peer}]}]",
         "1:12: client options: {verify, verify_peer} needs cacertfile or cacerts to check the "
         "peer against"},
        // ssl: {options, missing_version, {'tlsv1.2', ...}}
        {"[{server, [{versions, ['tlsv1.3', 'tlsv1.1']}]}]",
         "1:12: server option 'versions': 'tlsv1.3' with an older version needs 'tlsv1.2' too"},
        // ssl: {options, dependency, {secure_renegotiate, {versions, [...]}}}
        {"[{server, [{versions, ['tlsv1.3']}, {secure_renegotiate, true}]}]",
         "1:37: server option 'secure_renegotiate' applies to TLS 1.2 only, but versions has no "
         "'tlsv1.2'"},
        {"[{client, [{reuse_sessions, false}, {versions, ['tlsv1.3']}]}]",
         "1:12: client option 'reuse_sessions' applies to TLS 1.2 only, but versions has no "
         "'tlsv1.2'"},
        // ssl: {options, dependency, {key_update_at, {versions, ['tlsv1.3']}}}
        {"[{client, [{key_update_at, 100}]}]",
         "1:12: client option 'key_update_at' applies to TLS 1.3 only, but versions is not "
         "given (inet_tls_dist then uses ['tlsv1.2'])"},
        {"[{client, [{key_update_at, 100}, {versions, ['tlsv1.2']}]}]",
         "1:12: client option 'key_update_at' applies to TLS 1.3 only, but versions has no "
         "'tlsv1.3'"},
    };
    for (const combo_case& c : cases) {
        const auto w = read_fail(c.text);
        EXPECT_EQ(w.code, tls_errc::incompatible_options) << c.text;
        EXPECT_EQ(w.message, c.message);
    }
}

TEST(TlsOptionErrors, ValuesOtpcppCannotApplyAndMustNotIgnore) {
    struct unsupported_case {
        const char* text;
        const char* message;
    };
    const unsupported_case cases[] = {
        // §3: inet_tls_dist's own client check.
        {"[{server, [{verify_fun, {fun inet_tls_dist:verify_client/3, []}}]}]",
         "1:12: server option 'verify_fun': otpcpp cannot run Erlang verify funs, and ignoring "
         "one could admit peers that erl refuses"},
        {"[{server, [{crl_check, true}]}]",
         "1:24: server option 'crl_check': otpcpp cannot check CRLs, and ignoring the check "
         "would admit revoked certificates that erl refuses"},
        {"[{client, [{crl_check, peer}]}]",
         "1:24: client option 'crl_check': otpcpp cannot check CRLs, and ignoring the check "
         "would admit revoked certificates that erl refuses"},
        {"[{client, [{password, fun my_mod:pw/0}]}]",
         "1:23: client option 'password': otpcpp cannot call an Erlang fun for the password; "
         "give it as a string"},
        {"[{client, [{ciphers, [{ecdhe_rsa, aes_256_gcm, null, sha384}]}]}]",
         "1:23: client option 'ciphers': suite maps, tuples and binaries are not supported; "
         "write OpenSSL or RFC names such as \"ECDHE-RSA-AES256-GCM-SHA384\", found "
         "{ecdhe_rsa,aes_256_gcm,null,sha384}"},
        {"[{client, [{ciphers, [<<19,2>>]}]}]",
         "1:23: client option 'ciphers': suite maps, tuples and binaries are not supported; "
         "write OpenSSL or RFC names such as \"ECDHE-RSA-AES256-GCM-SHA384\", found "
         "<<19,2>>"},
        {"[{server, [{versions, ['tlsv1.1', tlsv1]}]}]",
         "1:23: server option 'versions': otpcpp speaks only 'tlsv1.2' and 'tlsv1.3'"},
    };
    for (const unsupported_case& c : cases) {
        const auto w = read_fail(c.text);
        EXPECT_EQ(w.code, tls_errc::unsupported) << c.text;
        EXPECT_EQ(w.message, c.message);
    }
}

// --- files ---------------------------------------------------------------------------

namespace {

// A scratch directory removed at the end of the test.
class TlsOptionFiles : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("otpcpp_tls_options_test_" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::filesystem::path write(const std::string& name, std::string_view text) {
        const std::filesystem::path p = dir_ / name;
        std::ofstream(p, std::ios::binary) << text;
        return p;
    }
    std::filesystem::path dir_;
};

}  // namespace

TEST_F(TlsOptionFiles, LoadsTheWorkedExampleFromAFile) {
    const auto path = write("dist_tls.conf", worked_example);
    parse_error_info where;
    auto r = load_ssl_dist_optfile(path, where);
    ASSERT_TRUE(r) << where.message;
    EXPECT_TRUE(*r == read_ok(worked_example));
    expect_same(*r->server, example_server());
}

TEST_F(TlsOptionFiles, ErrorsInAFileStartWithItsPath) {
    const auto path = write("bad.conf", "[{server, [{depth, 300}]}].");
    parse_error_info where;
    auto r = load_ssl_dist_optfile(path, where);
    EXPECT_EQ(r.error(), tls_errc::bad_value);
    EXPECT_EQ(where.code, tls_errc::bad_value);
    EXPECT_EQ(where.line, 1);
    EXPECT_EQ(where.column, 20);
    EXPECT_EQ(
        where.message,
        path.string() + ":1:20: server option 'depth': expected an integer 0..255, found 300");
    const auto syntax = write("syntax.conf", "[{server, []}");
    r = load_ssl_dist_optfile(syntax, where);
    EXPECT_EQ(r.error(), tls_errc::syntax_error);
    EXPECT_EQ(where.message,
              syntax.string() + ":1:14: expected ',', '|' or ']' but found end of input");
}

TEST_F(TlsOptionFiles, UnreadableFiles) {
    parse_error_info where;
    const auto missing = dir_ / "missing.conf";
    auto r = load_ssl_dist_optfile(missing, where);
    EXPECT_EQ(r.error(), tls_errc::file_error);
    EXPECT_EQ(where.code, tls_errc::file_error);
    EXPECT_EQ(where.line, 0);
    EXPECT_EQ(where.column, 0);
    EXPECT_EQ(where.message, missing.string() + ": cannot read: No such file or directory");
    r = load_ssl_dist_optfile(dir_, where);
    EXPECT_EQ(r.error(), tls_errc::file_error);
    EXPECT_EQ(where.message, dir_.string() + ": cannot read: Is a directory");
}

// --- the error category ----------------------------------------------------------------

TEST(TlsErrors, CategoryAndMessages) {
    EXPECT_STREQ(tls_category().name(), "otp.tls");
    const std::error_code ec = tls_errc::unknown_option;
    EXPECT_EQ(ec.category(), tls_category());
    EXPECT_EQ(ec.value(), 4);
    const std::pair<tls_errc, const char*> messages[] = {
        {tls_errc::syntax_error, "TLS option file is not an Erlang term"},
        {tls_errc::not_literal, "TLS option file holds an expression, not a literal term"},
        {tls_errc::bad_structure, "TLS option file is not [{server, Opts}, {client, Opts}]"},
        {tls_errc::unknown_option, "unknown TLS option"},
        {tls_errc::wrong_role, "TLS option given for the wrong role"},
        {tls_errc::bad_value, "invalid TLS option value"},
        {tls_errc::duplicate, "TLS option given twice"},
        {tls_errc::incompatible_options, "incompatible TLS options"},
        {tls_errc::unsupported, "TLS option not supported by otpcpp"},
        {tls_errc::file_error, "TLS option file cannot be read"},
    };
    for (const auto& [e, text] : messages)
        EXPECT_EQ(make_error_code(e).message(), text);
    EXPECT_EQ(std::error_code(99, tls_category()).message(), "unknown otp.tls error");
}

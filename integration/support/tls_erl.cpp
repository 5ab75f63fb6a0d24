// Option files and command lines for erl nodes with TLS distribution.
#include "support/tls_erl.hpp"

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <utility>

#include "support/process.hpp"

namespace otp::itest {

namespace fs = std::filesystem;

std::string erlang_string(std::string_view s) {
    std::string out = "\"";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 0x20 || c >= 0x7F) {
            // Octal escapes keep the file 7-bit, whatever encoding erl reads it with.
            out += '\\';
            out += static_cast<char>('0' + ((c >> 6) & 7));
            out += static_cast<char>('0' + ((c >> 3) & 7));
            out += static_cast<char>('0' + (c & 7));
        } else {
            out += ch;
        }
    }
    return out + "\"";
}

std::string erlang_atom(std::string_view s) {
    std::string out = "'";
    for (const char ch : s) {
        if (ch == '\'' || ch == '\\') out += '\\';
        out += ch;
    }
    return out + "'";
}

erl_tls_options mutual_tls(const issued_cert& node_cert, const fs::path& ca_pem) {
    erl_tls_side side;
    side.certfile = node_cert.cert;
    side.keyfile = node_cert.key;
    side.password = node_cert.key_password;
    side.cacertfile = ca_pem;
    erl_tls_options o;
    o.server = side;
    o.client = side;
    return o;
}

void set_versions(erl_tls_options& o, const std::vector<std::string>& versions) {
    o.server.versions = versions;
    o.client.versions = versions;
}

namespace {

std::string boolean(bool b) {
    return b ? "true" : "false";
}

// The `{Key, Value}` entries of one list, in the order of the facts sheet's example.
std::vector<std::string> side_entries(const erl_tls_side& s,
                                      const std::optional<bool>& fail_if_no_peer_cert) {
    std::vector<std::string> e;
    const auto path = [&](const char* key, const fs::path& p) {
        if (!p.empty())
            e.push_back(std::string("{") + key + ", " + erlang_string(p.string()) + "}");
    };
    path("certfile", s.certfile);
    path("keyfile", s.keyfile);
    if (!s.password.empty()) e.push_back("{password, " + erlang_string(s.password) + "}");
    path("cacertfile", s.cacertfile);
    if (!s.verify.empty()) e.push_back("{verify, " + erlang_atom(s.verify) + "}");
    if (fail_if_no_peer_cert)
        e.push_back("{fail_if_no_peer_cert, " + boolean(*fail_if_no_peer_cert) + "}");
    if (s.secure_renegotiate)
        e.push_back("{secure_renegotiate, " + boolean(*s.secure_renegotiate) + "}");
    if (s.depth) e.push_back("{depth, " + std::to_string(*s.depth) + "}");
    if (!s.versions.empty()) {
        std::string v = "{versions, [";
        for (std::size_t i = 0; i < s.versions.size(); ++i)
            v += (i == 0 ? "" : ", ") + erlang_atom(s.versions[i]);
        e.push_back(v + "]}");
    }
    e.insert(e.end(), s.extra.begin(), s.extra.end());
    return e;
}

// `{Tag,\n  [E1,\n   E2]}`: one option a line, so a failing test's log shows the file
// readably.
std::string side_text(const char* tag, const std::vector<std::string>& entries) {
    std::string t = std::string("{") + tag + ",\n  [";
    for (std::size_t i = 0; i < entries.size(); ++i)
        t += (i == 0 ? "" : ",\n   ") + entries[i];
    return t + "]}";
}

}  // namespace

std::string ssl_dist_optfile_text(const erl_tls_options& o) {
    return "[" + side_text("server", side_entries(o.server, o.fail_if_no_peer_cert)) + ",\n " +
           side_text("client", side_entries(o.client, std::nullopt)) + "].\n";
}

fs::path write_ssl_dist_optfile(const erl_tls_options& o, const fs::path& file) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << ssl_dist_optfile_text(o);
    out.close();
    if (!out) throw std::runtime_error("cannot write " + file.string());
    return file;
}

std::vector<std::string> erl_tls_flags(const fs::path& optfile) {
    return {"-proto_dist", "inet_tls", "-ssl_dist_optfile", optfile.string()};
}

std::vector<std::string> erl_tls_args(const std::string& sname, const std::string& cookie,
                                      const fs::path& optfile, std::vector<std::string> extra) {
    std::vector<std::string> flags = erl_tls_flags(optfile);
    flags.insert(flags.end(), std::make_move_iterator(extra.begin()),
                 std::make_move_iterator(extra.end()));
    return erl_args(sname, cookie, std::move(flags));
}

}  // namespace otp::itest

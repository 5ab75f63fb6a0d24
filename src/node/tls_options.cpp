// Reader of the `-ssl_dist_optfile` format (docs: tls-dist.md §2 and §3) and the "otp.tls"
// error category. Pure: it reads text and builds values; only load_ssl_dist_optfile
// touches the file system.
#include "otp/tls_options.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <utility>

#include "otp/convert.hpp"
#include "term/scan.hpp"

namespace otp {
namespace {

class tls_category_impl final : public std::error_category {
  public:
    const char* name() const noexcept override { return "otp.tls"; }
    std::string message(int ev) const override {
        switch (static_cast<tls_errc>(ev)) {
            case tls_errc::syntax_error:
                return "TLS option file is not an Erlang term";
            case tls_errc::not_literal:
                return "TLS option file holds an expression, not a literal term";
            case tls_errc::bad_structure:
                return "TLS option file is not [{server, Opts}, {client, Opts}]";
            case tls_errc::unknown_option:
                return "unknown TLS option";
            case tls_errc::wrong_role:
                return "TLS option given for the wrong role";
            case tls_errc::bad_value:
                return "invalid TLS option value";
            case tls_errc::duplicate:
                return "TLS option given twice";
            case tls_errc::incompatible_options:
                return "incompatible TLS options";
            case tls_errc::unsupported:
                return "TLS option not supported by otpcpp";
            case tls_errc::file_error:
                return "TLS option file cannot be read";
            case tls_errc::bad_credentials:
                return "TLS certificate, key or CA file cannot be loaded";
            case tls_errc::handshake_failed:
                return "TLS handshake failed";
            case tls_errc::handshake_timeout:
                return "TLS handshake timed out";
            case tls_errc::not_tls:
                return "the peer does not speak TLS";
            case tls_errc::protocol_version:
                return "no TLS version both sides accept";
            case tls_errc::unknown_ca:
                return "TLS certificate from an unknown CA";
            case tls_errc::certificate_expired:
                return "TLS certificate expired or not yet valid";
            case tls_errc::bad_certificate_usage:
                return "TLS certificate not valid for its role (extended key usage)";
            case tls_errc::bad_certificate:
                return "TLS certificate refused";
            case tls_errc::hostname_mismatch:
                return "TLS server certificate does not name the dialled host";
            case tls_errc::no_peer_certificate:
                return "TLS peer sent no certificate";
            case tls_errc::node_name_mismatch:
                return "TLS certificate does not name the peer node's host";
        }
        return "unknown otp.tls error";
    }
};

using detail::text::tok;
using detail::text::token;

// Where a part of the term sits: the indexes of list or tuple elements leading to it
// from the top-level term ({} is the whole term).
using term_path = std::vector<std::size_t>;

// The parser folds literal terms into values without positions, so positions are
// found again by walking the tokens along a term_path. This runs only for an error or
// an ignored option, and only on text that parsed, so the brackets are balanced.
class locator {
  public:
    explicit locator(std::string_view text) : text_(text) {}

    // Line and column of the first token of the part at `path`; where a step cannot be
    // followed (e.g. into a string literal), the position reached so far.
    std::pair<int, int> at(const term_path& path) {
        scan();
        std::size_t i = skip_parens(0);
        for (const std::size_t want : path) {
            if (i >= toks_.size() || !(toks_[i].is("[") || toks_[i].is("{"))) break;
            std::size_t j = skip_parens(i + 1);
            for (std::size_t k = 0; k < want && j < toks_.size(); ++k) {
                j = skip_element(j);
                if (j >= toks_.size() || !toks_[j].is(",")) break;
                j = skip_parens(j + 1);
            }
            if (j >= toks_.size() || is_closer(toks_[j])) break;
            i = j;
        }
        if (i >= toks_.size()) return {0, 0};
        return {toks_[i].line, toks_[i].col};
    }

    // The token starting at line:column, if any.
    const token* token_at(int line, int column) {
        scan();
        for (std::size_t i = 0; i < toks_.size(); ++i)
            if (toks_[i].line == line && toks_[i].col == column) return &toks_[i];
        return nullptr;
    }
    // The token before `t` (which must come from token_at), if any.
    const token* before(const token* t) const {
        return t != nullptr && t != toks_.data() ? t - 1 : nullptr;
    }

  private:
    static bool is_opener(const token& t) {
        return t.is("[") || t.is("{") || t.is("(") || t.is("<<");
    }
    static bool is_closer(const token& t) {
        return t.is("]") || t.is("}") || t.is(")") || t.is(">>");
    }

    void scan() {
        if (scanned_) return;
        scanned_ = true;
        detail::text::scanner sc(text_);
        for (token t = sc.next(); t.kind != tok::eof && t.kind != tok::error; t = sc.next())
            toks_.push_back(std::move(t));
    }
    std::size_t skip_parens(std::size_t i) const {
        while (i < toks_.size() && toks_[i].is("("))
            ++i;
        return i;
    }
    // The index of the ',' , '|' or closing bracket that ends the element starting at i.
    std::size_t skip_element(std::size_t i) const {
        int depth = 0;
        for (; i < toks_.size(); ++i) {
            const token& t = toks_[i];
            if (is_opener(t)) {
                ++depth;
            } else if (is_closer(t)) {
                if (depth == 0) return i;
                --depth;
            } else if (depth == 0 && (t.is(",") || t.is("|"))) {
                return i;
            }
        }
        return i;
    }

    std::string_view text_;
    bool scanned_ = false;
    std::vector<token> toks_;
};

// Thrown inside the reader and turned into parse_error_info at its boundary.
struct read_failure {
    tls_errc code;
    term_path path;
    std::string message;
};

// A value for a message, on one line and cut short.
std::string show(const term& t) {
    print_options po;
    po.line_width = 0;
    std::string s = to_string(t, po);
    constexpr std::size_t max = 60;
    if (s.size() > max) s = s.substr(0, max - 3) + "...";
    return s;
}

std::string_view atom_name(const term& t) {
    return t.is_atom() ? t.raw_atom().name() : std::string_view{};
}

// An Erlang string (a proper list of code points) or a binary, as UTF-8 or raw bytes.
std::optional<std::string> as_text(const term& t) {
    if (t.is_bitstring() && !t.is_binary()) return std::nullopt;
    auto s = from_term<std::string>(t);
    if (!s) return std::nullopt;
    return std::move(s).value();
}

constexpr std::uint32_t max_renegotiate_at = std::uint32_t{1} << 28;  // ssl's cap (2^28)

// Which role lists an option may appear in.
enum class roles : std::uint8_t { both, server_only, client_only };

// Everything one option handler needs to know about where it is.
struct option_at {
    tls_role role;
    std::string_view name;
    term_path path;  // of the {Name, Value} tuple
    term_path value_path() const {
        term_path p = path;
        p.push_back(1);
        return p;
    }
};

// What the file said about version-dependent options, for ssl's dependency checks,
// which look at the versions as written (before otpcpp drops tlsv1 and tlsv1.1).
struct version_facts {
    bool given = false;     // a versions option was present
    bool pre_1_3 = false;   // it named tlsv1, tlsv1.1 or tlsv1.2
    bool has_1_2 = false;   // it named tlsv1.2
    bool has_1_3 = false;   // it named tlsv1.3
    std::size_t count = 0;  // its length
    term_path path;         // of the versions option
};

class reader {
  public:
    explicit reader(std::string_view text) : loc_(text) {}

    tls_options read(const term& root) {
        tls_options out;
        out_ = &out;
        if (!root.is_list() || !root.as_list()->is_proper())
            fail(tls_errc::bad_structure, {},
                 "expected a list [{server, Opts}, {client, Opts}], found " + show(root));
        std::size_t i = 0;
        for (const term& entry : *root.as_list()) {
            read_role(entry, term_path{i});
            ++i;
        }
        return out;
    }

    locator& positions() { return loc_; }

  private:
    using handler = void (reader::*)(const option_at&, const term&, tls_role_options&);
    struct option_spec {
        std::string_view name;
        roles where;
        handler handle;
    };
    // Every option otpcpp reads, sorted by name (the unknown-option message lists them).
    static const std::array<option_spec, 28>& specs();

    [[noreturn]] void fail(tls_errc code, term_path path, std::string message) {
        throw read_failure{code, std::move(path), std::move(message)};
    }
    [[noreturn]] void bad_value(const option_at& at, const std::string& expected,
                                const term& found) {
        fail(tls_errc::bad_value, at.value_path(),
             prefix(at) + "expected " + expected + ", found " + show(found));
    }
    static std::string prefix(const option_at& at) {
        return std::string(to_string(at.role)) + " option '" + std::string(at.name) + "': ";
    }
    void ignore(const option_at& at, std::string reason) {
        const auto [line, column] = loc_.at(at.path);
        out_->ignored.push_back({at.role, std::string(at.name), std::move(reason), line, column});
    }

    void read_role(const term& entry, const term_path& path) {
        auto elems = entry.as_tuple();
        if (!elems || elems->size() != 2 || !(*elems)[0].is_atom())
            fail(tls_errc::bad_structure, path,
                 "expected {server, Opts} or {client, Opts}, found " + show(entry));
        const std::string_view key = atom_name((*elems)[0]);
        std::optional<tls_role_options>* slot = nullptr;
        tls_role role = tls_role::server;
        if (key == "server") {
            slot = &out_->server;
        } else if (key == "client") {
            slot = &out_->client;
            role = tls_role::client;
        } else {
            fail(tls_errc::bad_structure, path,
                 "expected {server, Opts} or {client, Opts}, found the list name '" +
                     std::string(key) + "'");
        }
        if (slot->has_value())
            fail(tls_errc::duplicate, path, "the " + std::string(key) + " list is given twice");
        const term& opts = (*elems)[1];
        term_path opts_path = path;
        opts_path.push_back(1);
        if (!opts.is_list() || !opts.as_list()->is_proper())
            fail(tls_errc::bad_structure, opts_path,
                 "the " + std::string(key) + " options must be a list, found " + show(opts));
        *slot = read_options(role, opts, opts_path);
    }

    tls_role_options read_options(tls_role role, const term& opts, const term_path& path) {
        tls_role_options o;
        std::vector<std::pair<std::string_view, term_path>> seen;
        versions_ = version_facts{};
        std::size_t i = 0;
        for (const term& opt : *opts.as_list()) {
            term_path p = path;
            p.push_back(i++);
            read_option(role, opt, std::move(p), o, seen);
        }
        check_role(role, o, seen);
        return o;
    }

    void read_option(tls_role role, const term& opt, term_path path, tls_role_options& o,
                     std::vector<std::pair<std::string_view, term_path>>& seen) {
        const std::string list = std::string(to_string(role)) + " list";
        // ssl accepts a few bare atoms (binary, list, inet, inet6) and {raw, P, O, V}: all
        // socket options, which the distribution sets itself.
        if (opt.is_atom() ||
            (opt.is_tuple() && opt.size() == 4 && atom_name(*opt.element(0)) == "raw")) {
            const std::string_view name = opt.is_atom() ? atom_name(opt) : "raw";
            if (name == "binary" || name == "list" || name == "inet" || name == "inet6" ||
                name == "raw") {
                ignore({role, name, path}, socket_option_reason);
                return;
            }
            fail(tls_errc::bad_structure, path,
                 list + ": expected {Name, Value}, found the bare atom " + show(opt));
        }
        auto elems = opt.as_tuple();
        if (!elems || elems->size() != 2 || !(*elems)[0].is_atom())
            fail(tls_errc::bad_structure, path,
                 list + ": expected {Name, Value}, found " + show(opt));
        const std::string_view name = atom_name((*elems)[0]);
        const auto& table = specs();
        const auto spec = std::find_if(table.begin(), table.end(),
                                       [&](const option_spec& s) { return s.name == name; });
        if (spec == table.end()) {
            std::string known;
            for (const option_spec& s : table)
                known += (known.empty() ? "" : ", ") + std::string(s.name);
            fail(
                tls_errc::unknown_option, path,
                std::string(to_string(role)) + " option '" + std::string(name) +
                    "' is unknown to otpcpp (OTP 26 refuses unknown options too); known: " + known);
        }
        const option_at at{role, spec->name, path};
        for (const auto& [n, p] : seen)
            if (n == spec->name) fail(tls_errc::duplicate, path, prefix(at) + "given twice");
        if ((spec->where == roles::server_only && role == tls_role::client) ||
            (spec->where == roles::client_only && role == tls_role::server)) {
            // OTP 25 ignores such options silently, OTP 26 refuses them (erlang/otp#7497
            // for fail_if_no_peer_cert in a client list).
            const std::string other(role == tls_role::client ? "server" : "client");
            fail(tls_errc::wrong_role, path,
                 prefix(at) + "is a " + other + "-only option; move it to the " + other + " list");
        }
        seen.emplace_back(spec->name, path);
        (this->*spec->handle)(at, (*elems)[1], o);
    }

    // The checks ssl makes across options (ssl.erl handle_verify_option,
    // assert_option_dependency, tls_validate_version_gap), so that a file erl refuses
    // is refused here too.
    void check_role(tls_role role, const tls_role_options& o,
                    const std::vector<std::pair<std::string_view, term_path>>& seen) {
        const auto where = [&](std::string_view name) {
            for (const auto& [n, p] : seen)
                if (n == name) return p;
            return term_path{};
        };
        const std::string r(to_string(role));
        if (o.verify == tls_verify::verify_none && o.fail_if_no_peer_cert == true)
            fail(tls_errc::incompatible_options, where("fail_if_no_peer_cert"),
                 r + " options: {fail_if_no_peer_cert, true} contradicts {verify, verify_none}");
        if (o.verify == tls_verify::verify_peer && o.cacertfile.empty() && o.cacerts.empty())
            fail(tls_errc::incompatible_options, where("verify"),
                 r + " options: {verify, verify_peer} needs cacertfile or cacerts to check "
                     "the peer against");
        const version_facts& v = versions_;
        if (v.given && v.has_1_3 && v.count >= 2 && !v.has_1_2)
            fail(tls_errc::incompatible_options, v.path,
                 r + " option 'versions': 'tlsv1.3' with an older version needs 'tlsv1.2' too");
        for (const std::string_view name : {"secure_renegotiate", "reuse_sessions"})
            if (v.given && !v.pre_1_3 && !where(name).empty())
                fail(tls_errc::incompatible_options, where(name),
                     r + " option '" + std::string(name) +
                         "' applies to TLS 1.2 only, but versions has no 'tlsv1.2'");
        if (o.key_update_at && !v.has_1_3)
            fail(tls_errc::incompatible_options, where("key_update_at"),
                 r + " option 'key_update_at' applies to TLS 1.3 only, but " +
                     (v.given ? std::string("versions has no 'tlsv1.3'")
                              : std::string("versions is not given (inet_tls_dist then uses "
                                            "['tlsv1.2'])")));
    }

    // --- option handlers ------------------------------------------------------------

    void path_option(const option_at& at, const term& v, std::string& out) {
        auto s = as_text(v);
        if (!s || s->empty()) bad_value(at, "a file name (a non-empty string or binary)", v);
        out = std::move(*s);
    }
    void certfile(const option_at& at, const term& v, tls_role_options& o) {
        path_option(at, v, o.certfile);
    }
    void keyfile(const option_at& at, const term& v, tls_role_options& o) {
        path_option(at, v, o.keyfile);
    }
    void cacertfile(const option_at& at, const term& v, tls_role_options& o) {
        path_option(at, v, o.cacertfile);
    }
    void dhfile(const option_at& at, const term& v, tls_role_options& o) {
        path_option(at, v, o.dhfile);
    }

    void password(const option_at& at, const term& v, tls_role_options& o) {
        if (v.is_fun())
            fail(tls_errc::unsupported, at.value_path(),
                 prefix(at) +
                     "otpcpp cannot call an Erlang fun for the password; give it "
                     "as a string");
        auto s = as_text(v);
        if (!s) bad_value(at, "a string or binary", v);
        o.password = std::move(*s);
    }

    void cacerts(const option_at& at, const term& v, tls_role_options& o) {
        if (!v.is_list() || !v.as_list()->is_proper())
            bad_value(at, "a list of DER certificates (binaries)", v);
        std::size_t i = 0;
        for (const term& c : *v.as_list()) {
            auto b = c.as_binary();
            if (!b || !b->is_binary() || b->bytes.empty()) {
                term_path p = at.value_path();
                p.push_back(i);
                fail(tls_errc::bad_value, std::move(p),
                     prefix(at) + "expected a DER certificate (a non-empty binary), found " +
                         show(c));
            }
            o.cacerts.emplace_back(b->bytes.begin(), b->bytes.end());
            ++i;
        }
    }

    void verify(const option_at& at, const term& v, tls_role_options& o) {
        const std::string_view a = atom_name(v);
        if (a == "verify_none")
            o.verify = tls_verify::verify_none;
        else if (a == "verify_peer")
            o.verify = tls_verify::verify_peer;
        else
            bad_value(at, "verify_none or verify_peer", v);
    }

    bool boolean(const option_at& at, const term& v) {
        auto b = v.as_bool();
        if (!b) bad_value(at, "true or false", v);
        return *b;
    }
    void fail_if_no_peer_cert(const option_at& at, const term& v, tls_role_options& o) {
        o.fail_if_no_peer_cert = boolean(at, v);
    }

    void versions(const option_at& at, const term& v, tls_role_options& o) {
        if (!v.is_list() || !v.as_list()->is_proper())
            bad_value(at, "a list of versions such as ['tlsv1.3', 'tlsv1.2']", v);
        if (v.is_nil()) bad_value(at, "at least one version", v);
        version_facts& f = versions_;
        f.given = true;
        f.path = at.path;
        std::vector<std::string> dropped;
        std::size_t i = 0;
        for (const term& e : *v.as_list()) {
            const std::string_view a = atom_name(e);
            ++f.count;
            if (a == "tlsv1.2" || a == "tlsv1.3") {
                const tls_version ver =
                    a == "tlsv1.2" ? tls_version::tlsv1_2 : tls_version::tlsv1_3;
                (ver == tls_version::tlsv1_2 ? f.has_1_2 : f.has_1_3) = true;
                if (ver == tls_version::tlsv1_2) f.pre_1_3 = true;
                if (std::find(o.versions.begin(), o.versions.end(), ver) == o.versions.end())
                    o.versions.push_back(ver);
            } else if (a == "tlsv1" || a == "tlsv1.1") {
                f.pre_1_3 = true;
                dropped.emplace_back(a);
            } else {
                term_path p = at.value_path();
                p.push_back(i);
                fail(tls_errc::bad_value, std::move(p),
                     prefix(at) + "expected 'tlsv1.2' or 'tlsv1.3', found " + show(e));
            }
            ++i;
        }
        std::sort(o.versions.begin(), o.versions.end());
        if (o.versions.empty())
            fail(tls_errc::unsupported, at.value_path(),
                 prefix(at) + "otpcpp speaks only 'tlsv1.2' and 'tlsv1.3'");
        for (const std::string& d : dropped)
            ignore(at, "'" + d +
                           "' is not offered: otpcpp speaks TLS 1.2 and 1.3 only (OpenSSL 3 "
                           "refuses older versions by default)");
    }

    void ciphers(const option_at& at, const term& v, tls_role_options& o) {
        // ssl takes "A:B", ["A", "B"], binary suite codes, or suite maps and tuples;
        // otpcpp hands names to OpenSSL, so only the first two forms.
        if (!v.is_list() || !v.as_list()->is_proper())
            bad_value(at, "cipher suite names as \"A:B\" or [\"A\", \"B\"]", v);
        if (v.is_nil()) return;  // [] (also "") means the defaults
        std::vector<std::string> names;
        if (auto flat = as_text(v)) {
            std::size_t start = 0;
            while (start <= flat->size()) {
                const std::size_t colon = std::min(flat->find(':', start), flat->size());
                if (colon > start) names.push_back(flat->substr(start, colon - start));
                start = colon + 1;
            }
        } else {
            std::size_t i = 0;
            for (const term& e : *v.as_list()) {
                auto s = e.is_list() ? as_text(e) : std::nullopt;
                if (!s || s->empty()) {
                    term_path p = at.value_path();
                    p.push_back(i);
                    const bool erlang_form = e.is_map() || e.is_tuple() || e.is_binary();
                    fail(erlang_form ? tls_errc::unsupported : tls_errc::bad_value, std::move(p),
                         prefix(at) +
                             (erlang_form ? "suite maps, tuples and binaries are not supported; "
                                            "write OpenSSL or RFC names such as "
                                            "\"ECDHE-RSA-AES256-GCM-SHA384\", found "
                                          : "expected a cipher suite name (a string), found ") +
                             show(e));
                }
                names.push_back(std::move(*s));
                ++i;
            }
        }
        if (names.empty()) bad_value(at, "cipher suite names", v);
        o.ciphers = std::move(names);
    }

    void depth(const option_at& at, const term& v, tls_role_options& o) {
        auto d = v.as_int<int>();
        if (!d || *d < 0 || *d > 255) bad_value(at, "an integer 0..255", v);
        o.depth = *d;
    }

    void server_name_indication(const option_at& at, const term& v, tls_role_options& o) {
        if (atom_name(v) == "disable") {
            o.server_name_indication_disabled = true;
            return;
        }
        auto s = v.is_list() ? as_text(v) : std::nullopt;
        if (!s || s->empty()) bad_value(at, "a host name (a non-empty string) or disable", v);
        o.server_name_indication = std::move(*s);
    }

    void secure_renegotiate(const option_at& at, const term& v, tls_role_options& o) {
        o.secure_renegotiate = boolean(at, v);
        if (!*o.secure_renegotiate)
            ignore(at,
                   "OpenSSL 3 always insists on RFC 5746 secure renegotiation (every OTP "
                   "node supports it)");
    }

    void reuse_sessions(const option_at& at, const term& v, tls_role_options& o) {
        if (atom_name(v) == "save")
            o.reuse_sessions = true;
        else if (auto b = v.as_bool())
            o.reuse_sessions = *b;
        else
            bad_value(at, "true, false or save", v);
        if (*o.reuse_sessions)
            ignore(at,
                   "otpcpp does not resume TLS sessions: every connection runs a full "
                   "handshake");
    }

    void renegotiate_at(const option_at& at, const term& v, tls_role_options& o) {
        auto n = v.as_big_int();
        if (!n || *n < 0) bad_value(at, "a non-negative integer", v);
        o.renegotiate_at =
            *n > max_renegotiate_at ? max_renegotiate_at : n->convert_to<std::uint32_t>();
        ignore(at, "otpcpp never starts a TLS 1.2 renegotiation; it follows the peer's");
    }

    void key_update_at(const option_at& at, const term& v, tls_role_options& o) {
        auto n = v.as_int<std::uint64_t>();
        if (!n || *n == 0) bad_value(at, "a positive integer", v);
        o.key_update_at = *n;
        ignore(at, "otpcpp never starts a TLS 1.3 key update; it answers the peer's");
    }

    void hibernate_after(const option_at& at, const term& v, tls_role_options&) {
        auto n = v.as_int<std::uint64_t>();
        if (!n && atom_name(v) != "infinity")
            bad_value(at, "a non-negative integer or infinity", v);
        ignore(at, "an Erlang process setting: otpcpp has no TLS process to hibernate");
    }

    void crl_check(const option_at& at, const term& v, tls_role_options&) {
        const std::string_view a = atom_name(v);
        if (a == "false") return;
        if (a == "best_effort") {
            ignore(at,
                   "otpcpp has no CRL source, and best_effort accepts a certificate "
                   "whose CRL cannot be found");
            return;
        }
        if (a == "true" || a == "peer")
            fail(tls_errc::unsupported, at.value_path(),
                 prefix(at) +
                     "otpcpp cannot check CRLs, and ignoring the check would admit "
                     "revoked certificates that erl refuses");
        bad_value(at, "true, false, peer or best_effort", v);
    }

    void crl_cache(const option_at& at, const term& v, tls_role_options&) {
        auto e = v.as_tuple();
        if (!e || e->size() != 2 || !(*e)[0].is_atom() || !(*e)[1].is_tuple() ||
            (*e)[1].size() != 2 || !(*e)[1].element(1)->is_list())
            bad_value(at, "{Module, {Handle, Options}}", v);
        ignore(at, "an OTP CRL cache module: otpcpp does not check CRLs");
    }

    void customize_hostname_check(const option_at& at, const term& v, tls_role_options&) {
        if (!v.is_list() || !v.as_list()->is_proper())
            bad_value(at, "a list such as [{match_fun, fun M:F/2}]", v);
        std::size_t i = 0;
        for (const term& e : *v.as_list()) {
            auto t = e.as_tuple();
            if (!t || t->size() != 2 || !(*t)[0].is_atom()) {
                term_path p = at.value_path();
                p.push_back(i);
                fail(tls_errc::bad_value, std::move(p),
                     prefix(at) + "expected {Name, Value}, found " + show(e));
            }
            ++i;
        }
        if (!v.is_nil())
            ignore(at,
                   "Erlang hostname match funs cannot run in otpcpp; its own hostname "
                   "check applies");
    }

    void verify_fun(const option_at& at, const term&, tls_role_options&) {
        // A verify fun may refuse peers that the chain check accepts (inet_tls_dist's
        // verify_client/3 does), so ignoring it could let in a peer erl keeps out.
        fail(tls_errc::unsupported, at.path,
             prefix(at) +
                 "otpcpp cannot run Erlang verify funs, and ignoring one could admit "
                 "peers that erl refuses");
    }

    void ktls(const option_at& at, const term& v, tls_role_options&) {
        if (boolean(at, v))
            ignore(at, "no kernel TLS offload in otpcpp (the bytes on the wire are the same)");
    }

    void socket_option(const option_at& at, const term&, tls_role_options&) {
        ignore(at, socket_option_reason);
    }

    static constexpr const char* socket_option_reason =
        "a socket option, which the distribution sets itself (packet 4, binary, active "
        "false, nodelay); erl may break with it";

    locator loc_;
    tls_options* out_ = nullptr;
    version_facts versions_;
};

const std::array<reader::option_spec, 28>& reader::specs() {
    static const std::array<option_spec, 28> table = {{
        {"active", roles::both, &reader::socket_option},
        {"cacertfile", roles::both, &reader::cacertfile},
        {"cacerts", roles::both, &reader::cacerts},
        {"certfile", roles::both, &reader::certfile},
        {"ciphers", roles::both, &reader::ciphers},
        {"crl_cache", roles::both, &reader::crl_cache},
        {"crl_check", roles::both, &reader::crl_check},
        {"customize_hostname_check", roles::client_only, &reader::customize_hostname_check},
        {"deliver", roles::both, &reader::socket_option},
        {"depth", roles::both, &reader::depth},
        {"dhfile", roles::server_only, &reader::dhfile},
        {"erl_dist", roles::both, &reader::socket_option},
        {"fail_if_no_peer_cert", roles::server_only, &reader::fail_if_no_peer_cert},
        {"hibernate_after", roles::both, &reader::hibernate_after},
        {"key_update_at", roles::both, &reader::key_update_at},
        {"keyfile", roles::both, &reader::keyfile},
        {"ktls", roles::both, &reader::ktls},
        {"mode", roles::both, &reader::socket_option},
        {"nodelay", roles::both, &reader::socket_option},
        {"packet", roles::both, &reader::socket_option},
        {"password", roles::both, &reader::password},
        {"renegotiate_at", roles::both, &reader::renegotiate_at},
        {"reuse_sessions", roles::both, &reader::reuse_sessions},
        {"secure_renegotiate", roles::both, &reader::secure_renegotiate},
        {"server_name_indication", roles::client_only, &reader::server_name_indication},
        {"verify", roles::both, &reader::verify},
        {"verify_fun", roles::both, &reader::verify_fun},
        {"versions", roles::both, &reader::versions},
    }};
    return table;
}

// A syntax error at a call, an operator or a fun means the file is an expression that
// erl evaluates (the facts sheet §2: erl_eval), not a malformed term.
bool is_expression_error(locator& loc, const parse_error_info& err) {
    if (err.code == term_errc::not_literal) return true;
    const token* t = loc.token_at(err.line, err.column);
    if (t == nullptr) return false;
    if (t->kind == tok::keyword) return true;  // fun, case, begin, div, ...
    const token* prev = loc.before(t);
    if (prev != nullptr && prev->kind == tok::keyword) return true;
    for (const char* op : {"(", ":", "+", "-", "*", "/", "++", "--", "#"})
        if (t->is(op)) return true;
    return false;
}

}  // namespace

const std::error_category& tls_category() noexcept {
    static const tls_category_impl cat;
    return cat;
}

std::string_view to_string(tls_role r) noexcept {
    return r == tls_role::server ? "server" : "client";
}

std::string_view to_string(tls_version v) noexcept {
    return v == tls_version::tlsv1_2 ? "tlsv1.2" : "tlsv1.3";
}

result<tls_options> read_ssl_dist_optfile(std::string_view text, parse_error_info& where) {
    reader r(text);
    auto root = parse(text, where);
    if (!root) {
        if (is_expression_error(r.positions(), where)) {
            where.code = tls_errc::not_literal;
            where.message +=
                " (otpcpp reads the option file as a literal term; erl evaluates it, so calls, "
                "operators and funs other than fun M:F/A work only there)";
        } else {
            where.code = tls_errc::syntax_error;
        }
        return where.code;
    }
    try {
        return r.read(*root);
    } catch (const read_failure& f) {
        const auto [line, column] = r.positions().at(f.path);
        where.code = f.code;
        where.line = line;
        where.column = column;
        where.message = std::to_string(line) + ":" + std::to_string(column) + ": " + f.message;
        return f.code;
    }
}

result<tls_options> read_ssl_dist_optfile(std::string_view text) {
    parse_error_info where;
    return read_ssl_dist_optfile(text, where);
}

result<tls_options> load_ssl_dist_optfile(const std::filesystem::path& path,
                                          parse_error_info& where) {
    const auto file_failed = [&](int err) {
        where = {};
        where.code = tls_errc::file_error;
        where.message = path.string() + ": cannot read: " + std::generic_category().message(err);
        return where.code;
    };
    errno = 0;
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"),
                                                            &std::fclose);
    if (!f) return file_failed(errno);
    std::string text;
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0)
        text.append(buf, n);
    // A directory opens but fails to read (EISDIR).
    if (std::ferror(f.get())) return file_failed(errno != 0 ? errno : EIO);
    auto options = read_ssl_dist_optfile(text, where);
    if (!options) where.message = path.string() + ":" + where.message;
    return options;
}

}  // namespace otp

// TLS settings for distribution over TLS, read from the file erl takes as
// `-ssl_dist_optfile`, so that one file configures `erl -proto_dist inet_tls` and otpcpp.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "otp/error.hpp"
#include "otp/text.hpp"

namespace otp {

/// Why TLS settings were refused (syntax_error .. file_error: reading an option file fills
/// parse_error_info with the code, the line and column and a message naming the option),
/// or why a TLS connection failed (handshake_failed and after: the connection ends with it).
enum class tls_errc {
    syntax_error = 1,  ///< the file is not an Erlang term (bad token, missing bracket, ...)
    not_literal,       ///< an expression erl would evaluate: a call, a variable, `fun(..) -> end`
    bad_structure,     ///< not `[{server, Opts}, {client, Opts}]`, or an option not `{Name, Value}`
    unknown_option,    ///< an option name otpcpp does not know (OTP 26+ refuses these too)
    wrong_role,        ///< a server-only option in the client list, or the reverse
    bad_value,         ///< an option's value has the wrong type or is out of range
    duplicate,         ///< a role list, or an option within one list, is given twice
    incompatible_options,  ///< options that contradict each other (ssl refuses them too)
    unsupported,           ///< a value otpcpp cannot apply and must not ignore (funs, CRL checks)
    file_error,            ///< the option file cannot be read
    bad_credentials,  ///< a certificate, key or CA file cannot be loaded (or key and cert differ)

    handshake_failed = 100,  ///< the TLS handshake failed (no common cipher, a bad message ...)
    handshake_timeout,       ///< the TLS handshake did not finish within net_setuptime
    not_tls,                 ///< the peer does not speak TLS (a plain-TCP node)
    protocol_version,        ///< no TLS version both sides accept
    unknown_ca,              ///< a certificate chain does not lead to a trusted CA (either side)
    certificate_expired,     ///< a certificate is out of its validity period (either side)
    bad_certificate_usage,   ///< a certificate lacks the key usage of its role (EKU)
    bad_certificate,         ///< a certificate was refused for another reason
    hostname_mismatch,       ///< the server's certificate does not name the dialled host
    no_peer_certificate,     ///< the client sent no certificate but one is required
    node_name_mismatch,      ///< verify_node_name: the certificate does not name the node's host
};
/// The category of tls_errc values; its name is "otp.tls".
const std::error_category& tls_category() noexcept;
/// Makes tls_errc usable as a std::error_code.
inline std::error_code make_error_code(tls_errc e) noexcept {
    return {static_cast<int>(e), tls_category()};
}

/// The `verify` option: whether the peer's certificate is checked.
enum class tls_verify : std::uint8_t {
    verify_none,  ///< any certificate (or, on a server, none) is accepted
    verify_peer,  ///< chain checked against the CA certificates; a client also checks the host
};

/// A TLS protocol version otpcpp speaks (OpenSSL 3 refuses older ones by default).
enum class tls_version : std::uint8_t {
    tlsv1_2,  ///< `'tlsv1.2'`, the only version inet_tls_dist offers by default in OTP 25
    tlsv1_3,  ///< `'tlsv1.3'`
};

/// The options of one role: `ServerOpts` (used when accepting) or `ClientOpts` (used when
/// dialling). An empty string, empty vector or nullopt means the option was not in the
/// file; the comment says what OTP 25 then does, the transport chooses otpcpp's default.
struct tls_role_options {
    /// `certfile`: PEM file with this node's certificate first, then intermediates (it may
    /// also hold the key). Without a certificate a server refuses every connection.
    std::string certfile;
    /// `keyfile`: PEM file with the private key; absent: the key is read from certfile.
    std::string keyfile;
    /// `password`: passphrase of an encrypted key; absent: the key is not encrypted.
    std::optional<std::string> password;
    /// `cacertfile`: PEM file of the CAs trusted for the peer's certificate.
    std::string cacertfile;
    /// `cacerts`: trusted CA certificates given inline, each DER bytes (`<<48,130,...>>`);
    /// used together with cacertfile.
    std::vector<std::vector<std::uint8_t>> cacerts;
    /// `verify`: absent means verify_none in OTP 25 (verify_peer from OTP 26).
    std::optional<tls_verify> verify;
    /// `fail_if_no_peer_cert` (server only): refuse a client without a certificate. OTP 25
    /// defaults to false, so verify_peer alone still admits a client with no certificate.
    std::optional<bool> fail_if_no_peer_cert;
    /// `versions` in ascending order, without duplicates; empty: not given (inet_tls_dist
    /// then offers only TLS 1.2). `tlsv1` and `tlsv1.1` are dropped and listed in
    /// tls_options::ignored.
    std::vector<tls_version> versions;
    /// `ciphers`: suite names in the file's order, OpenSSL names
    /// (`ECDHE-RSA-AES256-GCM-SHA384`) or RFC names (`TLS_AES_256_GCM_SHA384`), from
    /// `"A:B"` or `["A", "B"]`; empty: the library defaults.
    std::vector<std::string> ciphers;
    /// `depth`: longest chain below the trust anchor, 0..255 (OTP's default is 10).
    std::optional<int> depth;
    /// `server_name_indication` (client only) as a host name; absent: the host part of the
    /// dialled node name, which inet_tls_dist sends (OTP 25 sends it even when this option
    /// is set; newer OTP lets the option win).
    std::optional<std::string> server_name_indication;
    /// `{server_name_indication, disable}`: send no SNI (OTP still checks the host name).
    bool server_name_indication_disabled = false;
    /// `dhfile` (server only): PEM file of finite-field Diffie-Hellman parameters.
    std::string dhfile;
    /// `secure_renegotiate`: insist on RFC 5746 (default true). OpenSSL 3 always does;
    /// false is listed in tls_options::ignored.
    std::optional<bool> secure_renegotiate;
    /// `reuse_sessions` (`save` is read as true). Listed in tls_options::ignored: otpcpp
    /// runs a full handshake on every connection.
    std::optional<bool> reuse_sessions;
    /// `renegotiate_at`: TLS 1.2 records sent before this side renegotiates, capped at
    /// 2^28 as ssl does. Listed in tls_options::ignored: otpcpp never starts a
    /// renegotiation (it follows the peer's).
    std::optional<std::uint32_t> renegotiate_at;
    /// `key_update_at`: TLS 1.3 bytes sent before this side sends a KeyUpdate. Listed in
    /// tls_options::ignored: otpcpp answers the peer's KeyUpdate but never starts one.
    std::optional<std::uint64_t> key_update_at;

    /// Equal when every field is.
    friend bool operator==(const tls_role_options&, const tls_role_options&) = default;
};

/// Which option list of the file.
enum class tls_role : std::uint8_t {
    server,  ///< `{server, Opts}`: used when accepting
    client,  ///< `{client, Opts}`: used when dialling
};

/// An option that was read and checked but that otpcpp does not apply, and why.
struct tls_ignored_option {
    tls_role role = tls_role::server;  ///< the list it appeared in
    std::string option;                ///< its name, e.g. "renegotiate_at"
    std::string reason;                ///< why it has no effect in otpcpp
    int line = 0;                      ///< 1-based line of the option in the file
    int column = 0;                    ///< 1-based column, counted in characters

    /// Equal when every field is.
    friend bool operator==(const tls_ignored_option&, const tls_ignored_option&) = default;
};

/// TLS settings for both roles, as read from an `-ssl_dist_optfile`.
struct tls_options {
    /// The `{server, Opts}` list; nullopt when the file has none (erl then refuses every
    /// incoming TLS connection for lack of a certificate).
    std::optional<tls_role_options> server;
    /// The `{client, Opts}` list; nullopt when the file has none.
    std::optional<tls_role_options> client;
    /// Options read and checked but not applied, in file order, so that a caller can log
    /// them: renegotiate_at, key_update_at, reuse_sessions (true or save),
    /// secure_renegotiate (false), hibernate_after, crl_check (best_effort), crl_cache,
    /// customize_hostname_check (non-empty), ktls (true), tlsv1 and tlsv1.1 in versions,
    /// and socket options the distribution sets itself (packet, active, mode, nodelay,
    /// deliver, erl_dist, and the bare atoms binary, list, inet, inet6, {raw, ...}).
    std::vector<tls_ignored_option> ignored;
    /// otpcpp only (never read from the file; OTP has no such check): on every
    /// connection, also an accepted one, the peer's certificate must name the host part
    /// of the node name the peer gives in the handshake (as a client checks a server's).
    /// Refused peers are answered `not_allowed` (tls_errc::node_name_mismatch here).
    bool verify_node_name = false;

    /// Equal when every field is.
    friend bool operator==(const tls_options&, const tls_options&) = default;
};

/// "server" or "client".
std::string_view to_string(tls_role r) noexcept;
/// "tlsv1.2" or "tlsv1.3", as the option file spells them.
std::string_view to_string(tls_version v) noexcept;

/// Reads the contents of an `-ssl_dist_optfile`: one Erlang term `[{server, ServerOpts},
/// {client, ClientOpts}]` (either list may be missing), an optional final `.`, `%`
/// comments. Unlike erl, which evaluates the file, otpcpp reads a literal term: calls,
/// variables and funs other than `fun M:F/A` are refused (tls_errc::not_literal).
/// Options are checked as ssl does, and more strictly than OTP 25: unknown options and
/// options of the other role are errors (as in OTP 26). Options that otpcpp cannot apply
/// are either listed in tls_options::ignored or, when ignoring them would admit peers erl
/// refuses (`verify_fun`, `crl_check`), refused as tls_errc::unsupported. On failure,
/// `where` holds the tls_errc, the line and column and a message such as
/// "3:12: server option 'depth': expected an integer 0..255, found -1".
result<tls_options> read_ssl_dist_optfile(std::string_view text, parse_error_info& where);
/// As read_ssl_dist_optfile(text, where), discarding the error details.
result<tls_options> read_ssl_dist_optfile(std::string_view text);
/// Reads the file at `path` (tls_errc::file_error if it cannot be read) and then as
/// read_ssl_dist_optfile; the message in `where` starts with the path.
result<tls_options> load_ssl_dist_optfile(const std::filesystem::path& path,
                                          parse_error_info& where);

}  // namespace otp

template <>
struct std::is_error_code_enum<otp::tls_errc> : std::true_type {};

// Real `erl` nodes with distribution over TLS for the integration tests: writes the
// `-ssl_dist_optfile` (the `[{server, Opts}, {client, Opts}]` term of
// ../shared/docs/tls-dist.md section 2) and builds the erl command line around
// erl_args(), so TLS peers start exactly like the plain ones plus two flags.
//
// The same file is meant for otpcpp's own `--tls FILE` reader, so a test can configure
// both sides of a link from one place.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/test_certs.hpp"

namespace otp::itest {

/// One of the optfile's two option lists. Empty fields are left out of the file, so
/// OTP's default applies, which is how tests make a side without a certificate or
/// without verification.
struct erl_tls_side {
    /// `{certfile, ...}`: this side's certificate (for a combined file, the same path
    /// as keyfile).
    std::filesystem::path certfile;
    /// `{keyfile, ...}`.
    std::filesystem::path keyfile;
    /// `{password, ...}` for an encrypted keyfile.
    std::string password;
    /// `{cacertfile, ...}`: the roots this side trusts for the peer's certificate.
    std::filesystem::path cacertfile;
    /// `{verify, ...}`: "verify_peer" or "verify_none" (OTP 25's default when empty).
    std::string verify = "verify_peer";
    /// `{versions, [...]}`, e.g. {"tlsv1.3", "tlsv1.2"}; empty keeps OTP 25's
    /// TLS 1.2-only default.
    std::vector<std::string> versions;
    /// `{depth, N}`.
    std::optional<int> depth = 3;
    /// `{secure_renegotiate, ...}` (RFC 5746; OTP's default is true as well).
    std::optional<bool> secure_renegotiate = true;
    /// Further options as raw Erlang terms, copied verbatim, e.g. "{renegotiate_at, 100}"
    /// or "{key_update_at, 1000}". Nothing is checked: OTP 25 ignores unknown options,
    /// OTP 26 rejects them at connection time.
    std::vector<std::string> extra;
};

/// The whole optfile: both lists, with `fail_if_no_peer_cert` kept to the server list
/// where it belongs (OTP 26 refuses it in the client list).
struct erl_tls_options {
    /// Options for accepted connections (ssl:handshake/3).
    erl_tls_side server;
    /// Options for dialled connections (ssl:connect/4).
    erl_tls_side client;
    /// `{fail_if_no_peer_cert, ...}` in the server list; without it OTP 25 admits a
    /// client that sends no certificate even under verify_peer.
    std::optional<bool> fail_if_no_peer_cert = true;
};

/// Mutual TLS with one certificate that carries both EKUs (a node dials and accepts)
/// and one trusted CA: the usual good configuration, which tests then adjust.
erl_tls_options mutual_tls(const issued_cert& node_cert, const std::filesystem::path& ca_pem);

/// Sets `versions` on both sides (e.g. {"tlsv1.3"} or {"tlsv1.3", "tlsv1.2"}).
void set_versions(erl_tls_options& o, const std::vector<std::string>& versions);

/// The optfile text: one Erlang term ending in ".", paths and passwords as escaped
/// Erlang strings, versions and verify modes as quoted atoms.
std::string ssl_dist_optfile_text(const erl_tls_options& o);

/// Writes ssl_dist_optfile_text(o) to `file` and returns `file`. Throws
/// std::runtime_error if it cannot be written.
std::filesystem::path write_ssl_dist_optfile(const erl_tls_options& o,
                                             const std::filesystem::path& file);

/// The erl flags that switch distribution to TLS with `optfile`:
/// `-proto_dist inet_tls -ssl_dist_optfile OPTFILE`.
std::vector<std::string> erl_tls_flags(const std::filesystem::path& optfile);

/// Arguments for a real erl node with TLS distribution: erl_args(sname, cookie) plus
/// erl_tls_flags(optfile) plus `extra` (e.g. `-pa DIR`, `-eval ...`). Start it with the
/// epmd's env(), as for plain nodes.
std::vector<std::string> erl_tls_args(const std::string& sname, const std::string& cookie,
                                      const std::filesystem::path& optfile,
                                      std::vector<std::string> extra = {});

/// An Erlang string literal for `s` ("..." with \\ and \" escaped, control bytes as
/// octal escapes): for building optfiles and -eval expressions by hand.
std::string erlang_string(std::string_view s);

/// An always-quoted Erlang atom literal for `s` ('tlsv1.2' needs the quotes).
std::string erlang_atom(std::string_view s);

}  // namespace otp::itest

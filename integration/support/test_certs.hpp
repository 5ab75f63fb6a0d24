// A throwaway PKI for the TLS integration tests: a self-signed CA that issues leaf
// certificates (good ones, and deliberately bad ones: expired, not yet valid, wrong
// extended key usage, wrong host names, from another CA) as PEM files that both `erl
// -proto_dist inet_tls` and otpcpp read.
//
// Built on the OpenSSL 3 C API rather than the openssl command, so tests need no tool
// in PATH, run no shell, and can make dozens of certificates cheaply in parallel ctest
// runs. Everything goes into a directory the caller owns (see make_temp_dir).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace otp::itest {

/// Creates a fresh, empty directory `<tmp>/otpcpp-itest-<stem>-XXXXXX` (TMPDIR or the
/// system temporary directory) with mode 0700, so certificates and keys of parallel
/// tests never collide and nobody else can read the keys. Throws std::runtime_error.
std::filesystem::path make_temp_dir(std::string_view stem);

/// A make_temp_dir directory removed with everything in it at destruction, so a test
/// leaves no keys behind even when it fails. Move-only.
class temp_dir {
  public:
    explicit temp_dir(std::string_view stem) : path_(make_temp_dir(stem)) {}
    temp_dir(temp_dir&& other) noexcept : path_(std::exchange(other.path_, {})) {}
    temp_dir& operator=(temp_dir&&) = delete;
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir();
    /// The directory.
    const std::filesystem::path& path() const noexcept { return path_; }

  private:
    std::filesystem::path path_;
};

/// Extended key usages a leaf certificate claims, as bit flags. TLS peers check them
/// (OTP and OpenSSL alike): a node that both dials and accepts needs server_auth and
/// client_auth; the other combinations exist to make "wrong usage" certificates.
enum class eku : unsigned {
    /// No extendedKeyUsage extension at all: any purpose is allowed.
    none = 0,
    /// id-kp-serverAuth: required of the accepting side's certificate.
    server_auth = 1U << 0,
    /// id-kp-clientAuth: required of the dialling side's certificate.
    client_auth = 1U << 1,
    /// id-kp-emailProtection: a purpose unrelated to TLS, so a certificate with only
    /// this is wrong for both roles (the extension is present but lists neither).
    email_protection = 1U << 2,
};

/// Union of usages, e.g. `eku::server_auth | eku::client_auth`.
constexpr eku operator|(eku a, eku b) noexcept {
    return static_cast<eku>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}

/// True if `set` contains every usage of `flag`.
constexpr bool has(eku set, eku flag) noexcept {
    return (static_cast<unsigned>(set) & static_cast<unsigned>(flag)) ==
           static_cast<unsigned>(flag);
}

/// Public key algorithms for generated keys: both kinds OTP 25 and OpenSSL 3 accept,
/// because they select different cipher suites (ECDHE-RSA-* vs ECDHE-ECDSA-*).
enum class key_kind { rsa2048, ec_p256 };

/// What a leaf certificate says. The defaults make a valid node certificate for
/// "localhost"; tests change one field to make a specific kind of bad certificate.
struct cert_spec {
    /// Subject CN. OTP and OpenSSL fall back to it for host checks only when the
    /// certificate has no DNS entries in its subjectAltName.
    std::string common_name = "localhost";
    /// subjectAltName dNSName entries. For `-sname` nodes this must include
    /// short_hostname(); for IP-literal node names OTP 25 needs the IP text here too.
    std::vector<std::string> dns_names = {"localhost"};
    /// subjectAltName iPAddress entries, IPv4 or IPv6 text. No SAN extension at all is
    /// written when both lists are empty (to exercise the CN fallback).
    std::vector<std::string> ip_addresses = {"127.0.0.1"};
    /// Extended key usages; eku::none leaves the extension out.
    eku usage = eku::server_auth | eku::client_auth;
    /// Start of validity relative to now. Negative by default so small clock skew
    /// between the test and the peers does not matter; an expired certificate is e.g.
    /// offset -3 days with a 1 day lifetime, a not-yet-valid one offset +1 day.
    std::chrono::seconds not_before_offset{-3600};
    /// Length of validity from notBefore.
    std::chrono::seconds lifetime{std::chrono::days(2)};
    /// The leaf's key algorithm.
    key_kind key = key_kind::ec_p256;
    /// When non-empty, the key file is PKCS#8 encrypted with this password
    /// (PBES2/AES-256-CBC), to test the optfile's `{password, ...}`.
    std::string key_password;
};

/// The files of one issued certificate.
struct issued_cert {
    /// PEM certificate (the leaf only; the CA is in test_ca::cert_pem()).
    std::filesystem::path cert;
    /// PEM PKCS#8 private key, encrypted if key_password is set.
    std::filesystem::path key;
    /// The password the key was encrypted with, empty if it is not.
    std::string key_password;
};

/// A self-signed certificate authority (basicConstraints CA:TRUE critical, keyUsage
/// keyCertSign and cRLSign, valid from 30 days ago for 10 years) whose key stays in
/// memory. Two test_ca objects are unrelated trust roots, which is how tests make a
/// "rogue CA". Move-only; not for concurrent use from several threads.
class test_ca {
  public:
    /// Generates the CA key and certificate (subject CN `<name> test CA`) and writes
    /// the certificate to `<dir>/<name>-ca.pem`. `dir` must exist. Throws
    /// std::runtime_error with OpenSSL's error text.
    test_ca(std::filesystem::path dir, std::string name, key_kind key = key_kind::ec_p256);
    test_ca(test_ca&&) noexcept;
    test_ca& operator=(test_ca&&) noexcept;
    test_ca(const test_ca&) = delete;
    test_ca& operator=(const test_ca&) = delete;
    ~test_ca();

    /// The CA certificate file: the `cacertfile` of peers that should trust this CA.
    const std::filesystem::path& cert_pem() const noexcept;
    /// The directory the files go to.
    const std::filesystem::path& dir() const noexcept;

    /// Issues a leaf certificate for a fresh key and writes `<dir>/<stem>.pem` and
    /// `<dir>/<stem>.key` (mode 0600), replacing files of the same stem. The serial is
    /// 16 random bytes; basicConstraints CA:FALSE, keyUsage fits the key kind, SAN and
    /// EKU follow `spec`. Throws std::runtime_error.
    issued_cert issue(const std::string& stem, const cert_spec& spec = {}) const;

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// Writes the concatenation of `parts` to `out` and returns `out`: a combined
/// cert+key file (OTP accepts one file as both certfile and keyfile), or a bundle of
/// several CA certificates to trust more than one root. Throws std::runtime_error.
std::filesystem::path concat_pem(const std::vector<std::filesystem::path>& parts,
                                 const std::filesystem::path& out);

/// The common combined file `<cert stem>-combined.pem` next to the certificate: the
/// certificate followed by its key.
std::filesystem::path write_combined_pem(const issued_cert& c);

}  // namespace otp::itest

// The throwaway PKI of the TLS integration tests, on the OpenSSL 3 C API.
#include "support/test_certs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace otp::itest {

namespace fs = std::filesystem;

// --- temporary directories -----------------------------------------------------------

fs::path make_temp_dir(std::string_view stem) {
    const char* env = std::getenv("TMPDIR");
    const fs::path base =
        env != nullptr && *env != '\0' ? fs::path(env) : fs::temp_directory_path();
    std::string tmpl = (base / ("otpcpp-itest-" + std::string(stem) + "-XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) == nullptr)
        throw std::runtime_error("mkdtemp " + tmpl + ": " + std::strerror(errno));
    return tmpl;
}

temp_dir::~temp_dir() {
    if (path_.empty()) return;
    std::error_code ec;  // best effort: a destructor must not throw
    fs::remove_all(path_, ec);
}

namespace {

// --- OpenSSL ownership and errors ----------------------------------------------------

// Calls an OpenSSL free function, so each owned object is a unique_ptr.
template <auto Free>
struct ossl_free {
    template <class T>
    void operator()(T* p) const noexcept {
        Free(p);
    }
};

template <class T, auto Free>
using ossl_ptr = std::unique_ptr<T, ossl_free<Free>>;

using pkey_ptr = ossl_ptr<EVP_PKEY, EVP_PKEY_free>;
using pkey_ctx_ptr = ossl_ptr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using x509_ptr = ossl_ptr<X509, X509_free>;
using bio_ptr = ossl_ptr<BIO, BIO_free_all>;
using bignum_ptr = ossl_ptr<BIGNUM, BN_free>;
using asn1_integer_ptr = ossl_ptr<ASN1_INTEGER, ASN1_INTEGER_free>;
using extension_ptr = ossl_ptr<X509_EXTENSION, X509_EXTENSION_free>;
using general_names_ptr = ossl_ptr<GENERAL_NAMES, GENERAL_NAMES_free>;
using general_name_ptr = ossl_ptr<GENERAL_NAME, GENERAL_NAME_free>;
using octet_string_ptr = ossl_ptr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;
using ia5_string_ptr = ossl_ptr<ASN1_IA5STRING, ASN1_IA5STRING_free>;

// Throws with OpenSSL's queued errors appended: the queue says *why* (bad curve name,
// unknown extension value...), which a test log otherwise never shows.
[[noreturn]] void fail(std::string_view what) {
    std::string msg = "test_certs: " + std::string(what) + " failed";
    for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        msg += "; ";
        msg += buf;
    }
    throw std::runtime_error(msg);
}

// OpenSSL's "1 (or > 0) is success" convention, checked in one place.
void check(int rc, std::string_view what) {
    if (rc <= 0) fail(what);
}

// A null result from an OpenSSL constructor is an error too.
template <class P>
P checked(P p, std::string_view what) {
    if (!p) fail(what);
    return p;
}

// --- files -----------------------------------------------------------------------------

// Writes `data` to `path` with `mode` from the first byte on (keys never sit world-readable,
// even briefly), replacing an older file.
void write_file(const fs::path& path, std::string_view data, mode_t mode) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) throw std::runtime_error("open " + path.string() + ": " + std::strerror(errno));
    const bool ok = ::fchmod(fd, mode) == 0 && [&] {
        for (std::size_t done = 0; done < data.size();) {
            const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;
            done += static_cast<std::size_t>(n);
        }
        return true;
    }();
    const int saved = errno;
    if (::close(fd) != 0 || !ok)
        throw std::runtime_error("write " + path.string() + ": " +
                                 std::strerror(ok ? errno : saved));
}

std::string read_whole_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A memory BIO for the PEM writers, whose text then goes through write_file.
bio_ptr memory_bio() {
    return checked(bio_ptr(BIO_new(BIO_s_mem())), "BIO_new");
}

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

std::string cert_pem_text(X509* cert) {
    auto bio = memory_bio();
    check(PEM_write_bio_X509(bio.get(), cert), "PEM_write_bio_X509");
    return bio_text(bio.get());
}

// PKCS#8 ("BEGIN PRIVATE KEY" / "BEGIN ENCRYPTED PRIVATE KEY"): the form OTP's
// public_key and OpenSSL both read for RSA and EC alike.
std::string key_pem_text(const EVP_PKEY* key, const std::string& password) {
    auto bio = memory_bio();
    if (password.empty()) {
        check(PEM_write_bio_PKCS8PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr),
              "PEM_write_bio_PKCS8PrivateKey");
    } else {
        if (password.size() > INT_MAX) throw std::invalid_argument("test_certs: password too long");
        check(PEM_write_bio_PKCS8PrivateKey(bio.get(), key, EVP_aes_256_cbc(), password.data(),
                                            static_cast<int>(password.size()), nullptr, nullptr),
              "PEM_write_bio_PKCS8PrivateKey (encrypted)");
    }
    return bio_text(bio.get());
}

// --- certificate parts -----------------------------------------------------------------

pkey_ptr generate_key(key_kind kind) {
    const bool rsa = kind == key_kind::rsa2048;
    pkey_ctx_ptr ctx =
        checked(pkey_ctx_ptr(EVP_PKEY_CTX_new_from_name(nullptr, rsa ? "RSA" : "EC", nullptr)),
                "EVP_PKEY_CTX_new_from_name");
    check(EVP_PKEY_keygen_init(ctx.get()), "EVP_PKEY_keygen_init");
    if (rsa)
        check(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), 2048),
              "EVP_PKEY_CTX_set_rsa_keygen_bits");
    else
        check(EVP_PKEY_CTX_set_group_name(ctx.get(), "P-256"), "EVP_PKEY_CTX_set_group_name");
    EVP_PKEY* raw = nullptr;
    check(EVP_PKEY_generate(ctx.get(), &raw), "EVP_PKEY_generate");
    return pkey_ptr(raw);
}

// 16 random bytes, positive: RFC 5280 wants unique serials, and random ones keep two CAs
// of one test (or two test runs) from ever issuing look-alike certificates.
void set_random_serial(X509* cert) {
    unsigned char bytes[16];
    check(RAND_bytes(bytes, sizeof bytes), "RAND_bytes");
    bytes[0] &= 0x7F;
    if (bytes[0] == 0) bytes[0] = 1;
    bignum_ptr bn = checked(bignum_ptr(BN_bin2bn(bytes, sizeof bytes, nullptr)), "BN_bin2bn");
    asn1_integer_ptr serial =
        checked(asn1_integer_ptr(BN_to_ASN1_INTEGER(bn.get(), nullptr)), "BN_to_ASN1_INTEGER");
    check(X509_set_serialNumber(cert, serial.get()), "X509_set_serialNumber");
}

void set_validity(X509* cert, std::chrono::seconds not_before_offset,
                  std::chrono::seconds lifetime) {
    time_t now = std::time(nullptr);
    const auto end = not_before_offset + lifetime;
    if (X509_time_adj_ex(X509_getm_notBefore(cert), 0, static_cast<long>(not_before_offset.count()),
                         &now) == nullptr ||
        X509_time_adj_ex(X509_getm_notAfter(cert), 0, static_cast<long>(end.count()), &now) ==
            nullptr)
        fail("X509_time_adj_ex");
}

void add_name_entry(X509_NAME* name, const char* field, const std::string& value) {
    if (value.empty()) return;
    check(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(value.data()),
                                     static_cast<int>(value.size()), -1, 0),
          "X509_NAME_add_entry_by_txt");
}

// A version 3 certificate with serial, validity, subject and public key; extensions and
// issuer come from the caller.
x509_ptr new_certificate(EVP_PKEY* key, const std::string& common_name,
                         std::chrono::seconds not_before_offset, std::chrono::seconds lifetime) {
    x509_ptr cert = checked(x509_ptr(X509_new()), "X509_new");
    check(X509_set_version(cert.get(), X509_VERSION_3), "X509_set_version");
    set_random_serial(cert.get());
    set_validity(cert.get(), not_before_offset, lifetime);
    X509_NAME* subject = X509_get_subject_name(cert.get());
    add_name_entry(subject, "O", "otpcpp integration tests");
    add_name_entry(subject, "CN", common_name);
    check(X509_set_pubkey(cert.get(), key), "X509_set_pubkey");
    return cert;
}

// An extension in openssl.cnf syntax ("critical,CA:TRUE"): the readable way to write
// the fixed extensions, and OpenSSL computes the key identifiers from `ctx`.
void add_conf_extension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
    extension_ptr ext =
        checked(extension_ptr(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str())),
                "extension " + std::string(OBJ_nid2sn(nid)) + "=" + value);
    check(X509_add_ext(cert, ext.get(), -1), "X509_add_ext");
}

// The subjectAltName built entry by entry rather than from a config string, so a name
// with a comma or an odd IP form fails clearly instead of being split.
void add_subject_alt_names(X509* cert, const cert_spec& spec) {
    if (spec.dns_names.empty() && spec.ip_addresses.empty()) return;
    general_names_ptr names = checked(general_names_ptr(GENERAL_NAMES_new()), "GENERAL_NAMES_new");
    const auto push = [&](int type, void* value) {
        general_name_ptr n = checked(general_name_ptr(GENERAL_NAME_new()), "GENERAL_NAME_new");
        GENERAL_NAME_set0_value(n.get(), type, value);
        check(sk_GENERAL_NAME_push(names.get(), n.get()), "sk_GENERAL_NAME_push");
        n.release();  // owned by `names` now
    };
    for (const auto& dns : spec.dns_names) {
        ia5_string_ptr s = checked(ia5_string_ptr(ASN1_IA5STRING_new()), "ASN1_IA5STRING_new");
        check(ASN1_STRING_set(s.get(), dns.data(), static_cast<int>(dns.size())),
              "ASN1_STRING_set");
        push(GEN_DNS, s.get());
        s.release();
    }
    for (const auto& ip : spec.ip_addresses) {
        octet_string_ptr addr(a2i_IPADDRESS(ip.c_str()));
        if (!addr) throw std::invalid_argument("test_certs: not an IP address: " + ip);
        push(GEN_IPADD, addr.get());
        addr.release();
    }
    // RFC 5280: critical when the subject is empty, which it never is here (O is set).
    check(X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT),
          "X509_add1_ext_i2d(subjectAltName)");
}

std::string eku_value(eku usage) {
    std::string v;
    const auto add = [&](eku flag, const char* name) {
        if (!has(usage, flag)) return;
        if (!v.empty()) v += ",";
        v += name;
    };
    add(eku::server_auth, "serverAuth");
    add(eku::client_auth, "clientAuth");
    add(eku::email_protection, "emailProtection");
    return v;
}

void sign(X509* cert, EVP_PKEY* issuer_key) {
    if (X509_sign(cert, issuer_key, EVP_sha256()) <= 0) fail("X509_sign");
}

}  // namespace

// --- test_ca ---------------------------------------------------------------------------

struct test_ca::impl {
    fs::path dir;
    fs::path cert_path;
    pkey_ptr key;
    x509_ptr cert;
};

test_ca::test_ca(fs::path dir, std::string name, key_kind key) : impl_(std::make_unique<impl>()) {
    if (name.empty()) throw std::invalid_argument("test_ca: empty name");
    impl_->dir = std::move(dir);
    impl_->cert_path = impl_->dir / (name + "-ca.pem");
    impl_->key = generate_key(key);
    // Valid well before and after any leaf, so a leaf's own dates are the only ones a
    // validity test exercises.
    impl_->cert = new_certificate(impl_->key.get(), name + " test CA", -std::chrono::days(30),
                                  std::chrono::days(3650));
    X509* c = impl_->cert.get();
    check(X509_set_issuer_name(c, X509_get_subject_name(c)), "X509_set_issuer_name");
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, c, c, nullptr, nullptr, 0);
    add_conf_extension(c, &ctx, NID_basic_constraints, "critical,CA:TRUE");
    add_conf_extension(c, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_conf_extension(c, &ctx, NID_subject_key_identifier, "hash");
    add_conf_extension(c, &ctx, NID_authority_key_identifier, "keyid:always");
    sign(c, impl_->key.get());
    write_file(impl_->cert_path, cert_pem_text(c), 0644);
}

test_ca::test_ca(test_ca&&) noexcept = default;
test_ca& test_ca::operator=(test_ca&&) noexcept = default;
test_ca::~test_ca() = default;

const fs::path& test_ca::cert_pem() const noexcept {
    return impl_->cert_path;
}

const fs::path& test_ca::dir() const noexcept {
    return impl_->dir;
}

issued_cert test_ca::issue(const std::string& stem, const cert_spec& spec) const {
    if (stem.empty() || stem.find('/') != std::string::npos)
        throw std::invalid_argument("test_ca::issue: bad file stem '" + stem + "'");
    pkey_ptr key = generate_key(spec.key);
    x509_ptr cert =
        new_certificate(key.get(), spec.common_name, spec.not_before_offset, spec.lifetime);
    X509* c = cert.get();
    check(X509_set_issuer_name(c, X509_get_subject_name(impl_->cert.get())),
          "X509_set_issuer_name");
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, impl_->cert.get(), c, nullptr, nullptr, 0);
    add_conf_extension(c, &ctx, NID_basic_constraints, "critical,CA:FALSE");
    // RSA key exchange (TLS 1.2 non-ECDHE suites) needs keyEncipherment; ECDSA only signs.
    add_conf_extension(c, &ctx, NID_key_usage,
                       spec.key == key_kind::rsa2048 ? "critical,digitalSignature,keyEncipherment"
                                                     : "critical,digitalSignature");
    if (spec.usage != eku::none)
        add_conf_extension(c, &ctx, NID_ext_key_usage, eku_value(spec.usage));
    add_subject_alt_names(c, spec);
    add_conf_extension(c, &ctx, NID_subject_key_identifier, "hash");
    add_conf_extension(c, &ctx, NID_authority_key_identifier, "keyid:always");
    sign(c, impl_->key.get());

    issued_cert out{impl_->dir / (stem + ".pem"), impl_->dir / (stem + ".key"), spec.key_password};
    write_file(out.cert, cert_pem_text(c), 0644);
    write_file(out.key, key_pem_text(key.get(), spec.key_password), 0600);
    return out;
}

// --- combined files ----------------------------------------------------------------------

fs::path concat_pem(const std::vector<fs::path>& parts, const fs::path& out) {
    std::string all;
    for (const auto& p : parts) {
        all += read_whole_file(p);
        if (!all.empty() && all.back() != '\n') all += '\n';
    }
    write_file(out, all, 0600);  // may hold a private key
    return out;
}

fs::path write_combined_pem(const issued_cert& c) {
    return concat_pem({c.cert, c.key},
                      c.cert.parent_path() / (c.cert.stem().string() + "-combined.pem"));
}

}  // namespace otp::itest

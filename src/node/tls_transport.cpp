// Distribution over TLS: contexts, the TLS handshake, and what its failures mean.
#include "node/tls_transport.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>

#include "otp/dist_error.hpp"

namespace otp::dist {
namespace ssl = boost::asio::ssl;

namespace {

int openssl_version(tls_version v) {
    return v == tls_version::tlsv1_3 ? TLS1_3_VERSION : TLS1_2_VERSION;
}

bool is_ip_literal(const std::string& host) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(host, ec);
    return !ec;
}

std::string openssl_message() {
    std::string text;
    while (const unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        if (!text.empty()) text += "; ";
        text += buf;
    }
    return text.empty() ? "unknown OpenSSL error" : text;
}

// Loads one role's options into `ctx`. Returns an empty string or why it failed.
std::string configure(ssl::context& ctx, const tls_role_options& o, tls_role role) {
    SSL_CTX* native = ctx.native_handle();
    const std::string r(to_string(role));
    ERR_clear_error();
    // OTP 25 offers TLS 1.2 only, newer configurations 1.3 too: take both unless the
    // file narrows them.
    const int lo = o.versions.empty() ? TLS1_2_VERSION : openssl_version(o.versions.front());
    const int hi = o.versions.empty() ? TLS1_3_VERSION : openssl_version(o.versions.back());
    SSL_CTX_set_min_proto_version(native, lo);
    SSL_CTX_set_max_proto_version(native, hi);
    // OTP renegotiates long-lived TLS 1.2 links (renegotiate_at); OpenSSL 3 servers
    // refuse that by default and OTP then drops the link.
    if (role == tls_role::server) SSL_CTX_set_options(native, SSL_OP_ALLOW_CLIENT_RENEGOTIATION);

    boost::system::error_code ec;
    if (o.password) {
        ctx.set_password_callback(
            [pw = *o.password](std::size_t, ssl::context::password_purpose) { return pw; }, ec);
    }
    if (!o.certfile.empty()) {
        ctx.use_certificate_chain_file(o.certfile, ec);
        if (ec) return r + " certfile " + o.certfile + ": " + openssl_message();
        const std::string& key = o.keyfile.empty() ? o.certfile : o.keyfile;
        ctx.use_private_key_file(key, ssl::context::pem, ec);
        if (ec) return r + " keyfile " + key + ": " + openssl_message();
        if (SSL_CTX_check_private_key(native) != 1)
            return r + " keyfile " + key + " does not match certfile " + o.certfile;
    } else if (!o.keyfile.empty()) {
        return r + " options: keyfile without certfile";
    }
    if (!o.cacertfile.empty()) {
        ctx.load_verify_file(o.cacertfile, ec);
        if (ec) return r + " cacertfile " + o.cacertfile + ": " + openssl_message();
    }
    for (const auto& der : o.cacerts) {
        const unsigned char* p = der.data();
        X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
        if (!cert) return r + " cacerts: a certificate is not valid DER: " + openssl_message();
        const int added = X509_STORE_add_cert(SSL_CTX_get_cert_store(native), cert);
        X509_free(cert);
        if (added != 1) return r + " cacerts: " + openssl_message();
    }
    if (!o.dhfile.empty()) {
        ctx.use_tmp_dh_file(o.dhfile, ec);
        if (ec) return r + " dhfile " + o.dhfile + ": " + openssl_message();
    }
    std::string v12, v13;
    for (const auto& c : o.ciphers) {
        std::string& list = c.rfind("TLS_", 0) == 0 ? v13 : v12;
        if (!list.empty()) list += ':';
        list += c;
    }
    if (!v12.empty() && SSL_CTX_set_cipher_list(native, v12.c_str()) != 1)
        return r + " ciphers: none of " + v12 + " is known to OpenSSL";
    if (!v13.empty() && SSL_CTX_set_ciphersuites(native, v13.c_str()) != 1)
        return r + " ciphers: none of " + v13 + " is known to OpenSSL";
    SSL_CTX_set_verify_depth(native, o.depth.value_or(10));
    return {};
}

bool has_ca(const tls_role_options& o) {
    return !o.cacertfile.empty() || !o.cacerts.empty();
}

}  // namespace

tls_config::tls_config() : client_(ssl::context::tls_client), server_(ssl::context::tls_server) {}

result<std::shared_ptr<const tls_config>> tls_config::make(const tls_options& opts,
                                                           std::string& why) {
    std::shared_ptr<tls_config> c(new tls_config());
    const tls_role_options client = opts.client.value_or(tls_role_options{});
    const tls_role_options server = opts.server.value_or(tls_role_options{});
    // Unlike OTP 25 (verify_none unless told), a peer is verified unless the file says
    // verify_none, as in OTP 26: a TLS link that checks nothing protects nothing.
    c->client_verifies_ =
        client.verify.value_or(tls_verify::verify_peer) == tls_verify::verify_peer;
    const bool server_verifies =
        server.verify.value_or(tls_verify::verify_peer) == tls_verify::verify_peer;
    if ((c->client_verifies_ && !has_ca(client)) || (server_verifies && !has_ca(server))) {
        why = std::string(c->client_verifies_ && !has_ca(client) ? "client" : "server") +
              " options: the peer is verified (verify_peer, the default) but no cacertfile "
              "or cacerts is given";
        return tls_errc::incompatible_options;
    }
    if (server.certfile.empty()) {
        why = "server options: no certfile: every incoming TLS connection would fail";
        return tls_errc::incompatible_options;
    }
    if (std::string e = configure(c->client_, client, tls_role::client); !e.empty()) {
        why = std::move(e);
        return tls_errc::bad_credentials;
    }
    if (std::string e = configure(c->server_, server, tls_role::server); !e.empty()) {
        why = std::move(e);
        return tls_errc::bad_credentials;
    }
    c->client_.set_verify_mode(c->client_verifies_ ? ssl::verify_peer : ssl::verify_none);
    // With verify_peer a client without a certificate is refused unless the file says
    // {fail_if_no_peer_cert, false} (OTP 26's default; OTP 25 admitted it).
    c->server_.set_verify_mode(server_verifies
                                   ? ssl::verify_peer | (server.fail_if_no_peer_cert.value_or(true)
                                                             ? ssl::verify_fail_if_no_peer_cert
                                                             : 0)
                                   : ssl::verify_none);
    c->client_sends_sni_ = !client.server_name_indication_disabled;
    c->sni_override_ = client.server_name_indication.value_or("");
    c->verify_node_name_ = opts.verify_node_name;
    return std::shared_ptr<const tls_config>(std::move(c));
}

std::shared_ptr<tls_stream> tls_config::client_stream(const boost::asio::any_io_executor& ex,
                                                      const std::string& peer_host) const {
    auto s = std::make_shared<tls_stream>(ex, client_);
    // The name checked (and sent as SNI) is the dialled node's host, as inet_tls_dist
    // does, unless the file names another.
    const std::string host = sni_override_.empty() ? peer_host : sni_override_;
    // RFC 6066 forbids IP literals in SNI; OTP servers ignore SNI anyway.
    if (client_sends_sni_ && !is_ip_literal(host))
        SSL_set_tlsext_host_name(s->native_handle(), host.c_str());
    if (client_verifies_ || verify_node_name_) {
        s->set_verify_mode(ssl::verify_peer);
        s->set_verify_callback([host](bool preverified, ssl::verify_context& vc) {
            X509_STORE_CTX* store = vc.native_handle();
            if (!preverified || X509_STORE_CTX_get_error_depth(store) != 0) return preverified;
            if (certificate_names_host(X509_STORE_CTX_get_current_cert(store), host)) return true;
            X509_STORE_CTX_set_error(store, X509_V_ERR_HOSTNAME_MISMATCH);
            return false;
        });
    }
    return s;
}

std::shared_ptr<tls_stream> tls_config::server_stream(
    const boost::asio::any_io_executor& ex) const {
    return std::make_shared<tls_stream>(ex, server_);
}

void async_tls_handshake(std::shared_ptr<tls_stream> s, ssl::stream_base::handshake_type role,
                         std::chrono::milliseconds limit,
                         otp::detail::unique_callback<std::error_code> done) {
    struct state {
        explicit state(const boost::asio::any_io_executor& ex) : timer(ex) {}
        boost::asio::steady_timer timer;
        bool timed_out = false;
    };
    auto st = std::make_shared<state>(s->get_executor());
    st->timer.expires_after(limit);
    st->timer.async_wait([st, s](const boost::system::error_code& ec) {
        if (ec) return;
        st->timed_out = true;
        boost::system::error_code ignored;
        s->lowest_layer().cancel(ignored);
    });
    s->async_handshake(
        role, [st, s, done = std::move(done)](const boost::system::error_code& ec) mutable {
            st->timer.cancel();
            if (!ec) return done({});
            if (st->timed_out) return done(make_error_code(tls_errc::handshake_timeout));
            std::error_code e = tls_stream_error(ec, *s);
            // The peer hung up in the middle of the TLS handshake: typically a plain-TCP
            // node that could not read our ClientHello, or a server refusing us silently.
            if (e == dist_errc::closed) e = make_error_code(tls_errc::handshake_failed);
            done(e);
        });
}

std::error_code classify_tls_failure(int reason, long verify_result) {
    switch (verify_result) {
        case X509_V_OK:
            break;
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        case X509_V_ERR_CERT_SIGNATURE_FAILURE:
            return make_error_code(tls_errc::unknown_ca);
        case X509_V_ERR_CERT_HAS_EXPIRED:
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return make_error_code(tls_errc::certificate_expired);
        case X509_V_ERR_INVALID_PURPOSE:
            return make_error_code(tls_errc::bad_certificate_usage);
        case X509_V_ERR_HOSTNAME_MISMATCH:
        case X509_V_ERR_IP_ADDRESS_MISMATCH:
            return make_error_code(tls_errc::hostname_mismatch);
        default:
            return make_error_code(tls_errc::bad_certificate);
    }
    switch (reason) {
        case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
            return make_error_code(tls_errc::unknown_ca);
        case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
            return make_error_code(tls_errc::certificate_expired);
        case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
            return make_error_code(tls_errc::bad_certificate_usage);
        case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
        case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
        case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
        case SSL_R_CERTIFICATE_VERIFY_FAILED:
            return make_error_code(tls_errc::bad_certificate);
        case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
        case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
            return make_error_code(tls_errc::no_peer_certificate);
        case SSL_R_WRONG_VERSION_NUMBER:
        case SSL_R_HTTP_REQUEST:
        case SSL_R_HTTPS_PROXY_REQUEST:
        case SSL_R_PACKET_LENGTH_TOO_LONG:
            return make_error_code(tls_errc::not_tls);
        case SSL_R_UNSUPPORTED_PROTOCOL:
        case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
        case SSL_R_NO_PROTOCOLS_AVAILABLE:
        case SSL_R_VERSION_TOO_LOW:
        case SSL_R_VERSION_TOO_HIGH:
            return make_error_code(tls_errc::protocol_version);
        default:
            return make_error_code(tls_errc::handshake_failed);
    }
}

std::error_code tls_stream_error(const boost::system::error_code& ec, tls_stream& s) {
    if (ec == ssl::error::stream_truncated || ec == boost::asio::error::eof ||
        ec == boost::asio::error::connection_reset)
        return make_error_code(dist_errc::closed);
    if (ec.category() == boost::asio::error::get_ssl_category()) {
        const int reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
        // OpenSSL 3 reports a close without close_notify this way (OTP closes so).
        if (reason == SSL_R_UNEXPECTED_EOF_WHILE_READING) return make_error_code(dist_errc::closed);
        return classify_tls_failure(reason, SSL_get_verify_result(s.native_handle()));
    }
    return ec;
}

bool certificate_names_host(void* x509, const std::string& host) {
    auto* cert = static_cast<X509*>(x509);
    if (!cert || host.empty()) return false;
    // OTP's default check matches names exactly (no wildcards) and, for IP literals,
    // compares the text with DNS entries: accept an iPAddress entry too.
    if (X509_check_host(cert, host.data(), host.size(), X509_CHECK_FLAG_NO_WILDCARDS, nullptr) == 1)
        return true;
    return is_ip_literal(host) && X509_check_ip_asc(cert, host.c_str(), 0) == 1;
}

bool peer_certificate_names_host(tls_stream& s, const std::string& host) {
    return certificate_names_host(SSL_get0_peer_certificate(s.native_handle()), host);
}

}  // namespace otp::dist

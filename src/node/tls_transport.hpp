// Distribution over TLS (`erl -proto_dist inet_tls`): the OpenSSL contexts built from a
// node's tls_options, the TLS handshake that runs before the Erlang one, and the mapping
// of OpenSSL's failures to tls_errc. The Erlang handshake and the connection then run
// over the TLS stream unchanged, with 4-byte handshake lengths.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <system_error>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "otp/detail/async.hpp"
#include "otp/error.hpp"
#include "otp/tls_options.hpp"

namespace otp::dist {

/// A TLS stream that owns its TCP socket.
using tls_stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

/// A node's TLS set-up: one context per role, from the option file's two lists.
/// Immutable once made; shared by every connection of the node (thread-safe).
class tls_config {
  public:
    /// Builds both contexts: certificates, keys and CAs loaded, versions, ciphers and
    /// verification set. Fails with tls_errc::bad_credentials (a file that cannot be
    /// loaded) or tls_errc::incompatible_options; `why` then says which and why.
    static result<std::shared_ptr<const tls_config>> make(const tls_options& opts,
                                                          std::string& why);

    /// A fresh stream for dialling (TLS client) on `ex`: SNI and the host check are set
    /// for `peer_host`, the host part of the node name being dialled.
    std::shared_ptr<tls_stream> client_stream(const boost::asio::any_io_executor& ex,
                                              const std::string& peer_host) const;
    /// A fresh stream for an accepted connection (TLS server) on `ex`.
    std::shared_ptr<tls_stream> server_stream(const boost::asio::any_io_executor& ex) const;

    /// The otpcpp-only check that a peer's certificate names its node's host.
    bool verify_node_name() const noexcept { return verify_node_name_; }

  private:
    tls_config();
    mutable boost::asio::ssl::context client_;  // mutable: Asio hands out non-const refs
    mutable boost::asio::ssl::context server_;
    bool client_verifies_ = true;
    bool client_sends_sni_ = true;
    std::string sni_override_;
    bool verify_node_name_ = false;
};

/// Runs the TLS handshake of `s` in `role` within `limit`; `done` gets the failure as a
/// tls_errc (tls_errc::handshake_timeout when the limit passed) or success.
void async_tls_handshake(std::shared_ptr<tls_stream> s,
                         boost::asio::ssl::stream_base::handshake_type role,
                         std::chrono::milliseconds limit,
                         otp::detail::unique_callback<std::error_code> done);

/// What a failed TLS operation means, from OpenSSL's reason code (ERR_GET_REASON of the
/// error; 0 if none) and this side's certificate verification result (X509_V_OK if the
/// peer's certificate was not at fault). Pure.
std::error_code classify_tls_failure(int reason, long verify_result);

/// The error for a failed TLS read, write or handshake on `s`: a truncated stream (the
/// peer closed without close_notify, as OTP does) or EOF is dist_errc::closed; OpenSSL's
/// failures are classified; anything else is passed on.
std::error_code tls_stream_error(const boost::system::error_code& ec, tls_stream& s);

/// True when the certificate (an X509*) names `host`: a DNS subjectAltName (the subject
/// CN when it has none), or for an IP literal an iPAddress or a DNS entry spelling it.
bool certificate_names_host(void* x509, const std::string& host);
/// The peer's certificate names `host` (false when it sent none).
bool peer_certificate_names_host(tls_stream& s, const std::string& host);

}  // namespace otp::dist

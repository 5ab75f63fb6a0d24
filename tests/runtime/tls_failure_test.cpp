// What OpenSSL's failures mean to a TLS distribution link: the verification result of
// our side wins over the alert code, alerts from the peer are named, and a plain-TCP
// peer is told apart from a failed TLS handshake.
#include <gtest/gtest.h>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "node/tls_transport.hpp"

using namespace otp;
using otp::dist::classify_tls_failure;

TEST(TlsFailure, OurVerificationResultNamesTheFault) {
    const int verify_failed = SSL_R_CERTIFICATE_VERIFY_FAILED;
    EXPECT_EQ(classify_tls_failure(verify_failed, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY),
              tls_errc::unknown_ca);
    EXPECT_EQ(classify_tls_failure(verify_failed, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN),
              tls_errc::unknown_ca);
    EXPECT_EQ(classify_tls_failure(verify_failed, X509_V_ERR_CERT_HAS_EXPIRED),
              tls_errc::certificate_expired);
    EXPECT_EQ(classify_tls_failure(verify_failed, X509_V_ERR_CERT_NOT_YET_VALID),
              tls_errc::certificate_expired);
    EXPECT_EQ(classify_tls_failure(verify_failed, X509_V_ERR_INVALID_PURPOSE),
              tls_errc::bad_certificate_usage);
    EXPECT_EQ(classify_tls_failure(verify_failed, X509_V_ERR_HOSTNAME_MISMATCH),
              tls_errc::hostname_mismatch);
    EXPECT_EQ(classify_tls_failure(verify_failed, X509_V_ERR_CERT_REVOKED),
              tls_errc::bad_certificate);
}

TEST(TlsFailure, PeerAlertsAreNamed) {
    EXPECT_EQ(classify_tls_failure(SSL_R_TLSV1_ALERT_UNKNOWN_CA, X509_V_OK), tls_errc::unknown_ca);
    EXPECT_EQ(classify_tls_failure(SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED, X509_V_OK),
              tls_errc::certificate_expired);
    EXPECT_EQ(classify_tls_failure(SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE, X509_V_OK),
              tls_errc::bad_certificate_usage);
    EXPECT_EQ(classify_tls_failure(SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED, X509_V_OK),
              tls_errc::no_peer_certificate);
    EXPECT_EQ(classify_tls_failure(SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE, X509_V_OK),
              tls_errc::no_peer_certificate);
    EXPECT_EQ(classify_tls_failure(SSL_R_TLSV1_ALERT_PROTOCOL_VERSION, X509_V_OK),
              tls_errc::protocol_version);
    EXPECT_EQ(classify_tls_failure(SSL_R_UNSUPPORTED_PROTOCOL, X509_V_OK),
              tls_errc::protocol_version);
}

TEST(TlsFailure, PlainTcpPeerIsNotTls) {
    // A plain node's `N` message read as a TLS record: no valid record version.
    EXPECT_EQ(classify_tls_failure(SSL_R_WRONG_VERSION_NUMBER, X509_V_OK), tls_errc::not_tls);
    EXPECT_EQ(classify_tls_failure(SSL_R_PACKET_LENGTH_TOO_LONG, X509_V_OK), tls_errc::not_tls);
}

TEST(TlsFailure, AnythingElseIsAFailedHandshake) {
    EXPECT_EQ(classify_tls_failure(SSL_R_NO_SHARED_CIPHER, X509_V_OK), tls_errc::handshake_failed);
    EXPECT_EQ(classify_tls_failure(0, X509_V_OK), tls_errc::handshake_failed);
}

TEST(TlsFailure, MessagesSayWhatFailed) {
    EXPECT_EQ(make_error_code(tls_errc::unknown_ca).message(),
              "TLS certificate from an unknown CA");
    EXPECT_EQ(make_error_code(tls_errc::not_tls).message(), "the peer does not speak TLS");
    EXPECT_STREQ(make_error_code(tls_errc::handshake_timeout).category().name(), "otp.tls");
}

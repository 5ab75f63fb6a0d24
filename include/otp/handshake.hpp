// Outcomes and errors of the distribution handshake (cookie challenge, flags).
#pragma once

#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

namespace otp {

/// Why a handshake ended without a connection. Each ends that one handshake only.
enum class handshake_errc {
    bad_message = 1,    ///< a message with a wrong tag, size or field for this step
    message_too_large,  ///< a handshake message longer than the configured limit
    bad_name,           ///< the peer's node name is not `alive@host` (or host for NAME_ME)
    missing_flags,      ///< the peer lacks capability flags we require
    wrong_peer,         ///< the challenge came from another node than the one dialled
    bad_cookie,         ///< the digest does not match our cookie: wrong cookie
    not_allowed,        ///< the peer answered not_allowed (or we did)
    nok,                ///< simultaneous connect: the other node's attempt wins
    alive_refused,      ///< after `alive` the initiator answered false
    bad_status,         ///< an unknown or unexpected status message
    timeout,            ///< a step did not finish in time (net_setuptime)
    closed,             ///< the peer closed the connection during the handshake
    peer_uses_tls,      ///< the peer speaks TLS on a link this node runs over plain TCP
};
/// The category of handshake_errc values; its name is "otp.handshake".
const std::error_category& handshake_category() noexcept;
inline std::error_code make_error_code(handshake_errc e) noexcept {
    return {static_cast<int>(e), handshake_category()};
}

/// The acceptor's answer to a connecting node, decided by the runtime.
enum class handshake_status {
    ok,               ///< go on
    ok_simultaneous,  ///< go on; our own attempt to that node is dropped
    nok,              ///< refuse: our own attempt to that node wins
    not_allowed,      ///< refuse
    alive,            ///< a connection to that node is up already; ask whether to replace it
    named,            ///< the peer asked for a dynamic name (NAME_ME); tell it the name
};

/// What a successful handshake established.
struct handshake_result {
    std::string peer_name;            ///< full node name, alive@host
    std::uint64_t peer_flags = 0;     ///< the peer's flags as it sent them (expanded)
    std::uint64_t flags = 0;          ///< effective flags: ours AND the peer's
    std::uint32_t peer_creation = 0;  ///< the peer's creation
    std::string our_name;             ///< our name (differs when the peer named us)
    std::uint32_t our_creation = 0;
    bool replaces_existing = false;      ///< answered `alive` + true: drop the old connection
    std::vector<std::uint8_t> leftover;  ///< bytes read past the last handshake message
};

}  // namespace otp

template <>
struct std::is_error_code_enum<otp::handshake_errc> : std::true_type {};

// What a handshake state machine asks its driver to do next.
#pragma once

#include <cstdint>
#include <span>
#include <system_error>

namespace otp::handshake {

/// The next action for the driver. The driver performs it and calls resume() again:
/// after a write completed (with no bytes), after a read (with the bytes read), or,
/// for `decide`, after giving the acceptor its decision.
struct step {
    enum class kind {
        write,   ///< write `bytes` (valid until the next resume), then resume({})
        read,    ///< read whatever arrives, then resume(bytes)
        decide,  ///< acceptor only: the peer's name and flags are known; call decide()
        done,    ///< success: take result()
        failed,  ///< `error` says why; close the connection
    };
    kind what = kind::failed;
    std::span<const std::uint8_t> bytes;
    std::error_code error;
};

/// Limits and framing shared by both roles.
struct framing {
    std::size_t length_width = 2;    ///< 2 on plain TCP, 4 inside TLS
    std::size_t max_message = 2048;  ///< OTP's messages are far smaller; bound the peer
};

}  // namespace otp::handshake

// The handshake digest: MD5 over the cookie followed by the decimal challenge.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace otp::handshake {

/// A 16-byte MD5 digest.
using digest = std::array<std::uint8_t, 16>;

/// MD5(cookie ++ decimal(challenge)), through OpenSSL's EVP interface.
digest make_digest(std::uint32_t challenge, std::string_view cookie);
/// Compares digests in constant time, so timing reveals nothing about the cookie.
bool digests_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept;

}  // namespace otp::handshake

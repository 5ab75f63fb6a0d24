// Random numbers for what must not be guessed: handshake challenges, creations, the
// seed of the node's references.
#pragma once

#include <cstdint>

namespace otp::node_detail {

/// A cryptographically random value (OpenSSL's generator). Thread-safe; cheap: each
/// thread draws 64 values at a time, and a fork() discards what was drawn, so that a
/// parent and its child never hand out the same values.
std::uint32_t random_u32();

}  // namespace otp::node_detail

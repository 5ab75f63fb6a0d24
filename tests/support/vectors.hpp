// Loads named hex vectors ("<name> <hex>" lines, '#' comments) from tests/vectors.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace otp::test {

/// Bytes by name from a vectors file under OTPCPP_TEST_VECTORS_DIR; throws if missing.
std::map<std::string, std::vector<std::uint8_t>> load_hex_vectors(const std::string& file);
/// Parses a hex string into bytes; throws on odd length or a non-hex digit.
std::vector<std::uint8_t> from_hex(const std::string& hex);

}  // namespace otp::test

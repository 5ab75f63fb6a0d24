// UTF-8 validation and conversion shared by atoms, charlists, printing and parsing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace otp::detail {

/// What inspect_utf8 learned about a byte string.
struct utf8_info {
    bool valid = true;      ///< well-formed UTF-8 (no overlongs, surrogates, > U+10FFFF)
    std::size_t chars = 0;  ///< code points (when valid)
    std::uint32_t max_code_point = 0;
};

/// Validates UTF-8 and counts code points.
utf8_info inspect_utf8(std::string_view s) noexcept;

/// Decodes the code point at s[i], advancing i; returns -1 on malformed input.
std::int32_t next_code_point(std::string_view s, std::size_t& i) noexcept;

/// Appends the UTF-8 encoding of a code point (<= 0x10FFFF, not a surrogate).
void append_utf8(std::string& out, std::uint32_t cp);

/// True for a code point that may appear in UTF-8 (not a surrogate, <= 0x10FFFF).
constexpr bool is_unicode_scalar(std::int64_t cp) noexcept {
    return cp >= 0 && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
}

}  // namespace otp::detail

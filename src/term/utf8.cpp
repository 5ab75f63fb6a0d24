// UTF-8 validation and conversion.
#include "term/utf8.hpp"

namespace otp::detail {

std::int32_t next_code_point(std::string_view s, std::size_t& i) noexcept {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
        ++i;
        return b0;
    }
    std::size_t len;
    std::uint32_t cp;
    std::uint32_t min;
    if ((b0 & 0xE0) == 0xC0) {
        len = 2, cp = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3, cp = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
        return -1;
    }
    if (s.size() - i < len) return -1;
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80) return -1;
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || !is_unicode_scalar(cp)) return -1;
    i += len;
    return static_cast<std::int32_t>(cp);
}

utf8_info inspect_utf8(std::string_view s) noexcept {
    utf8_info info;
    std::size_t i = 0;
    while (i < s.size()) {
        // ASCII runs are the common case for atoms and text.
        if (static_cast<unsigned char>(s[i]) < 0x80) {
            ++i;
            ++info.chars;
            if (info.max_code_point < 0x7F) {
                const auto c = static_cast<unsigned char>(s[i - 1]);
                if (c > info.max_code_point) info.max_code_point = c;
            }
            continue;
        }
        const std::int32_t cp = next_code_point(s, i);
        if (cp < 0) {
            info.valid = false;
            return info;
        }
        ++info.chars;
        if (static_cast<std::uint32_t>(cp) > info.max_code_point)
            info.max_code_point = static_cast<std::uint32_t>(cp);
    }
    return info;
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

}  // namespace otp::detail

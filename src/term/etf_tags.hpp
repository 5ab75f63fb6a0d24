// Tag bytes of the external term format, shared by the ETF decoder and encoder.
#pragma once

#include <cstdint>
#include <cstring>

namespace otp::etf_detail {

inline constexpr std::uint8_t version_magic = 131;
inline constexpr std::uint8_t new_float_ext = 70;
inline constexpr std::uint8_t bit_binary_ext = 77;
inline constexpr std::uint8_t compressed_ext = 80;
inline constexpr std::uint8_t atom_cache_ref = 82;
inline constexpr std::uint8_t new_pid_ext = 88;
inline constexpr std::uint8_t new_port_ext = 89;
inline constexpr std::uint8_t newer_reference_ext = 90;
inline constexpr std::uint8_t small_integer_ext = 97;
inline constexpr std::uint8_t integer_ext = 98;
inline constexpr std::uint8_t float_ext = 99;
inline constexpr std::uint8_t atom_ext = 100;
inline constexpr std::uint8_t reference_ext = 101;
inline constexpr std::uint8_t port_ext = 102;
inline constexpr std::uint8_t pid_ext = 103;
inline constexpr std::uint8_t small_tuple_ext = 104;
inline constexpr std::uint8_t large_tuple_ext = 105;
inline constexpr std::uint8_t nil_ext = 106;
inline constexpr std::uint8_t string_ext = 107;
inline constexpr std::uint8_t list_ext = 108;
inline constexpr std::uint8_t binary_ext = 109;
inline constexpr std::uint8_t small_big_ext = 110;
inline constexpr std::uint8_t large_big_ext = 111;
inline constexpr std::uint8_t new_fun_ext = 112;
inline constexpr std::uint8_t export_ext = 113;
inline constexpr std::uint8_t new_reference_ext = 114;
inline constexpr std::uint8_t small_atom_ext = 115;
inline constexpr std::uint8_t map_ext = 116;
inline constexpr std::uint8_t fun_ext = 117;
inline constexpr std::uint8_t atom_utf8_ext = 118;
inline constexpr std::uint8_t small_atom_utf8_ext = 119;
inline constexpr std::uint8_t v4_port_ext = 120;
inline constexpr std::uint8_t local_ext = 121;

/// Largest id NEW_PORT_EXT carries; OTP 25 writes bigger ids as V4_PORT_EXT.
inline constexpr std::uint64_t new_port_max_id = 0x0FFFFFFF;
/// Bytes of a FLOAT_EXT's text field.
inline constexpr std::size_t float_ext_text = 31;

inline std::uint16_t load_be16(const std::uint8_t* p) noexcept {
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline std::uint32_t load_be32(const std::uint8_t* p) noexcept {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return __builtin_bswap32(v);
}
inline std::uint64_t load_be64(const std::uint8_t* p) noexcept {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return __builtin_bswap64(v);
}
inline void store_be16(std::uint8_t* p, std::uint16_t v) noexcept {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}
inline void store_be32(std::uint8_t* p, std::uint32_t v) noexcept {
    v = __builtin_bswap32(v);
    std::memcpy(p, &v, 4);
}
inline void store_be64(std::uint8_t* p, std::uint64_t v) noexcept {
    v = __builtin_bswap64(v);
    std::memcpy(p, &v, 8);
}

}  // namespace otp::etf_detail

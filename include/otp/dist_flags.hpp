// Distribution capability flags exchanged in the handshake (OTP's DFLAG_*).
#pragma once

#include <cstdint>
#include <string>

namespace otp::dflag {

inline constexpr std::uint64_t published = 0x1;
inline constexpr std::uint64_t atom_cache = 0x2;
inline constexpr std::uint64_t extended_references = 0x4;
inline constexpr std::uint64_t dist_monitor = 0x8;
inline constexpr std::uint64_t fun_tags = 0x10;
inline constexpr std::uint64_t dist_monitor_name = 0x20;
inline constexpr std::uint64_t hidden_atom_cache = 0x40;
inline constexpr std::uint64_t new_fun_tags = 0x80;
inline constexpr std::uint64_t extended_pids_ports = 0x100;
inline constexpr std::uint64_t export_ptr_tag = 0x200;
inline constexpr std::uint64_t bit_binaries = 0x400;
inline constexpr std::uint64_t new_floats = 0x800;
inline constexpr std::uint64_t unicode_io = 0x1000;
inline constexpr std::uint64_t dist_hdr_atom_cache = 0x2000;
inline constexpr std::uint64_t small_atom_tags = 0x4000;
inline constexpr std::uint64_t utf8_atoms = 0x10000;
inline constexpr std::uint64_t map_tag = 0x20000;
inline constexpr std::uint64_t big_creation = 0x40000;
inline constexpr std::uint64_t send_sender = 0x80000;
inline constexpr std::uint64_t big_seqtrace_labels = 0x100000;
inline constexpr std::uint64_t exit_payload = 0x400000;
inline constexpr std::uint64_t fragments = 0x800000;
inline constexpr std::uint64_t handshake_23 = 0x1000000;
inline constexpr std::uint64_t unlink_id = 0x2000000;
/// Shorthand for the eleven OTP 25 mandatory flags. Bit 26, not bit 36 as the OTP
/// documentation prints it.
inline constexpr std::uint64_t mandatory_25_digest = 0x4000000;
inline constexpr std::uint64_t spawn = 1ull << 32;
inline constexpr std::uint64_t name_me = 1ull << 33;
inline constexpr std::uint64_t v4_nc = 1ull << 34;
inline constexpr std::uint64_t alias = 1ull << 35;
inline constexpr std::uint64_t altact_sig = 1ull << 37;

/// What OTP 25 requires of every peer.
inline constexpr std::uint64_t mandatory_otp25 =
    extended_references | fun_tags | new_fun_tags | extended_pids_ports | export_ptr_tag |
    bit_binaries | new_floats | utf8_atoms | map_tag | big_creation | handshake_23;
/// What OTP 26+ requires; otpcpp requires the same of its peers, since it implements
/// only the new link protocol and V4 identifiers (so OTP 24 and later can connect).
inline constexpr std::uint64_t mandatory_otp26 = mandatory_otp25 | unlink_id | v4_nc;
static_assert(mandatory_otp25 == 0x01070F94);
static_assert(mandatory_otp26 == 0x403070F94);

/// A peer's flags with MANDATORY_25_DIGEST expanded to the flags it stands for.
constexpr std::uint64_t expand_mandatory_25(std::uint64_t flags) noexcept {
    return (flags & mandatory_25_digest) ? (flags | mandatory_otp25) : flags;
}

/// OTP's names of the flags set in `flags`, highest bit first, as OTP logs missing
/// flags: ["V4_NC","UNLINK_ID"].
std::string names(std::uint64_t flags);

}  // namespace otp::dflag

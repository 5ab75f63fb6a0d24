// Errors of an established distribution connection (framing, headers, control messages).
#pragma once

#include <system_error>

namespace otp {

/// Why a distribution connection was closed. Each concerns one connection only;
/// the node turns them into nodedown and `noconnection` exit signals.
enum class dist_errc {
    packet_too_large = 1,  ///< a length field over the connection's packet limit
    bad_packet,            ///< a packet in a format we did not negotiate, or cut short
    bad_atom_cache,  ///< a header's atom cache section is malformed or refers to an empty slot
    fragment_limit,  ///< too many unfinished fragment sequences or bytes held for them
    bad_fragment,    ///< a continuation for an unknown sequence, or out of order
    bad_control,     ///< a control message with an unknown op, wrong arity or types
    bad_term,        ///< a control message or payload that does not decode
    tick_timeout,    ///< nothing received for net_ticktime
    closed,          ///< the peer closed the connection
};
/// The category of dist_errc values; its name is "otp.dist".
const std::error_category& dist_category() noexcept;
inline std::error_code make_error_code(dist_errc e) noexcept {
    return {static_cast<int>(e), dist_category()};
}

}  // namespace otp

template <>
struct std::is_error_code_enum<otp::dist_errc> : std::true_type {};

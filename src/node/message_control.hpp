// The control tuples of the signals that carry messages (SEND, SEND_SENDER,
// REG_SEND), read straight from their bytes: no control term is built and freed per
// message. Anything else, or anything unusual in these, is left to the general
// decoder, which also gives the errors; so this path accepts a subset of what the
// general one accepts and never decides differently. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "otp/term.hpp"

namespace otp::dist {

/// SEND {2, _, To}, SEND_SENDER {22, From, To} or REG_SEND {6, From, _, ToName}.
struct message_control {
    std::int64_t op = 0;
    pid from;      ///< SEND_SENDER and REG_SEND
    pid to;        ///< SEND and SEND_SENDER
    atom to_name;  ///< REG_SEND
};

/// Reads such a control tuple at the start of `in` (no version byte), resolving
/// ATOM_CACHE_REFs through `cache_refs` (may be null). `used` is its length. nullopt
/// when `in` holds anything else.
std::optional<message_control> read_message_control(std::span<const std::uint8_t> in,
                                                    const std::vector<atom>* cache_refs,
                                                    std::size_t& used);

}  // namespace otp::dist

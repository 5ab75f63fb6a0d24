// Small tuples written without building a term, for the distribution's per-message
// control tuples: the bytes are exactly what encode() writes for the same values
// (minor version 2), because the encoder uses the same element writers.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <variant>
#include <vector>

#include "otp/term.hpp"

namespace otp::etf_detail {

/// One element of such a tuple: a small integer (0..255), an atom, a pid or a reference.
using element = std::variant<std::uint8_t, atom, const pid*, const reference*>;

class packet_atom_refs;

/// Appends SMALL_TUPLE_EXT with `elems` (fewer than 256), without a version byte; with
/// `refs`, atoms may be written as its atom cache references.
void append_small_tuple(std::vector<std::uint8_t>& out, std::initializer_list<element> elems,
                        packet_atom_refs* refs = nullptr);

}  // namespace otp::etf_detail

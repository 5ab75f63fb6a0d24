// Putting a decoded map's pairs into map-key order (exact_compare on keys), as the
// term model requires, and finding duplicate keys on the way.
#pragma once

#include <cstdint>
#include <vector>

#include "otp/term.hpp"

namespace otp::etf_detail {

/// exact_compare as -1, 0 or 1, with what map keys mostly are done inline: different
/// types, atoms, small integers and whole-byte binaries.
int key_compare(const term& a, const term& b) noexcept;

/// Scratch memory that order_map reuses between the maps of one decode.
struct map_sort_scratch {
    struct key {
        std::uint64_t hi;   // type rank, then the first bytes of the value
        std::uint64_t lo;   // the next bytes of the value
        std::uint32_t pos;  // where the pair is in the map
        bool exact;         // (hi, lo) decide alone: equal means the same key
    };
    std::vector<key> keys;
};

/// Sorts the map's pairs by key; false if two keys are equal (=:=). Throws
/// std::bad_alloc.
bool order_map(detail::map_node* m, map_sort_scratch& scratch);

}  // namespace otp::etf_detail

// Map-key order for decoded maps.
//
// OTP writes maps of more than 32 keys in its hash order, so decoding one means
// sorting it. Comparing terms through exact_compare inside std::sort took most of the
// time of decoding such maps; instead each key gets a 128-bit sort key (its type's
// rank, then the leading bytes of its value) and the full comparison runs only where
// two sort keys tie.
#include "term/map_order.hpp"

#include <algorithm>
#include <cstring>
#include <new>

#include "term/etf_tags.hpp"

namespace otp::etf_detail {
namespace {

using detail::tag;

// The first 15 bytes of s[0, n), zero-padded, as a big-endian (hi low 56 bits, lo)
// pair, so that comparing the pairs orders like comparing the bytes, except that a
// tie needs a full comparison (the bytes may go on, or hold zeros).
void prefix(const void* s, std::size_t n, std::uint64_t& hi, std::uint64_t& lo) noexcept {
    std::uint8_t buf[16] = {};
    std::memcpy(buf + 1, s, std::min<std::size_t>(n, 15));
    hi = load_be64(buf);
    lo = load_be64(buf + 8);
}

// The first 8 bytes of an atom's name, big-endian, zeros past its end (the entry is
// padded for this): a difference orders two names; a tie needs the full comparison.
std::uint64_t atom_prefix(atom a) noexcept {
    return load_be64(reinterpret_cast<const std::uint8_t*>(a.entry()->text));
}

// The sort key of a map key of the types that large maps mostly have; false for other
// types (the caller then sorts with exact_compare alone).
bool sort_key(const term& k, map_sort_scratch::key& out) noexcept {
    switch (k.raw_tag()) {
        case tag::small_int:
            // Every integer sorts first; biasing makes the signed order unsigned.
            out.hi = 0;
            out.lo = static_cast<std::uint64_t>(k.raw_int()) ^ (std::uint64_t{1} << 63);
            out.exact = true;
            return true;
        case tag::atom: {
            const auto* e = k.raw_atom().entry();
            prefix(e->text, e->size, out.hi, out.lo);
            out.hi |= std::uint64_t{1} << 56;  // atoms after numbers
            out.exact = false;
            return true;
        }
        case tag::binary: {
            const auto* b = static_cast<const detail::binary_node*>(k.raw_node());
            if (b->bits != 8) return false;
            prefix(b->data, b->size, out.hi, out.lo);
            out.hi |= std::uint64_t{detail::order_rank(tag::binary)} << 56;
            out.exact = false;
            return true;
        }
        default:
            return false;
    }
}

// Moves the pairs so that position i holds the pair that was at keys[i].pos. Pairs
// are relocated, never assigned, since slots in an arena hold no counts to release.
void permute(detail::map_node::pair* pairs, std::vector<map_sort_scratch::key>& keys) noexcept {
    using pair = detail::map_node::pair;
    const auto n = static_cast<std::uint32_t>(keys.size());
    for (std::uint32_t i = 0; i < n; ++i) {
        if (keys[i].pos == i) continue;
        pair held(std::move(pairs[i]));
        std::uint32_t j = i;
        for (;;) {
            const std::uint32_t from = keys[j].pos;
            keys[j].pos = j;
            if (from == i) {
                new (&pairs[j]) pair(std::move(held));
                break;
            }
            new (&pairs[j]) pair(std::move(pairs[from]));
            j = from;
        }
    }
}

}  // namespace

int key_compare(const term& a, const term& b) noexcept {
    const tag ta = a.raw_tag();
    const tag tb = b.raw_tag();
    if (ta == tb) {
        if (ta == tag::atom) {
            if (a.raw_atom() == b.raw_atom()) return 0;
            const std::uint64_t x = atom_prefix(a.raw_atom());
            const std::uint64_t y = atom_prefix(b.raw_atom());
            if (x != y) return x < y ? -1 : 1;
            const auto c = a.raw_atom() <=> b.raw_atom();
            return c < 0 ? -1 : (c > 0 ? 1 : 0);
        }
        if (ta == tag::small_int) return (a.raw_int() > b.raw_int()) - (a.raw_int() < b.raw_int());
        if (ta == tag::binary) {
            const auto* x = static_cast<const detail::binary_node*>(a.raw_node());
            const auto* y = static_cast<const detail::binary_node*>(b.raw_node());
            if (x->bits == 8 && y->bits == 8) {
                const std::size_t n = std::min(x->size, y->size);
                const int c = n == 0 ? 0 : std::memcmp(x->data, y->data, n);
                if (c != 0) return c < 0 ? -1 : 1;
                return (x->size > y->size) - (x->size < y->size);
            }
        }
    } else {
        const int ra = detail::order_rank(ta);
        const int rb = detail::order_rank(tb);
        if (ra != rb) return ra < rb ? -1 : 1;
    }
    const auto c = exact_compare(a, b);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

bool order_map(detail::map_node* m, map_sort_scratch& scratch) {
    using pair = detail::map_node::pair;
    pair* pairs = m->pairs();
    const std::uint32_t n = m->size;
    // Small maps come sorted (OTP writes them in key order): one pass tells.
    bool sorted = true;
    for (std::uint32_t i = 1; i < n; ++i) {
        const int c = key_compare(pairs[i - 1].first, pairs[i].first);
        if (c == 0) return false;
        if (c > 0) {
            sorted = false;
            break;
        }
    }
    if (sorted) return true;

    auto& keys = scratch.keys;
    keys.resize(n);
    bool fast = true;
    for (std::uint32_t i = 0; i < n && fast; ++i) {
        fast = sort_key(pairs[i].first, keys[i]);
        keys[i].pos = i;
    }
    if (!fast) {
        // Rare key types: the plain comparison. std::sort only move-assigns into
        // elements it has moved from, which hold no node, so nothing is released.
        std::sort(pairs, pairs + n,
                  [](const pair& a, const pair& b) { return key_compare(a.first, b.first) < 0; });
        for (std::uint32_t i = 1; i < n; ++i)
            if (key_compare(pairs[i - 1].first, pairs[i].first) == 0) return false;
        return true;
    }
    const auto same = [pairs](const map_sort_scratch::key& a, const map_sort_scratch::key& b) {
        return a.hi == b.hi && a.lo == b.lo &&
               (a.exact || key_compare(pairs[a.pos].first, pairs[b.pos].first) == 0);
    };
    std::sort(keys.begin(), keys.end(),
              [pairs](const map_sort_scratch::key& a, const map_sort_scratch::key& b) {
                  if (a.hi != b.hi) return a.hi < b.hi;
                  if (a.lo != b.lo) return a.lo < b.lo;
                  return !a.exact && key_compare(pairs[a.pos].first, pairs[b.pos].first) < 0;
              });
    for (std::uint32_t i = 1; i < n; ++i)
        if (same(keys[i - 1], keys[i])) return false;
    permute(pairs, keys);
    return true;
}

}  // namespace otp::etf_detail

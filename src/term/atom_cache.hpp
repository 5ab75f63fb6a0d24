// The decoder's per-thread cache of atoms, keyed by their bytes in the input.
//
// A hit is a hash and a compare, with no lock and no UTF-8 validation (the entry's
// text was validated when it was interned, and equal bytes are equally valid). The
// compare is inline: names are short, and a call to memcmp cost more than comparing.
// Entries are immortal, so a stale slot is merely a miss.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "otp/atom.hpp"

namespace otp::etf_detail {

// (Slots that also held a copy of short names, to skip fetching the entry, were
// slower: names in real data are often longer than such a slot can hold, and the
// bigger table missed the cache more often.)
struct atom_slot {
    const detail::atom_entry* entry = nullptr;
};

inline constexpr std::size_t atom_cache_size = 4096;

inline std::uint64_t load64(const std::uint8_t* p) noexcept {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}
inline std::uint32_t load32(const std::uint8_t* p) noexcept {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

// a[0, n) == b[0, n), reading no byte outside either range (the input may end against
// a guard page).
inline bool same_bytes(const std::uint8_t* a, const std::uint8_t* b, std::size_t n) noexcept {
    if (n >= 8) {
        for (std::size_t i = 0; i + 8 < n; i += 8)
            if (load64(a + i) != load64(b + i)) return false;
        return load64(a + n - 8) == load64(b + n - 8);
    }
    if (n >= 4) return load32(a) == load32(b) && load32(a + n - 4) == load32(b + n - 4);
    for (std::size_t i = 0; i < n; ++i)
        if (a[i] != b[i]) return false;
    return true;
}

inline std::size_t quick_hash(const std::uint8_t* s, std::size_t n) noexcept {
    std::uint64_t a;
    std::uint64_t b;
    if (n >= 8) {
        a = load64(s);
        b = load64(s + n - 8);
    } else if (n >= 4) {
        a = load32(s);
        b = load32(s + n - 4);
    } else {
        a = n == 0 ? 0 : (s[0] | (s[n / 2] << 8) | (s[n - 1] << 16));
        b = 0;
    }
    const std::uint64_t h = (a * 0x9E3779B97F4A7C15ull) ^ ((b + n) * 0xC2B2AE3D27D4EB4Full);
    return static_cast<std::size_t>(h >> 40);
}

/// This thread's cache.
inline atom_slot* thread_atom_cache() noexcept {
    thread_local atom_slot cache[atom_cache_size];
    return cache;
}

/// The slot for the name s[0, n); `hit` is that name's atom entry if the slot holds
/// it, else nullptr.
[[gnu::always_inline]] inline atom_slot& find_atom(atom_slot* cache, const std::uint8_t* s,
                                                   std::size_t n,
                                                   const detail::atom_entry*& hit) noexcept {
    atom_slot& slot = cache[quick_hash(s, n) & (atom_cache_size - 1)];
    const detail::atom_entry* e = slot.entry;
    hit = e != nullptr && e->size == n &&
                  same_bytes(reinterpret_cast<const std::uint8_t*>(e->text), s, n)
              ? e
              : nullptr;
    return slot;
}

/// Remembers that its name is the atom `a`.
inline void remember_atom(atom_slot& slot, atom a) noexcept {
    slot.entry = a.entry();
}

}  // namespace otp::etf_detail

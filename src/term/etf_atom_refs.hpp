// The sending side of the distribution header's atom cache (131 68, see the wire
// protocol notes §4.2): a packet's atoms are written as ATOM_CACHE_REF, and the header
// in front of its terms maps each reference to one of the connection's 2048 cache
// slots, with the atom's text when the slot is new. The BEAM then finds those atoms
// by slot instead of hashing their names (a pid's node name, '', the registered name
// and the message's atoms): it costs a BEAM receiver about a quarter less per small
// message.
//
// Packets are encoded on their senders' threads at once, and their order on the wire
// is fixed only later, when they are queued. So a slot is given to one atom for the
// connection's life and never overwritten, and a packet refers to a slot without its
// text only once a packet that defines it has been queued (the slot is "confirmed").
// Until then each packet defines it again, which is harmless: the definition is the
// same every time.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "otp/atom.hpp"

namespace otp::etf_detail {

/// One connection's sending atom cache: which atom each slot holds, and whether a
/// packet defining it has been queued. Thread-safe.
class out_atom_cache {
  public:
    static constexpr std::size_t slots = 2048;

    out_atom_cache() noexcept;
    out_atom_cache(const out_atom_cache&) = delete;
    out_atom_cache& operator=(const out_atom_cache&) = delete;

    /// The calling thread's packets for this cache are queued, in wire order: the
    /// slots they defined may be referred to without their text from now on.
    void confirm_queued() noexcept;
    /// The calling thread's packets for this cache since the last confirm_queued()
    /// were dropped: what they defined stays unconfirmed.
    void forget_unqueued() noexcept;

  private:
    friend class packet_atom_refs;
    // Each slot: 0 (free), an atom_entry's address (given to it, not yet confirmed), or
    // the address | 1 (confirmed). Entries are immortal and at least 4-byte aligned.
    std::array<std::atomic<std::uintptr_t>, slots> slot_{};
    // Tells this cache from a later one at the same address, for the threads' lists.
    const std::uint64_t id_;
};

/// The atom cache references of the packet being encoded on the calling thread: the
/// term encoder, given it, writes atoms through ref(). One per thread, reused packet
/// after packet (begin() to end()).
class packet_atom_refs {
  public:
    static constexpr std::size_t max_refs = 255;

    /// Starts the calling thread's next packet for `cache`.
    static packet_atom_refs& begin(out_atom_cache& cache) noexcept;

    /// The reference index of `e` in this packet, or -1 when it is written inline (its
    /// slot is another atom's, the packet has 255 references, or its name is longer
    /// than 255 bytes).
    int ref(const detail::atom_entry* e) {
        const std::size_t s = e->index % out_atom_cache::slots;
        if (seen_[s] == gen_) {
            const std::uint8_t i = index_[s];
            return i != none && atoms_[i] == e ? i : -1;
        }
        seen_[s] = gen_;
        index_[s] = none;
        if (n_ == max_refs) return -1;
        // The common case inline: a slot confirmed for this atom.
        const std::uintptr_t v = cache_->slot_[s].load(std::memory_order_acquire);
        if (v != (reinterpret_cast<std::uintptr_t>(e) | 1)) return ref_new(e, s, v);
        return add(e, s, false);
    }
    /// Ends the packet. `sent` false: the packet was dropped, so what it defined is not
    /// to be confirmed.
    void end(bool sent) noexcept;

    /// Bytes of the header: 131, 68, N, the flags and the references.
    std::size_t header_size() const noexcept { return n_ == 0 ? 3 : 3 + n_ / 2 + 1 + entry_bytes_; }
    /// Writes header_size() bytes at `p`.
    void write_header(std::uint8_t* p) noexcept;
    /// The size of the last header this thread wrote: a steady stream's packets have
    /// the same one, so room left for it spares moving the terms once they are written.
    std::size_t header_guess() const noexcept { return last_size_; }

  private:
    friend class out_atom_cache;
    packet_atom_refs() = default;
    static packet_atom_refs& of_this_thread() noexcept;
    // ref() of an atom whose slot (holding `v`) is not confirmed for it.
    int ref_new(const detail::atom_entry* e, std::size_t s, std::uintptr_t v);
    int add(const detail::atom_entry* e, std::size_t s, bool fresh) noexcept {
        atoms_[n_] = e;
        slot_of_[n_] = static_cast<std::uint16_t>(s);
        fresh_[n_] = fresh;
        entry_bytes_ += fresh ? 2 + e->size : 1;
        index_[s] = static_cast<std::uint8_t>(n_);
        return static_cast<int>(n_++);
    }

    out_atom_cache* cache_ = nullptr;
    std::size_t n_ = 0;
    std::size_t entry_bytes_ = 0;  // of the references after the flags
    std::size_t last_size_ = 3;
    std::array<const detail::atom_entry*, max_refs> atoms_{};
    std::array<std::uint16_t, max_refs> slot_of_{};
    std::array<bool, max_refs> fresh_{};  // the slot is defined in this packet
    // Which slots this packet has decided on (seen_ == gen_) and their reference
    // (none: inline), so that an atom met again costs no look-up in the cache.
    static constexpr std::uint8_t none = 255;
    std::uint32_t gen_ = 0;
    std::array<std::uint32_t, out_atom_cache::slots> seen_{};
    std::array<std::uint8_t, out_atom_cache::slots> index_{};
    // Slots this thread's packets defined and nobody has confirmed yet: of the cache
    // with id defined_for_, those of this packet from defined_mark_ on.
    static constexpr std::size_t max_defined = 4 * out_atom_cache::slots;
    std::uint64_t defined_for_ = 0;
    std::vector<std::uint16_t> defined_;
    std::size_t defined_mark_ = 0;
};

}  // namespace otp::etf_detail

// The sending side of the distribution header's atom cache.
#include "term/etf_atom_refs.hpp"

#include <cstring>

namespace otp::etf_detail {
namespace {

std::atomic<std::uint64_t> next_cache_id{1};

}  // namespace

out_atom_cache::out_atom_cache() noexcept
    : id_(next_cache_id.fetch_add(1, std::memory_order_relaxed)) {}

packet_atom_refs& packet_atom_refs::of_this_thread() noexcept {
    thread_local packet_atom_refs refs;
    return refs;
}

packet_atom_refs& packet_atom_refs::begin(out_atom_cache& cache) noexcept {
    packet_atom_refs& refs = of_this_thread();
    refs.cache_ = &cache;
    refs.n_ = 0;
    refs.entry_bytes_ = 0;
    if (++refs.gen_ == 0) {
        refs.seen_.fill(0);
        refs.gen_ = 1;
    }
    if (refs.defined_for_ != cache.id_) {
        // Another connection's unconfirmed slots: left unconfirmed, which is safe.
        refs.defined_.clear();
        refs.defined_for_ = cache.id_;
    }
    refs.defined_mark_ = refs.defined_.size();
    return refs;
}

int packet_atom_refs::ref_new(const detail::atom_entry* e, std::size_t s, std::uintptr_t v) {
    if (e->size > 255) return -1;  // no LongAtoms headers
    const auto me = reinterpret_cast<std::uintptr_t>(e);
    if (v == 0 && cache_->slot_[s].compare_exchange_strong(v, me, std::memory_order_acq_rel))
        v = me;
    if (v != me) return -1;  // another atom's slot
    // (A thread whose packets are never queued stops listing: unlisted slots merely
    // stay unconfirmed.)
    if (defined_.size() < max_defined) defined_.push_back(static_cast<std::uint16_t>(s));
    return add(e, s, true);
}

void packet_atom_refs::end(bool sent) noexcept {
    if (!sent) defined_.resize(defined_mark_);
}

void packet_atom_refs::write_header(std::uint8_t* p) noexcept {
    last_size_ = header_size();
    p[0] = 131;
    p[1] = 68;
    p[2] = static_cast<std::uint8_t>(n_);
    if (n_ == 0) return;
    // One nibble per reference (new-entry bit and segment), and a last one whose
    // LongAtoms bit stays 0: no cached name is longer than 255 bytes.
    const auto nibble = [&](std::size_t i) -> unsigned {
        return i < n_ ? (fresh_[i] ? 8u : 0u) | (slot_of_[i] >> 8) : 0u;
    };
    std::uint8_t* q = p + 3;
    for (std::size_t i = 0; i <= n_; i += 2)
        *q++ = static_cast<std::uint8_t>(nibble(i) | (nibble(i + 1) << 4));
    for (std::size_t i = 0; i < n_; ++i) {
        *q++ = static_cast<std::uint8_t>(slot_of_[i] & 0xFF);
        if (fresh_[i]) {
            const detail::atom_entry* e = atoms_[i];
            *q++ = static_cast<std::uint8_t>(e->size);
            std::memcpy(q, e->text, e->size);
            q += e->size;
        }
    }
}

void out_atom_cache::confirm_queued() noexcept {
    packet_atom_refs& refs = packet_atom_refs::of_this_thread();
    if (refs.defined_for_ != id_) return;
    // Each slot listed holds the atom this thread saw there: a slot never changes
    // hands, so setting the bit is all.
    for (std::uint16_t s : refs.defined_)
        slot_[s].fetch_or(1, std::memory_order_release);
    refs.defined_.clear();
}

void out_atom_cache::forget_unqueued() noexcept {
    packet_atom_refs& refs = packet_atom_refs::of_this_thread();
    if (refs.defined_for_ == id_) refs.defined_.clear();
}

}  // namespace otp::etf_detail

// The sending side of the distribution header's atom cache.
#include "term/etf_atom_refs.hpp"

#include <cstring>

namespace otp::etf_detail {
namespace {

std::atomic<std::uint64_t> next_cache_id{1};

// Made on first use by a thread that encodes for a connection with the cache.
thread_local packet_atom_refs* thread_packet = nullptr;
thread_local bool packet_active = false;

}  // namespace

out_atom_cache::out_atom_cache() noexcept
    : id_(next_cache_id.fetch_add(1, std::memory_order_relaxed)) {}

packet_atom_refs& packet_atom_refs::begin(out_atom_cache& cache) noexcept {
    thread_local packet_atom_refs refs;
    thread_packet = &refs;
    packet_active = true;
    refs.cache_ = &cache;
    refs.n_ = 0;
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

packet_atom_refs* packet_atom_refs::active() noexcept {
    return packet_active ? thread_packet : nullptr;
}

int packet_atom_refs::ref(const detail::atom_entry* e) {
    const std::size_t s = e->index % out_atom_cache::slots;
    if (seen_[s] == gen_) {
        const std::uint8_t i = index_[s];
        return i != none && atoms_[i] == e ? i : -1;
    }
    seen_[s] = gen_;
    index_[s] = none;
    if (n_ == max_refs || e->size > 255) return -1;
    std::atomic<std::uintptr_t>& cell = cache_->slot_[s];
    const auto me = reinterpret_cast<std::uintptr_t>(e);
    std::uintptr_t v = cell.load(std::memory_order_acquire);
    if (v == 0 && cell.compare_exchange_strong(v, me, std::memory_order_acq_rel)) v = me;
    if ((v & ~std::uintptr_t{1}) != me) return -1;
    const bool fresh = (v & 1) == 0;
    // (A thread whose packets are never queued stops listing: unlisted slots merely
    // stay unconfirmed.)
    if (fresh && defined_.size() < max_defined) defined_.push_back(static_cast<std::uint16_t>(s));
    atoms_[n_] = e;
    slot_of_[n_] = static_cast<std::uint16_t>(s);
    fresh_[n_] = fresh;
    index_[s] = static_cast<std::uint8_t>(n_);
    return static_cast<int>(n_++);
}

void packet_atom_refs::end(bool sent) noexcept {
    packet_active = false;
    if (!sent) defined_.resize(defined_mark_);
}

std::size_t packet_atom_refs::header_size() const noexcept {
    if (n_ == 0) return 3;
    std::size_t size = 3 + n_ / 2 + 1;
    for (std::size_t i = 0; i < n_; ++i)
        size += fresh_[i] ? 2 + atoms_[i]->size : 1;
    return size;
}

void packet_atom_refs::write_header(std::uint8_t* p) const noexcept {
    p[0] = 131;
    p[1] = 68;
    p[2] = static_cast<std::uint8_t>(n_);
    if (n_ == 0) return;
    // One nibble per reference (new-entry bit and segment), and a last one whose
    // LongAtoms bit stays 0: no cached name is longer than 255 bytes.
    std::uint8_t* flags = p + 3;
    const std::size_t flag_bytes = n_ / 2 + 1;
    std::memset(flags, 0, flag_bytes);
    std::uint8_t* q = flags + flag_bytes;
    for (std::size_t i = 0; i < n_; ++i) {
        const unsigned segment = slot_of_[i] >> 8;
        const unsigned nibble = (fresh_[i] ? 8u : 0u) | segment;
        flags[i / 2] |= static_cast<std::uint8_t>(nibble << ((i % 2) * 4));
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
    packet_atom_refs* refs = thread_packet;
    if (refs == nullptr || refs->defined_for_ != id_) return;
    // Each slot listed holds the atom this thread saw there: a slot never changes
    // hands, so setting the bit is all.
    for (std::uint16_t s : refs->defined_)
        slot_[s].fetch_or(1, std::memory_order_release);
    refs->defined_.clear();
}

void out_atom_cache::forget_unqueued() noexcept {
    packet_atom_refs* refs = thread_packet;
    if (refs != nullptr && refs->defined_for_ == id_) refs->defined_.clear();
}

}  // namespace otp::etf_detail

// Encoding with large binaries left out of the output, for a gathered write: the
// bytes of a binary are sent from where the term holds them instead of being copied
// into the packet first. A 1 MiB copy was a fifth of the sender's time per packet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "otp/etf.hpp"

namespace otp::etf_detail {

/// `size` bytes at `data` that belong at offset `at` of the output they were left out
/// of. `data` is the term's own storage: valid while the term is.
struct splice {
    std::size_t at;
    const std::uint8_t* data;
    std::size_t size;
};

/// The binaries left out of one output, in output order.
struct splice_list {
    std::size_t min_size = 64 * 1024;             ///< smaller binaries are copied as usual
    static constexpr std::size_t max_items = 16;  ///< past this many, they are copied
    std::vector<splice> items;

    /// The bytes left out, in all.
    std::size_t bytes() const noexcept;
    /// The bytes left out by items[first...] (those recorded since there were `first`).
    std::size_t bytes_since(std::size_t first) const noexcept;
};

class packet_atom_refs;

/// encode_body_append for a distribution packet. With `splices`: leaves out binaries of
/// splices->min_size bytes or more (up to max_items of them) and records them there;
/// the size returned counts them. With `refs`: atoms may be written as its atom cache
/// references (see etf_atom_refs.hpp).
result<std::size_t> encode_body_append_dist(const term& t, std::vector<std::uint8_t>& out,
                                            const encode_options& opt, splice_list* splices,
                                            packet_atom_refs* refs);

/// Puts the left-out bytes back into `out`, which becomes the plain encoding, less its
/// first `skip` bytes (those already written). Clears `splices`.
void materialize(std::vector<std::uint8_t>& out, splice_list& splices, std::size_t skip = 0);

}  // namespace otp::etf_detail

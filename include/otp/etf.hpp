// The external term format (ETF): decoding bytes into otp::term and encoding back,
// byte for byte as OTP 25's term_to_binary does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "otp/atom.hpp"
#include "otp/error.hpp"
#include "otp/term.hpp"

namespace otp {

/// The atoms that ATOM_CACHE_REF indexes of one distribution header stand for:
/// `atoms[i]` is the atom of reference `i` of that header (new entries and cached ones
/// already resolved by the connection). The decoder only reads it; whoever builds it
/// keeps the atoms alive (atoms are immortal, so a span over any live array works).
struct atom_cache_view {
    std::span<const atom> atoms;

    /// The atom of reference `index`, or nullptr when the header has no such reference.
    const atom* find(std::size_t index) const noexcept {
        return index < atoms.size() ? &atoms[index] : nullptr;
    }
};

/// Resolves a LOCAL_EXT (tag 121) term. Called with the bytes that follow the tag (up
/// to the end of the input); returns the term and sets `used` to the bytes it consumed.
using local_ext_resolver =
    std::function<result<term>(std::span<const std::uint8_t> after_tag, std::size_t& used)>;

/// Options of decode() and decode_body().
struct decode_options {
    /// Nesting limit: a term inside more than this many tuples, lists, maps or funs
    /// gives term_errc::too_deep. A list's tail does not add a level.
    std::size_t max_depth = 1000;
    /// Largest uncompressed size a compressed term (tag 80) may claim.
    std::size_t max_inflated_size = 256u << 20;
    /// Binaries of 64 bytes or more reference the input (kept alive through `owner`)
    /// instead of copying it; smaller ones, and bitstrings whose unused bits must be
    /// cleared, are still copied. Needs `owner`; ignored without it.
    bool zero_copy = false;
    /// The smallest binary that zero_copy references (at least 64 bytes): a reader
    /// that reuses its buffer sets it high, so that only large binaries hold a buffer.
    std::size_t zero_copy_min = 64;
    /// Keeps the input alive for zero-copy binaries.
    std::shared_ptr<const void> owner;
    /// Resolves ATOM_CACHE_REF (tag 82); without it such terms give atom_cache_ref.
    const atom_cache_view* atom_cache = nullptr;
    /// Resolves LOCAL_EXT (tag 121); without it such terms give term_errc::local_ext.
    local_ext_resolver local_ext;
};

/// Where decoding failed.
struct decode_error_info {
    std::error_code code;
    /// Offset of the failing byte in the input. For an error inside a compressed term's
    /// payload (`inflated` true) it counts bytes of the inflated term instead.
    std::size_t offset = 0;
    /// True when `offset` is within the inflated payload of a compressed term.
    bool inflated = false;
};

/// Decodes a whole buffer: the 131 version byte, one term (possibly compressed, tag 80)
/// and nothing after it (else term_errc::trailing_bytes). Never reads outside `bytes`,
/// never recurses, and allocates at most a small multiple of the input size (or of the
/// bounded inflated size) whatever the length fields claim. Lists whose tail is another
/// LIST_EXT/STRING_EXT (never written by OTP) are stored as one run. Throws only
/// std::bad_alloc, or what a local_ext resolver throws.
///
/// The decoded term's nodes share one arena (see otp::term): any part of the result
/// that is kept keeps all of it alive.
result<term> decode(std::span<const std::uint8_t> bytes, const decode_options& options = {});
/// As decode(), also reporting the error offset in `err`.
result<term> decode(std::span<const std::uint8_t> bytes, decode_error_info& err,
                    const decode_options& options = {});
/// Decodes one term that starts at bytes[0] without a 131 byte (the terms of a
/// distribution header packet); sets `used` to the bytes it took. Bytes may follow.
result<term> decode_body(std::span<const std::uint8_t> bytes, std::size_t& used,
                         const decode_options& options = {});
/// As decode_body(), also reporting the error offset in `err`.
result<term> decode_body(std::span<const std::uint8_t> bytes, std::size_t& used,
                         decode_error_info& err, const decode_options& options = {});

/// Options of the encoders, named after term_to_binary/2's.
struct encode_options {
    /// 0: floats as FLOAT_EXT text; 1: OTP 25's term_to_binary/1 default (ATOM_EXT for
    /// Latin-1 atoms); 2: UTF-8 atom tags always (distribution, OTP 26+ default).
    int minor_version = 1;
    /// -1: no compression; 0..9: zlib level as `{compressed, L}` (`compressed` alone is
    /// 6). As OTP, the compressed form is used only when it is not longer.
    int compressed = -1;
    /// Nesting limit, as decode_options::max_depth; deeper terms give too_deep.
    std::size_t max_depth = 1000;
};

/// Encodes with the 131 version byte; throws otp::system_error (too_deep) when the term
/// nests deeper than options.max_depth.
std::vector<std::uint8_t> encode(const term& t, const encode_options& options = {});
/// Appends 131 and the term to `out`; returns the bytes appended. On error `out` is
/// left as it was.
result<std::size_t> encode_append(const term& t, std::vector<std::uint8_t>& out,
                                  const encode_options& options = {});
/// Appends the term without the 131 byte (distribution header packets) and never
/// compresses; returns the bytes appended.
result<std::size_t> encode_body_append(const term& t, std::vector<std::uint8_t>& out,
                                       const encode_options& options = {});
/// The exact size encode() gives without compression, 131 included (0 when the term
/// nests deeper than options.max_depth).
std::size_t encoded_size(const term& t, const encode_options& options = {});

}  // namespace otp

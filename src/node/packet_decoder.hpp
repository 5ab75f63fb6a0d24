// Decodes the packets of an established connection into control messages and
// payloads: pass-through ('p'), the distribution header (131 68) with its atom
// cache, and fragmented messages (131 69 / 131 70). Pure; one per connection.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "node/message_control.hpp"
#include "otp/dist_error.hpp"
#include "otp/etf.hpp"
#include "otp/term.hpp"

namespace otp::dist {

/// One received distribution message: a control tuple and, for some ops, a payload
/// term (the message, exit reason or argument list).
struct message {
    term control;
    std::optional<term> payload;
    /// With decoder_config::direct_control, a SEND, SEND_SENDER or REG_SEND control
    /// tuple is read into this instead of `control` (which stays empty).
    std::optional<message_control> direct;
};

/// Which packet formats the negotiated flags allow, and the memory bounds.
struct decoder_config {
    bool header_format = false;       ///< DIST_HDR_ATOM_CACHE or FRAGMENTS negotiated: 131 68
    bool fragments = false;           ///< FRAGMENTS negotiated: 131 69 / 131 70 too
    std::size_t max_sequences = 256;  ///< unfinished fragment sequences held at once
    std::size_t max_fragment_bytes = 256u << 20;  ///< bytes held for them in total
    decode_options terms;                         ///< limits for the terms (depth, zero copy)
    bool direct_control = false;                  ///< message control tuples into message::direct
};

/// Not thread-safe: the connection's reader owns it.
class packet_decoder {
  public:
    explicit packet_decoder(decoder_config cfg);

    enum class status {
        message,  ///< `out` holds a whole message
        tick,     ///< an empty packet: liveness only
        pending,  ///< a fragment was stored; the message is not complete yet
        error,    ///< `ec` says why; close the connection
    };
    /// Decodes one packet body (without its length). `owner` keeps the packet's memory
    /// alive for zero-copy binaries (may be null: binaries are then copied).
    status decode(std::span<const std::uint8_t> packet, const std::shared_ptr<const void>& owner,
                  message& out, std::error_code& ec);

    /// Fragment sequences currently held, and their bytes (for limits and metrics).
    std::size_t pending_sequences() const noexcept { return sequences_.size(); }
    std::size_t pending_bytes() const noexcept { return pending_bytes_; }

  private:
    struct sequence {
        std::uint64_t next_fragment;  // the FragmentId the next continuation must carry
        std::vector<atom> atoms;      // the header's references, resolved at the start
        std::shared_ptr<std::vector<std::uint8_t>> data;
    };
    // Parses an atom cache section at `in`, updating the cache; fills `atoms`.
    bool read_cache_section(std::span<const std::uint8_t> in, std::size_t& pos,
                            std::vector<atom>& atoms);
    status decode_terms(std::span<const std::uint8_t> in, const std::vector<atom>* atoms,
                        bool versioned, const std::shared_ptr<const void>& owner, message& out,
                        std::error_code& ec);

    decoder_config cfg_;
    decode_options opts_;      // cfg_.terms plus this packet's atom cache and owner
    std::vector<atom> cache_;  // 8 segments x 256 slots
    std::vector<bool> cache_set_;
    std::unordered_map<std::uint64_t, sequence> sequences_;
    std::size_t pending_bytes_ = 0;
    std::vector<atom> scratch_atoms_;
};

}  // namespace otp::dist

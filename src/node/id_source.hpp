// Generates this node's pids, references and ports, as a BEAM node does: they carry
// the node name and creation and are never reused within one creation.
#pragma once

#include <atomic>
#include <cstdint>

#include "otp/term.hpp"

namespace otp::node_detail {

/// Thread-safe (lock-free counters). One per node incarnation.
class id_source {
  public:
    /// `node` and `creation` from the handshake/epmd; `seed` varies references between
    /// runs so that a restarted node does not repeat its previous references.
    id_source(atom node, std::uint32_t creation, std::uint64_t seed) noexcept
        : node_(node), creation_(creation), seed_(seed) {}

    /// A new pid: id and serial are the low and high halves of a 64-bit counter,
    /// both full 32-bit fields as V4_NC allows.
    pid make_pid() noexcept {
        const std::uint64_t n = next_pid_.fetch_add(1, std::memory_order_relaxed);
        return pid{node_, static_cast<std::uint32_t>(n), static_cast<std::uint32_t>(n >> 32),
                   creation_};
    }
    /// A new three-word reference (the common length in OTP 25+).
    reference make_ref() noexcept {
        const std::uint64_t n = next_ref_.fetch_add(1, std::memory_order_relaxed);
        reference r{node_, creation_, 3, {}};
        r.ids[0] = static_cast<std::uint32_t>(n);
        r.ids[1] = static_cast<std::uint32_t>(n >> 32);
        r.ids[2] = static_cast<std::uint32_t>(seed_);
        return r;
    }
    /// A new port identifier.
    port make_port() noexcept {
        return port{node_, next_port_.fetch_add(1, std::memory_order_relaxed), creation_};
    }
    atom node() const noexcept { return node_; }
    std::uint32_t creation() const noexcept { return creation_; }

  private:
    atom node_;
    std::uint32_t creation_;
    std::uint64_t seed_;
    // Start above the pids a BEAM node reserves for its first system processes, so our
    // pids do not look like init (<0.0.0>).
    std::atomic<std::uint64_t> next_pid_{64};
    std::atomic<std::uint64_t> next_ref_{1};
    std::atomic<std::uint64_t> next_port_{1};
};

}  // namespace otp::node_detail

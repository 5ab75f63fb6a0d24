// The connecting side of the distribution handshake (pure state machine).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "handshake/fsm_io.hpp"
#include "otp/handshake.hpp"

namespace otp::handshake {

/// What the initiator needs; the driver supplies the random challenge.
struct initiator_config {
    std::string our_name;  ///< alive@host, or the host alone with NAME_ME in flags
    std::uint64_t our_flags = 0;
    std::uint32_t our_creation = 0;
    std::string peer_name;             ///< the node dialled; the challenge must come from it
    std::string cookie;                ///< what we prove to the peer
    std::string peer_cookie;           ///< what the peer must prove (usually the same)
    std::uint32_t challenge = 0;       ///< ours, from a secure random source
    std::uint64_t required_flags = 0;  ///< the peer must offer all of these
    /// The answer to `alive` (the peer holds a connection from us already): true when
    /// this attempt is still the one this node wants, as OTP's is_pending asks
    /// net_kernel. Asked at that moment; unset: true.
    std::function<bool()> still_pending;
    framing frame;
};

/// Drives send_name, status, challenge, reply and ack as the connecting node.
/// Not thread-safe; one per connection attempt.
class initiator_fsm : private fsm_io {
  public:
    explicit initiator_fsm(initiator_config cfg);
    /// Advances with the bytes just read (empty after a write or at the start).
    step resume(std::span<const std::uint8_t> input);
    /// The outcome after step::done.
    handshake_result& result() noexcept { return result_; }

  private:
    enum class state {
        start,
        sent_name,
        wait_status,
        sent_status_reply,
        wait_challenge,
        sent_reply,
        wait_ack,
        finished
    };
    step fail(handshake_errc e);
    step on_message(std::span<const std::uint8_t> body);

    initiator_config cfg_;
    state state_ = state::start;
    bool replace_ = false;  // what we answered to `alive`
    handshake_result result_;
    std::uint32_t peer_challenge_ = 0;
};

}  // namespace otp::handshake

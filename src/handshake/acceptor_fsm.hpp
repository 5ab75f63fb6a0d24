// The accepting side of the distribution handshake (pure state machine).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "handshake/fsm_io.hpp"
#include "otp/handshake.hpp"

namespace otp::handshake {

/// What the acceptor needs; the driver supplies the random challenge.
struct acceptor_config {
    std::string our_name;  ///< alive@host
    std::uint64_t our_flags = 0;
    std::uint32_t our_creation = 0;
    std::uint32_t challenge = 0;       ///< ours, from a secure random source
    std::uint64_t required_flags = 0;  ///< the peer must offer all of these
    framing frame;
};

/// The runtime's answer once the peer's name and flags are known (step::decide).
struct acceptor_decision {
    handshake_status status = handshake_status::ok;
    std::string cookie;       ///< what we prove to the peer (out-cookie)
    std::string peer_cookie;  ///< what the peer must prove (in-cookie)
    /// For handshake_status::named: the name and creation given to the peer.
    std::optional<std::pair<std::string, std::uint32_t>> named;
};

/// Drives name, status, challenge, complement, reply and ack as the accepting node.
/// Accepts the version 6 'N' name and, from OTP 23/24 initiators, the old 'n' name
/// followed by the 'c' complement. Not thread-safe; one per accepted connection.
class acceptor_fsm : private fsm_io {
  public:
    explicit acceptor_fsm(acceptor_config cfg);
    /// Advances with the bytes just read (empty after a write or at the start).
    step resume(std::span<const std::uint8_t> input);
    /// Gives the decision asked for by step::decide, then returns the next step.
    step decide(acceptor_decision d);
    /// The peer so far (name, flags, creation), and the outcome after step::done.
    handshake_result& result() noexcept { return result_; }
    /// True when the peer asked for a dynamic name (NAME_ME); its name is the host.
    bool peer_wants_name() const noexcept { return wants_name_; }
    /// Flags we require but the peer lacks (for the log line), after missing_flags.
    std::uint64_t missing_flags() const noexcept;

  private:
    enum class state {
        start,
        wait_name,
        deciding,
        sent_status,
        wait_status_reply,
        sent_challenge,
        wait_complement,
        wait_reply,
        sent_ack,
        finished
    };
    step fail(handshake_errc e);
    step refuse(handshake_errc e, const char* status);
    step on_message(std::span<const std::uint8_t> body);
    step send_challenge();
    std::uint64_t challenge_flags() const noexcept;

    acceptor_config cfg_;
    state state_ = state::start;
    handshake_result result_;
    acceptor_decision decision_;
    bool old_name_ = false;  // the peer sent 'n': a 'c' complement follows our challenge
    bool wants_name_ = false;
    std::optional<handshake_errc> fail_after_write_;
};

}  // namespace otp::handshake

// The connecting side of the distribution handshake.
#include "handshake/initiator_fsm.hpp"

#include "otp/dist_flags.hpp"

namespace otp::handshake {

initiator_fsm::initiator_fsm(initiator_config cfg) : fsm_io(cfg.frame), cfg_(std::move(cfg)) {
    result_.our_name = cfg_.our_name;
    result_.our_creation = cfg_.our_creation;
}

step initiator_fsm::fail(handshake_errc e) {
    state_ = state::finished;
    return {step::kind::failed, {}, make_error_code(e)};
}

step initiator_fsm::resume(std::span<const std::uint8_t> input) {
    switch (state_) {
        case state::start:
            state_ = state::sent_name;
            return write(encode(name_msg{cfg_.our_flags, cfg_.our_creation, cfg_.our_name}));
        case state::sent_name:
            state_ = state::wait_status;
            return {step::kind::read, {}, {}};
        case state::sent_status_reply:
            if (!replace_) return fail(handshake_errc::alive_refused);
            result_.replaces_existing = true;
            state_ = state::wait_challenge;
            break;  // the challenge may already be buffered
        case state::sent_reply:
            state_ = state::wait_ack;
            break;
        case state::finished:
            return fail(handshake_errc::bad_message);
        default:
            break;
    }
    return next_message(
        input, [this](std::span<const std::uint8_t> body) { return on_message(body); },
        [this](handshake_errc e) { return fail(e); });
}

step initiator_fsm::on_message(std::span<const std::uint8_t> body) {
    if (state_ == state::wait_status) {
        const auto st = parse_status(body);
        if (!st) return fail(handshake_errc::bad_message);
        const bool dynamic = (cfg_.our_flags & dflag::name_me) != 0;
        if (st->named) {
            if (!dynamic) return fail(handshake_errc::bad_status);
            result_.our_name = st->named->first;
            result_.our_creation = st->named->second;
        } else if (dynamic) {
            // A node asking for a name accepts nothing but `named:` (as OTP).
            return fail(st->text == "not_allowed" ? handshake_errc::not_allowed
                                                  : handshake_errc::bad_status);
        } else if (st->text == "alive") {
            state_ = state::sent_status_reply;
            replace_ = !cfg_.still_pending || cfg_.still_pending();
            return write(encode(status_msg{replace_ ? "true" : "false", {}}));
        } else if (st->text == "nok") {
            return fail(handshake_errc::nok);
        } else if (st->text == "not_allowed") {
            return fail(handshake_errc::not_allowed);
        } else if (st->text != "ok" && st->text != "ok_simultaneous") {
            return fail(handshake_errc::bad_status);
        }
        state_ = state::wait_challenge;
        return resume({});
    }
    if (state_ == state::wait_challenge) {
        const auto ch = parse_challenge(body);
        if (!ch) return fail(handshake_errc::bad_message);
        if (ch->name != cfg_.peer_name) return fail(handshake_errc::wrong_peer);
        result_.peer_name = ch->name;
        result_.peer_flags = dflag::expand_mandatory_25(ch->flags);
        result_.peer_creation = ch->creation;
        if ((cfg_.required_flags & ~result_.peer_flags) != 0)
            return fail(handshake_errc::missing_flags);
        result_.flags = cfg_.our_flags & result_.peer_flags;
        peer_challenge_ = ch->challenge;
        state_ = state::sent_reply;
        return write(encode(reply_msg{cfg_.challenge, make_digest(ch->challenge, cfg_.cookie)}));
    }
    if (state_ == state::wait_ack) {
        const auto ack = parse_ack(body);
        if (!ack) return fail(handshake_errc::bad_message);
        if (!digests_equal(*ack, make_digest(cfg_.challenge, cfg_.peer_cookie)))
            return fail(handshake_errc::bad_cookie);
        result_.leftover = take_rest();
        state_ = state::finished;
        return {step::kind::done, {}, {}};
    }
    return fail(handshake_errc::bad_message);
}

}  // namespace otp::handshake

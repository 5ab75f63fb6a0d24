// The accepting side of the distribution handshake.
#include "handshake/acceptor_fsm.hpp"

#include "otp/dist_flags.hpp"

namespace otp::handshake {
namespace {

// The checks dist_util applies to a connecting node's name: `alive@host` with both
// parts non-empty and exactly one '@'; with NAME_ME, a non-empty host alone.
bool name_ok(std::string_view name, bool dynamic) noexcept {
    const std::size_t at = name.find('@');
    if (dynamic) return !name.empty() && at == std::string_view::npos;
    return at != std::string_view::npos && at > 0 && at + 1 < name.size() &&
           name.find('@', at + 1) == std::string_view::npos;
}

}  // namespace

acceptor_fsm::acceptor_fsm(acceptor_config cfg) : fsm_io(cfg.frame), cfg_(std::move(cfg)) {
    result_.our_name = cfg_.our_name;
    result_.our_creation = cfg_.our_creation;
}

std::uint64_t acceptor_fsm::missing_flags() const noexcept {
    return cfg_.required_flags & ~result_.peer_flags;
}

step acceptor_fsm::fail(handshake_errc e) {
    state_ = state::finished;
    return {step::kind::failed, {}, make_error_code(e)};
}

step acceptor_fsm::refuse(handshake_errc e, const char* status) {
    // The refusal is written first; the failure is reported when the write is done.
    fail_after_write_ = e;
    state_ = state::sent_status;
    return write(encode(status_msg{status, {}}));
}

std::uint64_t acceptor_fsm::challenge_flags() const noexcept {
    // A dynamically named peer gets a hidden connection, as OTP does.
    return wants_name_ ? (cfg_.our_flags & ~dflag::published) | dflag::name_me : cfg_.our_flags;
}

step acceptor_fsm::send_challenge() {
    const std::uint64_t flags = challenge_flags();
    result_.flags = flags & result_.peer_flags;
    state_ = state::sent_challenge;
    return write(encode(challenge_msg{flags, cfg_.challenge, cfg_.our_creation, cfg_.our_name}));
}

step acceptor_fsm::decide(acceptor_decision d) {
    if (state_ != state::deciding) return fail(handshake_errc::bad_message);
    decision_ = std::move(d);
    switch (decision_.status) {
        case handshake_status::ok:
        case handshake_status::ok_simultaneous:
            state_ = state::sent_status;
            return write(encode(status_msg{
                decision_.status == handshake_status::ok ? "ok" : "ok_simultaneous", {}}));
        case handshake_status::nok:
            return refuse(handshake_errc::nok, "nok");
        case handshake_status::not_allowed:
            return refuse(handshake_errc::not_allowed, "not_allowed");
        case handshake_status::alive:
            state_ = state::sent_status;
            return write(encode(status_msg{"alive", {}}));
        case handshake_status::named:
            if (!wants_name_ || !decision_.named) return fail(handshake_errc::bad_status);
            result_.peer_name = decision_.named->first;
            result_.peer_creation = decision_.named->second;
            state_ = state::sent_status;
            return write(encode(status_msg{{}, decision_.named}));
    }
    return fail(handshake_errc::bad_status);
}

step acceptor_fsm::resume(std::span<const std::uint8_t> input) {
    switch (state_) {
        case state::start:
            state_ = state::wait_name;
            return {step::kind::read, {}, {}};
        case state::deciding:
            return {step::kind::decide, {}, {}};
        case state::sent_status:
            if (fail_after_write_) return fail(*fail_after_write_);
            if (decision_.status == handshake_status::alive) {
                state_ = state::wait_status_reply;
                break;
            }
            return send_challenge();
        case state::sent_challenge:
            state_ = old_name_ ? state::wait_complement : state::wait_reply;
            break;
        case state::sent_ack:
            state_ = state::finished;
            result_.leftover = take_rest();
            return {step::kind::done, {}, {}};
        case state::finished:
            return fail(handshake_errc::bad_message);
        default:
            break;
    }
    return next_message(
        input, [this](std::span<const std::uint8_t> body) { return on_message(body); },
        [this](handshake_errc e) { return fail(e); });
}

step acceptor_fsm::on_message(std::span<const std::uint8_t> body) {
    switch (state_) {
        case state::wait_name: {
            const auto n = parse_name(body);
            // A bad first message or name is closed without a word, as OTP does.
            if (!n) return fail(handshake_errc::bad_message);
            wants_name_ = (n->flags & dflag::name_me) != 0;
            if (!name_ok(n->name, wants_name_)) return fail(handshake_errc::bad_name);
            old_name_ = !n->creation.has_value();
            if (old_name_ && !(n->flags & dflag::handshake_23))
                return fail(handshake_errc::bad_message);
            result_.peer_name = n->name;
            result_.peer_flags = dflag::expand_mandatory_25(n->flags);
            result_.peer_creation = n->creation.value_or(0);
            // An 'n' name carries only the low 32 flag bits: check those now, the rest
            // after the complement.
            const std::uint64_t required =
                old_name_ ? (cfg_.required_flags & 0xFFFFFFFFull) : cfg_.required_flags;
            if ((required & ~result_.peer_flags) != 0)
                return refuse(handshake_errc::missing_flags, "not_allowed");
            state_ = state::deciding;
            return {step::kind::decide, {}, {}};
        }
        case state::wait_status_reply: {
            const auto st = parse_status(body);
            if (!st || st->named) return fail(handshake_errc::bad_message);
            if (st->text == "false") return fail(handshake_errc::alive_refused);
            if (st->text != "true") return fail(handshake_errc::bad_status);
            result_.replaces_existing = true;
            return send_challenge();
        }
        case state::wait_complement: {
            const auto c = parse_complement(body);
            if (!c) return fail(handshake_errc::bad_message);
            result_.peer_flags = dflag::expand_mandatory_25(result_.peer_flags |
                                                            (std::uint64_t{c->flags_high} << 32));
            result_.peer_creation = c->creation;
            if ((cfg_.required_flags & ~result_.peer_flags) != 0)
                return refuse(handshake_errc::missing_flags, "not_allowed");
            state_ = state::wait_reply;
            return resume({});
        }
        case state::wait_reply: {
            const auto r = parse_reply(body);
            if (!r) return fail(handshake_errc::bad_message);
            if (!digests_equal(r->sum, make_digest(cfg_.challenge, decision_.peer_cookie)))
                return fail(handshake_errc::bad_cookie);
            // Recompute: the complement may have added high flag bits.
            result_.flags = challenge_flags() & result_.peer_flags;
            state_ = state::sent_ack;
            return write(encode_ack(make_digest(r->challenge, decision_.cookie)));
        }
        default:
            return fail(handshake_errc::bad_message);
    }
}

}  // namespace otp::handshake

// Handshake state machines on synthetic exchanges: the paths a live erl 25.2 cannot
// be made to take (old 'n' names, nok, refusals), limits and the digest.
#include <gtest/gtest.h>

#include "handshake/acceptor_fsm.hpp"
#include "handshake/digest.hpp"
#include "handshake/initiator_fsm.hpp"
#include "otp/dist_flags.hpp"

using namespace otp;
using namespace otp::handshake;

namespace {

constexpr std::uint64_t peer_flags = 0xD07DF7FBDull;  // what an OTP 25.2 node offers
constexpr std::uint64_t our_flags = 0x4075F0FBCull;

std::vector<std::uint8_t> framed(const std::vector<std::uint8_t>& body) {
    return frame(body, 2);
}
std::vector<std::uint8_t> bytes(const step& s) {
    return {s.bytes.begin(), s.bytes.end()};
}

acceptor_config acc_cfg() {
    acceptor_config c;
    c.our_name = "cpp@host";
    c.our_flags = our_flags;
    c.our_creation = 7;
    c.challenge = 1234;
    c.required_flags = dflag::mandatory_otp26;
    return c;
}

initiator_config init_cfg() {
    initiator_config c;
    c.our_name = "cpp@host";
    c.our_flags = our_flags;
    c.our_creation = 7;
    c.peer_name = "erl@host";
    c.cookie = c.peer_cookie = "cookie";
    c.challenge = 99;
    c.required_flags = dflag::mandatory_otp26;
    return c;
}

// Runs an acceptor up to the decision with a given first message.
step to_decision(acceptor_fsm& fsm, const std::vector<std::uint8_t>& first) {
    EXPECT_EQ(fsm.resume({}).what, step::kind::read);
    return fsm.resume(framed(first));
}

}  // namespace

TEST(HandshakeDigest, KnownAnswer) {
    // From the facts sheet, checked with erlang:md5/1.
    const digest d = make_digest(3445760107u, "secret");
    const std::uint8_t expect[] = {0x8b, 0x38, 0x6d, 0x7f, 0x9d, 0xdb, 0xd8, 0x1e,
                                   0xd2, 0x33, 0xdd, 0xab, 0xa8, 0xc1, 0x29, 0xe6};
    EXPECT_TRUE(digests_equal(d, expect));
    EXPECT_FALSE(digests_equal(d, make_digest(3445760107u, "secreT")));
    EXPECT_FALSE(digests_equal(d, std::span<const std::uint8_t>(expect, 15)));
}

TEST(HandshakeFlags, NamesHighestBitFirstLikeOtp) {
    EXPECT_EQ(dflag::names(dflag::unlink_id | dflag::v4_nc), R"(["V4_NC","UNLINK_ID"])");
    EXPECT_EQ(dflag::names(0), "[]");
    EXPECT_EQ(dflag::names(1ull << 40), R"(["UNKNOWN<10000000000>"])");
    EXPECT_EQ(dflag::expand_mandatory_25(dflag::mandatory_25_digest) & dflag::mandatory_otp25,
              dflag::mandatory_otp25);
}

TEST(HandshakeAcceptor, OldNameThenComplement) {
    acceptor_fsm fsm(acc_cfg());
    // 'n': version 5, low 32 flag bits, name in the rest of the message.
    std::vector<std::uint8_t> n = {'n', 0, 5};
    const auto low = static_cast<std::uint32_t>(peer_flags);
    for (int i = 3; i >= 0; --i)
        n.push_back(static_cast<std::uint8_t>(low >> (8 * i)));
    for (char c : std::string("old@host"))
        n.push_back(static_cast<std::uint8_t>(c));
    ASSERT_EQ(to_decision(fsm, n).what, step::kind::decide);
    step s = fsm.decide({handshake_status::ok, "cookie", "cookie", {}});
    ASSERT_EQ(s.what, step::kind::write);  // sok
    s = fsm.resume({});
    ASSERT_EQ(s.what, step::kind::write);  // challenge
    EXPECT_EQ(s.bytes[2], 'N');
    s = fsm.resume({});
    ASSERT_EQ(s.what, step::kind::read);
    const auto c = framed(encode(complement_msg{static_cast<std::uint32_t>(peer_flags >> 32), 42}));
    const auto r = framed(encode(reply_msg{555, make_digest(1234, "cookie")}));
    std::vector<std::uint8_t> both = c;
    both.insert(both.end(), r.begin(), r.end());
    both.push_back(0);  // a byte of the first distribution packet
    s = fsm.resume(both);
    ASSERT_EQ(s.what, step::kind::write) << s.error.message();
    EXPECT_EQ(bytes(s), framed(encode_ack(make_digest(555, "cookie"))));
    s = fsm.resume({});
    ASSERT_EQ(s.what, step::kind::done);
    EXPECT_EQ(fsm.result().peer_creation, 42u);
    EXPECT_EQ(fsm.result().peer_flags, peer_flags);
    EXPECT_EQ(fsm.result().flags, peer_flags & our_flags);
    EXPECT_EQ(fsm.result().leftover, std::vector<std::uint8_t>{0});
}

TEST(HandshakeAcceptor, OldNameWithoutHandshake23IsClosed) {
    acceptor_fsm fsm(acc_cfg());
    const std::vector<std::uint8_t> n = {'n', 0, 5, 0, 0, 0, 4, 'a', '@', 'b'};
    const step s = to_decision(fsm, n);
    EXPECT_EQ(s.what, step::kind::failed);
}

TEST(HandshakeAcceptor, MissingFlagsAnswersNotAllowed) {
    acceptor_fsm fsm(acc_cfg());
    const step s = to_decision(fsm, encode(name_msg{peer_flags & ~dflag::v4_nc, 5, "old@host"}));
    ASSERT_EQ(s.what, step::kind::write);
    EXPECT_EQ(bytes(s), framed(encode(status_msg{"not_allowed", {}})));
    EXPECT_EQ(fsm.missing_flags(), dflag::v4_nc);
    const step f = fsm.resume({});
    EXPECT_EQ(f.what, step::kind::failed);
    EXPECT_EQ(f.error, handshake_errc::missing_flags);
}

TEST(HandshakeAcceptor, DigestReplacesMandatoryFlags) {
    acceptor_fsm fsm(acc_cfg());
    const std::uint64_t minimal = dflag::mandatory_25_digest | dflag::unlink_id | dflag::v4_nc;
    EXPECT_EQ(to_decision(fsm, encode(name_msg{minimal, 5, "new@host"})).what, step::kind::decide);
}

TEST(HandshakeAcceptor, BadNamesAreClosedSilently) {
    for (const char* name : {"nohost", "@host", "alive@", "a@b@c", ""}) {
        acceptor_fsm fsm(acc_cfg());
        const step s = to_decision(fsm, encode(name_msg{peer_flags, 5, name}));
        EXPECT_EQ(s.what, step::kind::failed) << name;
        EXPECT_EQ(s.error, handshake_errc::bad_name) << name;
    }
    acceptor_fsm fsm(acc_cfg());
    const step s = to_decision(fsm, {'X', 1, 2, 3});
    EXPECT_EQ(s.error, handshake_errc::bad_message);
}

TEST(HandshakeAcceptor, RefusalsAreWrittenThenReported) {
    const std::pair<handshake_status, const char*> cases[] = {
        {handshake_status::nok, "nok"}, {handshake_status::not_allowed, "not_allowed"}};
    for (const auto& [status, text] : cases) {
        acceptor_fsm fsm(acc_cfg());
        ASSERT_EQ(to_decision(fsm, encode(name_msg{peer_flags, 5, "erl@host"})).what,
                  step::kind::decide);
        const step w = fsm.decide({status, "c", "c", {}});
        ASSERT_EQ(w.what, step::kind::write);
        EXPECT_EQ(bytes(w), framed(encode(status_msg{text, {}})));
        EXPECT_EQ(fsm.resume({}).what, step::kind::failed);
    }
}

TEST(HandshakeAcceptor, AliveThenFalseGivesUp) {
    acceptor_fsm fsm(acc_cfg());
    ASSERT_EQ(to_decision(fsm, encode(name_msg{peer_flags, 5, "erl@host"})).what,
              step::kind::decide);
    ASSERT_EQ(fsm.decide({handshake_status::alive, "c", "c", {}}).what, step::kind::write);
    ASSERT_EQ(fsm.resume({}).what, step::kind::read);
    const step s = fsm.resume(framed(encode(status_msg{"false", {}})));
    EXPECT_EQ(s.error, handshake_errc::alive_refused);
}

TEST(HandshakeAcceptor, NamesADynamicPeerAndHidesTheConnection) {
    acceptor_config cfg = acc_cfg();
    cfg.our_flags |= dflag::published;
    acceptor_fsm fsm(cfg);
    ASSERT_EQ(to_decision(fsm, encode(name_msg{peer_flags | dflag::name_me, 0, "host"})).what,
              step::kind::decide);
    EXPECT_TRUE(fsm.peer_wants_name());
    const step w = fsm.decide({handshake_status::named, "c", "c", {{"XYZ@host", 77}}});
    ASSERT_EQ(w.what, step::kind::write);
    EXPECT_EQ(bytes(w), framed(encode(status_msg{{}, {{"XYZ@host", 77}}})));
    const step ch = fsm.resume({});
    const auto msg = parse_challenge(std::span(ch.bytes).subspan(2));
    ASSERT_TRUE(msg);
    EXPECT_EQ(msg->flags & dflag::published, 0u);
    EXPECT_NE(msg->flags & dflag::name_me, 0u);
    EXPECT_EQ(fsm.result().peer_name, "XYZ@host");
}

TEST(HandshakeAcceptor, OversizedMessageIsRefused) {
    acceptor_fsm fsm(acc_cfg());
    ASSERT_EQ(fsm.resume({}).what, step::kind::read);
    const std::uint8_t huge[] = {0xFF, 0xFF, 'N'};
    const step s = fsm.resume(huge);
    EXPECT_EQ(s.error, handshake_errc::message_too_large);
}

TEST(HandshakeAcceptor, TlsClientHelloOnPlainLinkIsNamed) {
    // A TLS node dialling a plain one starts with a ClientHello record: 16 03 01 len.
    acceptor_fsm fsm(acc_cfg());
    ASSERT_EQ(fsm.resume({}).what, step::kind::read);
    const std::uint8_t hello[] = {0x16, 0x03, 0x01, 0x00, 0xf4, 0x01, 0x00, 0x00, 0xf0};
    const step s = fsm.resume(hello);
    EXPECT_EQ(s.what, step::kind::failed);
    EXPECT_EQ(s.error, handshake_errc::peer_uses_tls);
}

TEST(HandshakeAcceptor, TlsLikeBytesUnderTlsFramingAreJustTooLarge) {
    // Inside TLS the same bytes are a 4-byte length, far over the limit.
    acceptor_config cfg = acc_cfg();
    cfg.frame.length_width = 4;
    acceptor_fsm fsm(cfg);
    ASSERT_EQ(fsm.resume({}).what, step::kind::read);
    const std::uint8_t hello[] = {0x16, 0x03, 0x01, 0x00, 0xf4};
    EXPECT_EQ(fsm.resume(hello).error, handshake_errc::message_too_large);
}

TEST(HandshakeInitiator, TlsAlertAnsweringOurNameIsNamed) {
    // A TLS node reading our plain `N` answers with an alert record (15 03 03 00 02 ...).
    initiator_fsm fsm(init_cfg());
    ASSERT_EQ(fsm.resume({}).what, step::kind::write);
    ASSERT_EQ(fsm.resume({}).what, step::kind::read);
    const std::uint8_t alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46};
    const step s = fsm.resume(alert);
    EXPECT_EQ(s.what, step::kind::failed);
    EXPECT_EQ(s.error, handshake_errc::peer_uses_tls);
}

TEST(HandshakeInitiator, AliveIsAnsweredByWhetherTheAttemptIsStillWanted) {
    for (const bool wanted : {true, false}) {
        initiator_config cfg = init_cfg();
        int asked = 0;
        cfg.still_pending = [&] {
            ++asked;
            return wanted;
        };
        initiator_fsm fsm(cfg);
        ASSERT_EQ(fsm.resume({}).what, step::kind::write);
        ASSERT_EQ(fsm.resume({}).what, step::kind::read);
        EXPECT_EQ(asked, 0);  // asked only when the peer says `alive`
        const std::vector<std::uint8_t> alive = {'s', 'a', 'l', 'i', 'v', 'e'};
        const step answer = fsm.resume(framed(alive));
        ASSERT_EQ(answer.what, step::kind::write);
        const std::vector<std::uint8_t> expect =
            framed(wanted ? std::vector<std::uint8_t>{'s', 't', 'r', 'u', 'e'}
                          : std::vector<std::uint8_t>{'s', 'f', 'a', 'l', 's', 'e'});
        EXPECT_EQ(bytes(answer), expect);
        EXPECT_EQ(asked, 1);
        const step next = fsm.resume({});
        if (wanted) {
            EXPECT_EQ(next.what, step::kind::read);
        } else {
            EXPECT_EQ(next.error, handshake_errc::alive_refused);
        }
    }
}

TEST(HandshakeInitiator, ChallengeFromAnotherNodeIsRefused) {
    initiator_fsm fsm(init_cfg());
    ASSERT_EQ(fsm.resume({}).what, step::kind::write);
    ASSERT_EQ(fsm.resume({}).what, step::kind::read);
    std::vector<std::uint8_t> in = framed(encode(status_msg{"ok", {}}));
    const auto ch = framed(encode(challenge_msg{peer_flags, 1, 2, "other@host"}));
    in.insert(in.end(), ch.begin(), ch.end());
    EXPECT_EQ(fsm.resume(in).error, handshake_errc::wrong_peer);
}

TEST(HandshakeInitiator, PeerMissingFlagsIsAbandoned) {
    initiator_fsm fsm(init_cfg());
    (void)fsm.resume({});
    (void)fsm.resume({});
    std::vector<std::uint8_t> in = framed(encode(status_msg{"ok", {}}));
    const auto ch = framed(encode(challenge_msg{dflag::mandatory_otp25, 1, 2, "erl@host"}));
    in.insert(in.end(), ch.begin(), ch.end());
    EXPECT_EQ(fsm.resume(in).error, handshake_errc::missing_flags);
}

TEST(HandshakeInitiator, NokAndUnknownStatus) {
    for (const auto& [text, err] :
         {std::pair{"nok", handshake_errc::nok}, std::pair{"weird", handshake_errc::bad_status}}) {
        initiator_fsm fsm(init_cfg());
        (void)fsm.resume({});
        (void)fsm.resume({});
        EXPECT_EQ(fsm.resume(framed(encode(status_msg{text, {}}))).error, err);
    }
}

TEST(HandshakeInitiator, WrongAckDigestIsBadCookie) {
    initiator_fsm fsm(init_cfg());
    (void)fsm.resume({});
    (void)fsm.resume({});
    std::vector<std::uint8_t> in = framed(encode(status_msg{"ok", {}}));
    const auto ch = framed(encode(challenge_msg{peer_flags, 1, 2, "erl@host"}));
    in.insert(in.end(), ch.begin(), ch.end());
    ASSERT_EQ(fsm.resume(in).what, step::kind::write);
    ASSERT_EQ(fsm.resume({}).what, step::kind::read);
    EXPECT_EQ(fsm.resume(framed(encode_ack(make_digest(99, "other")))).error,
              handshake_errc::bad_cookie);
}

TEST(HandshakeInitiator, TlsFramingUsesFourByteLengths) {
    initiator_config cfg = init_cfg();
    cfg.frame.length_width = 4;
    initiator_fsm fsm(cfg);
    const step s = fsm.resume({});
    ASSERT_EQ(s.what, step::kind::write);
    EXPECT_EQ(s.bytes[0], 0);
    EXPECT_EQ(s.bytes[1], 0);
    EXPECT_EQ(s.bytes[4], 'N');
}

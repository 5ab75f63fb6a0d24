// Distribution packets captured from erl, decoded in all three negotiated formats;
// plus framing, fragment limits and control-message validation.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "node/control.hpp"
#include "node/frame.hpp"
#include "node/packet_decoder.hpp"
#include "otp/dist_flags.hpp"
#include "otp/text.hpp"
#include "support/vectors.hpp"

using namespace otp;
using namespace otp::dist;

namespace {

struct capture {
    std::uint64_t flags = 0;
    std::string peer;
    std::string us;
    std::vector<std::vector<std::uint8_t>> packets;
};

const std::map<std::string, capture>& captures() {
    static const auto all = [] {
        std::map<std::string, capture> out;
        std::ifstream in(std::string(OTPCPP_TEST_VECTORS_DIR) + "/dist_vectors.txt");
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty() || line[0] == '#') continue;
            std::istringstream ls(line);
            std::string key;
            ls >> key;
            capture& c = out[key.substr(0, key.find('.'))];
            if (key.ends_with(".config")) {
                std::string kv;
                while (ls >> kv) {
                    const std::string k = kv.substr(0, kv.find('=')),
                                      v = kv.substr(kv.find('=') + 1);
                    if (k == "flags") c.flags = std::stoull(v, nullptr, 16);
                    if (k == "peer") c.peer = v;
                    if (k == "us") c.us = v;
                }
            } else {
                std::string hex;
                ls >> hex;
                c.packets.push_back(otp::test::from_hex(hex));
            }
        }
        return out;
    }();
    return all;
}

decoder_config config_for(std::uint64_t flags) {
    decoder_config c;
    c.header_format = (flags & (dflag::dist_hdr_atom_cache | dflag::fragments)) != 0;
    c.fragments = (flags & dflag::fragments) != 0;
    return c;
}

// Decodes every packet of a capture; returns the complete messages.
std::vector<message> decode_all(const capture& c, decoder_config cfg) {
    packet_decoder dec(cfg);
    std::vector<message> out;
    for (const auto& p : c.packets) {
        message m;
        std::error_code ec;
        const auto st = dec.decode(p, nullptr, m, ec);
        EXPECT_NE(st, packet_decoder::status::error) << ec.message();
        if (st == packet_decoder::status::message) out.push_back(std::move(m));
    }
    EXPECT_EQ(dec.pending_sequences(), 0u);
    EXPECT_EQ(dec.pending_bytes(), 0u);
    return out;
}

void check_rex_replies(const capture& c, const std::vector<message>& msgs) {
    ASSERT_EQ(msgs.size(), 4u);
    for (const message& m : msgs) {
        auto sig = parse_signal(m, atom(c.peer));
        ASSERT_TRUE(sig) << sig.error().message();
        const auto* send = std::get_if<send_signal>(&*sig);
        ASSERT_NE(send, nullptr);
        EXPECT_EQ(send->to.node, atom(c.us));
        EXPECT_EQ(send->message.element(0).value(), term(atom("rex")));
    }
    const term node(atom(c.peer));
    EXPECT_EQ(msgs[0].payload->element(1).value(), node);
    const auto bin = msgs[1].payload->element(1).value().as_binary().value();
    ASSERT_EQ(bin.bytes.size(), 150000u);
    EXPECT_TRUE(std::all_of(bin.bytes.begin(), bin.bytes.end(), [](auto b) { return b == 7; }));
    EXPECT_EQ(msgs[2].payload->element(1).value(), node);
    const term ete(atom("\xC3\xA9t\xC3\xA9"));
    EXPECT_EQ(msgs[3].payload->element(1).value(), otp::tuple(ete, ete, ete));
}

}  // namespace

TEST(DistPacket, PassThroughFromErl) {
    const capture& c = captures().at("passthrough");
    check_rex_replies(c, decode_all(c, config_for(c.flags)));
}

TEST(DistPacket, AtomCacheHeaderAndFragmentsFromErl) {
    const capture& c = captures().at("header");
    ASSERT_EQ(c.packets.size(), 6u);  // the 150000-byte reply came as 3 fragments
    check_rex_replies(c, decode_all(c, config_for(c.flags)));
}

TEST(DistPacket, FragmentsWithoutAtomCacheFromErl) {
    const capture& c = captures().at("fragments");
    check_rex_replies(c, decode_all(c, config_for(c.flags)));
}

TEST(DistPacket, ZeroCopyBinariesReferenceTheReassembledBuffer) {
    const capture& c = captures().at("header");
    decoder_config cfg = config_for(c.flags);
    cfg.terms.zero_copy = true;
    const auto msgs = decode_all(c, cfg);
    ASSERT_EQ(msgs.size(), 4u);
    EXPECT_EQ(msgs[1].payload->element(1).value().as_binary().value().bytes.size(), 150000u);
}

TEST(DistPacket, FormatNotNegotiatedIsAnError) {
    const capture& c = captures().at("header");
    packet_decoder dec(config_for(dflag::mandatory_otp26));
    message m;
    std::error_code ec;
    EXPECT_EQ(dec.decode(c.packets[0], nullptr, m, ec), packet_decoder::status::error);
    EXPECT_EQ(ec, dist_errc::bad_packet);
    // Fragments arriving where only the atom cache header was negotiated.
    decoder_config hdr_only = config_for(dflag::dist_hdr_atom_cache);
    packet_decoder dec2(hdr_only);
    EXPECT_EQ(dec2.decode(c.packets[1], nullptr, m, ec), packet_decoder::status::error);
}

TEST(DistPacket, EveryTruncationFailsCleanly) {
    for (const char* mode : {"passthrough", "header", "fragments"}) {
        const capture& c = captures().at(mode);
        for (std::size_t i = 0; i < c.packets.size(); ++i) {
            const auto& p = c.packets.at(i);
            for (std::size_t cut = 1; cut < std::min<std::size_t>(p.size(), 400); ++cut) {
                packet_decoder dec(config_for(c.flags));
                message m;
                std::error_code ec;
                const auto st = dec.decode({p.data(), cut}, nullptr, m, ec);
                // A cut right after the control tuple is a well-formed packet; the
                // control check then finds the message missing.
                if (st == packet_decoder::status::message) {
                    EXPECT_FALSE(parse_signal(m, atom(c.peer)))
                        << mode << " " << i << " cut " << cut;
                }
            }
        }
    }
}

TEST(DistPacket, UnfinishedFragmentsAreBounded) {
    const capture& c = captures().at("fragments");
    decoder_config cfg = config_for(c.flags);
    cfg.max_sequences = 2;
    packet_decoder dec(cfg);
    message m;
    std::error_code ec;
    auto start = c.packets[1];  // a start fragment of a 3-fragment sequence
    for (std::uint8_t seq = 0; seq < 2; ++seq) {
        start[9] = seq;  // a new sequence id each time
        ASSERT_EQ(dec.decode(start, nullptr, m, ec), packet_decoder::status::pending);
    }
    start[9] = 2;
    EXPECT_EQ(dec.decode(start, nullptr, m, ec), packet_decoder::status::error);
    EXPECT_EQ(ec, dist_errc::fragment_limit);

    decoder_config small = config_for(c.flags);
    small.max_fragment_bytes = 100000;
    packet_decoder dec2(small);
    ASSERT_EQ(dec2.decode(c.packets[1], nullptr, m, ec), packet_decoder::status::pending);
    EXPECT_EQ(dec2.decode(c.packets[2], nullptr, m, ec), packet_decoder::status::error);
    EXPECT_EQ(ec, dist_errc::fragment_limit);
}

TEST(DistPacket, InterleavedFragmentSequencesReassemble) {
    const capture& c = captures().at("fragments");
    packet_decoder dec(config_for(c.flags));
    auto a = c.packets;  // packets 1..3 are one sequence
    auto b = c.packets;
    for (int i = 1; i <= 3; ++i)
        b[i][9] ^= 0x55;  // a second sequence id
    message m;
    std::error_code ec;
    const std::vector<std::vector<std::uint8_t>> order = {a[1], b[1], a[2], b[2], b[3], a[3]};
    int done = 0;
    for (const auto& p : order)
        if (dec.decode(p, nullptr, m, ec) == packet_decoder::status::message) ++done;
    EXPECT_EQ(done, 2);
    EXPECT_EQ(dec.pending_sequences(), 0u);
}

TEST(DistPacket, OutOfOrderContinuationIsAnError) {
    const capture& c = captures().at("fragments");
    packet_decoder dec(config_for(c.flags));
    message m;
    std::error_code ec;
    ASSERT_EQ(dec.decode(c.packets[1], nullptr, m, ec), packet_decoder::status::pending);
    EXPECT_EQ(dec.decode(c.packets[3], nullptr, m, ec), packet_decoder::status::error);
    EXPECT_EQ(ec, dist_errc::bad_fragment);
}

TEST(DistFrame, ParsesManyPacketsPerBufferAndTicks) {
    const std::vector<std::uint8_t> stream = {0, 0, 0, 0, 0, 0, 0, 2, 'a', 'b', 0, 0, 0, 9, 'x'};
    frame_parser fp(1024);
    std::span<const std::uint8_t> in(stream), body;
    std::size_t used = 0, needed = 0;
    ASSERT_EQ(fp.next(in, body, used, needed), frame_parser::status::packet);
    EXPECT_TRUE(body.empty());  // a tick
    in = in.subspan(used);
    ASSERT_EQ(fp.next(in, body, used, needed), frame_parser::status::packet);
    EXPECT_EQ(body.size(), 2u);
    in = in.subspan(used);
    EXPECT_EQ(fp.next(in, body, used, needed), frame_parser::status::need_more);
    EXPECT_EQ(needed, 13u);
    const std::uint8_t huge[] = {0x7F, 0, 0, 0};
    EXPECT_EQ(fp.next(huge, body, used, needed), frame_parser::status::too_large);
}

TEST(DistControl, RejectsWhatOtpRejects) {
    const atom peer("erl@host");
    const pid theirs{peer, 1, 0, 5};
    const pid ours{atom("cpp@host"), 2, 0, 9};
    const pid impostor{atom("other@host"), 3, 0, 1};
    const auto check = [&](term control, std::optional<term> payload, bool ok) {
        auto r = parse_signal(message{std::move(control), std::move(payload), std::nullopt}, peer);
        EXPECT_EQ(r.has_value(), ok) << (r ? "" : r.error().message());
    };
    check(otp::tuple(1, theirs, ours), std::nullopt, true);
    check(otp::tuple(1, impostor, ours), std::nullopt, false);  // From of another node
    check(otp::tuple(1, theirs), std::nullopt, false);          // arity
    check(otp::tuple(1, theirs, ours), term(1), false);         // unexpected payload
    check(otp::tuple(4, theirs, ours), std::nullopt, false);    // old UNLINK
    check(otp::tuple(5), std::nullopt, false);                  // NODE_LINK
    check(otp::tuple(99, theirs, ours), std::nullopt, false);   // unknown op
    check(otp::tuple(22, theirs, ours), std::nullopt, false);   // SEND_SENDER without message
    check(otp::tuple(22, theirs, ours), term(1), true);
    check(otp::tuple(35, 0, theirs, ours), std::nullopt, false);  // UNLINK_ID id 0
    check(otp::tuple(35, otp::big_int(1) << 63, theirs, ours), std::nullopt, true);
    check(otp::tuple(19, theirs, atom("net_kernel"), term(reference{peer, 5, 3, {1, 2, 3}})),
          std::nullopt, true);
    check(otp::tuple(19, theirs, 7, term(reference{peer, 5, 3, {1, 2, 3}})), std::nullopt, false);
    check(otp::tuple(37, 8, theirs, atom("name")), term(1), true);  // OTP 28 named send
    check(term(1), std::nullopt, false);
}

TEST(DistControl, EncodesBothFormatsAndRoundTrips) {
    const atom peer("cpp@host");
    const pid from{peer, 1, 0, 5};
    const pid to{atom("erl@host"), 2, 0, 9};
    for (bool header : {false, true}) {
        std::vector<std::uint8_t> out;
        packet_encoder enc(header);
        const term msg = otp::tuple(atom("hello"), otp::binary("world"));
        ASSERT_FALSE(enc.append(out, make::send_sender(from, to), &msg));
        frame_parser fp(1 << 20);
        std::span<const std::uint8_t> body;
        std::size_t used = 0, needed = 0;
        ASSERT_EQ(fp.next(out, body, used, needed), frame_parser::status::packet);
        EXPECT_EQ(used, out.size());
        decoder_config cfg;
        cfg.header_format = header;
        packet_decoder dec(cfg);
        message m;
        std::error_code ec;
        ASSERT_EQ(dec.decode(body, nullptr, m, ec), packet_decoder::status::message);
        auto sig = parse_signal(m, peer);
        ASSERT_TRUE(sig);
        EXPECT_EQ(std::get<send_signal>(*sig).message, msg);
    }
}

// The per-message packets are written without a control term; the bytes must be
// erl's own (pass-through) and those of the term-built packets (both formats).
TEST(DistControl, DirectSendPacketIsErlsBytes) {
    const capture& c = captures().at("passthrough");
    const auto& erl_packet = c.packets.at(0);  // SEND_SENDER {rex, Node} from erl
    packet_decoder dec(config_for(c.flags));
    message m;
    std::error_code ec;
    ASSERT_EQ(dec.decode(erl_packet, nullptr, m, ec), packet_decoder::status::message);
    auto sig = parse_signal(m, atom(c.peer));
    ASSERT_TRUE(sig);
    const auto& s = std::get<send_signal>(*sig);
    ASSERT_TRUE(s.from);
    std::vector<std::uint8_t> out;
    ASSERT_FALSE(packet_encoder(false).append_send(out, &*s.from, s.to, s.message));
    ASSERT_EQ(out.size(), erl_packet.size() + 4);
    EXPECT_EQ(std::vector<std::uint8_t>(out.begin() + 4, out.end()), erl_packet);
}

TEST(DistControl, DirectPacketsEqualTermBuiltOnes) {
    const pid from{atom("cpp@host"), 1, 0, 5};
    const pid to{atom("erl@host"), 2, 0, 9};
    const atom name("a_registered_name_\xc3\xa9t\xc3\xa9");
    reference alias{atom("erl@host"), 7, 3, {}};
    alias.ids = {1, 2, 3, 0, 0};
    const term msg = otp::tuple(atom("hello"), otp::binary("world"), 42);
    for (bool header : {false, true}) {
        const packet_encoder enc(header);
        const auto built = [&](const term& control) {
            std::vector<std::uint8_t> out{9, 9};  // appends after what is there
            EXPECT_FALSE(enc.append(out, control, &msg));
            return out;
        };
        std::vector<std::uint8_t> out{9, 9};
        ASSERT_FALSE(enc.append_send(out, &from, to, msg));
        EXPECT_EQ(out, built(make::send_sender(from, to))) << header;
        out = {9, 9};
        ASSERT_FALSE(enc.append_send(out, nullptr, to, msg));
        EXPECT_EQ(out, built(make::send(to))) << header;
        out = {9, 9};
        ASSERT_FALSE(enc.append_reg_send(out, from, name, msg));
        EXPECT_EQ(out, built(make::reg_send(from, name))) << header;
        out = {9, 9};
        ASSERT_FALSE(enc.append_alias_send(out, from, alias, msg));
        EXPECT_EQ(out, built(make::alias_send(from, alias))) << header;
    }
}

TEST(DistControl, SplicedPacketsCountTheirLeftOutBinaries) {
    // Two packets in one buffer, each ending in a left-out binary, so that the second
    // starts where the first one's splice is: each length counts its own splice only.
    const pid from{atom("cpp@host"), 1, 0, 5};
    const pid to{atom("erl@host"), 2, 0, 9};
    std::vector<std::uint8_t> big(100'000);
    for (std::size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<std::uint8_t>(i * 7);
    const term first = otp::tuple(atom("a"), otp::binary(big));
    const term second = otp::list(otp::binary(std::vector<std::uint8_t>(70'000, 3)));
    // With the atom cache, a header that turns out longer or shorter than the room left
    // for it moves the terms, and the splices with them.
    for (int format : {0, 1, 2}) {
        const bool header = format != 0;
        const packet_encoder enc(header, format == 2);
        std::vector<std::uint8_t> want{9};
        ASSERT_FALSE(enc.append_send(want, &from, to, first));
        ASSERT_FALSE(enc.append_reg_send(want, from, atom("sink"), second));
        std::vector<std::uint8_t> out{9};
        etf_detail::splice_list sp;
        {
            packet_encoder::splicing into(sp);
            ASSERT_FALSE(enc.append_send(out, &from, to, first));
            ASSERT_FALSE(enc.append_reg_send(out, from, atom("sink"), second));
        }
        ASSERT_EQ(sp.items.size(), 2u) << format;
        EXPECT_EQ(out.size() + 170'000, want.size());
        etf_detail::materialize(out, sp);
        EXPECT_EQ(out, want) << format;
        // Without a splicing object alive, nothing is left out.
        std::vector<std::uint8_t> after{9};
        ASSERT_FALSE(enc.append_send(after, &from, to, first));
        ASSERT_GT(after.size(), big.size());
        EXPECT_EQ(after, std::vector<std::uint8_t>(want.begin(), want.begin() + after.size()));
    }
}

TEST(DistControl, DirectPacketOfATooDeepMessageLeavesTheBufferAlone) {
    term deep = otp::tuple(1);
    for (int i = 0; i < 1100; ++i)
        deep = otp::tuple(deep);
    const pid to{atom("erl@host"), 2, 0, 9};
    std::vector<std::uint8_t> out{1, 2, 3};
    EXPECT_EQ(packet_encoder(true).append_send(out, nullptr, to, deep),
              make_error_code(term_errc::too_deep));
    EXPECT_EQ(out, (std::vector<std::uint8_t>{1, 2, 3}));
}

// The direct control path decides exactly as the term path: the same signal from
// erl's packets in every format, and the same verdict on every one-byte corruption
// of their heads (where the control tuple is), each decoded after the packets before
// it, so that atom cache references resolve as on the real link.
namespace {

// What a packet amounts to for a decoder in a given state, comparable across paths.
std::string outcome(const capture& c, packet_decoder dec, const std::vector<std::uint8_t>& packet,
                    bool* direct = nullptr) {
    message m;
    std::error_code ec;
    const auto st = dec.decode(packet, nullptr, m, ec);
    if (st != packet_decoder::status::message) return "status " + std::to_string(int(st));
    if (direct) *direct = m.direct.has_value();
    auto sig = parse_signal(m, atom(c.peer));
    if (!sig) return "bad control";
    if (const auto* s = std::get_if<send_signal>(&*sig))
        return "send " + (s->from ? otp::to_string(term(*s->from)) : std::string("-")) + " " +
               otp::to_string(term(s->to)) + " " + otp::to_string(s->message);
    if (const auto* s = std::get_if<reg_send_signal>(&*sig))
        return "reg_send " + otp::to_string(term(s->from)) + " " + std::string(s->to.name()) + " " +
               otp::to_string(s->message);
    return "other " + std::to_string(sig->index());
}

}  // namespace

TEST(DistControl, DirectControlDecidesAsTheTermPath) {
    std::size_t direct_seen = 0, compared = 0;
    for (const auto& [name, c] : captures()) {
        decoder_config cfg = config_for(c.flags);
        packet_decoder terms(cfg);
        cfg.direct_control = true;
        packet_decoder direct(cfg);
        for (const auto& packet : c.packets) {
            bool took_direct = false;
            EXPECT_EQ(outcome(c, direct, packet, &took_direct), outcome(c, terms, packet)) << name;
            direct_seen += took_direct;
            for (std::size_t i = 0; i < std::min<std::size_t>(packet.size(), 64); ++i)
                for (std::uint8_t v : {0x00, 0x02, 0x16, 0x52, 0x58, 0x68, 0xFF}) {
                    auto bad = packet;
                    if (bad[i] == v) continue;
                    bad[i] = v;
                    ++compared;
                    ASSERT_EQ(outcome(c, direct, bad), outcome(c, terms, bad))
                        << name << " byte " << i << " = " << int(v);
                }
            // On to the next packet with the state this one leaves.
            message m;
            std::error_code ec;
            terms.decode(packet, nullptr, m, ec);
            direct.decode(packet, nullptr, m, ec);
        }
    }
    EXPECT_GE(direct_seen, 8u);
    EXPECT_GT(compared, 5000u);
}

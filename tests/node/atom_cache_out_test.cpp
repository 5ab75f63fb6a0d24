// The sending side of the atom cache: the header's bytes as §4.2 of the wire notes
// lays them out (the decoder that reads them is checked against erl's own packets),
// when a slot is defined and when it is only referred to, and what keeps a packet
// from referring to a slot that no packet before it on the wire has defined.
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <thread>

#include "node/control.hpp"
#include "node/frame.hpp"
#include "node/packet_decoder.hpp"

using namespace otp;
using namespace otp::dist;

namespace {

const pid from{atom("cpp@host"), 1, 0, 5};
const pid to{atom("erl@host"), 2, 0, 9};

std::size_t slot_of(atom a) {
    return a.entry()->index % etf_detail::out_atom_cache::slots;
}

// The decoded message of each packet in `stream`, decoded in order by one decoder, as
// the peer would.
std::vector<term> decode_stream(const std::vector<std::uint8_t>& stream) {
    decoder_config cfg;
    cfg.header_format = true;
    packet_decoder dec(cfg);
    frame_parser fp(1 << 24);
    std::vector<term> out;
    std::span<const std::uint8_t> rest(stream);
    while (!rest.empty()) {
        std::span<const std::uint8_t> body;
        std::size_t used = 0, needed = 0;
        EXPECT_EQ(fp.next(rest, body, used, needed), frame_parser::status::packet);
        if (used == 0) break;
        message m;
        std::error_code ec;
        EXPECT_EQ(dec.decode(body, nullptr, m, ec), packet_decoder::status::message)
            << ec.message();
        auto sig = parse_signal(m, from.node);
        EXPECT_TRUE(sig);
        if (sig) out.push_back(std::get<send_signal>(*sig).message);
        rest = rest.subspan(used);
    }
    return out;
}

// The header bytes of a packet encoded alone.
std::vector<std::uint8_t> header_of(const std::vector<std::uint8_t>& packet, std::size_t size) {
    return {packet.begin() + 4, packet.begin() + 4 + static_cast<std::ptrdiff_t>(size)};
}

// The cache section (flags and references) for `refs` = (atom, new entry), built
// from §4.2: one nibble per reference (bit 3 new, bits 2..0 the slot's segment), an
// extra one for LongAtoms, then per reference the slot's index in its segment and,
// when new, the length and the text.
std::vector<std::uint8_t> header(const std::vector<std::pair<atom, bool>>& refs) {
    std::vector<std::uint8_t> h{131, 68, static_cast<std::uint8_t>(refs.size())};
    std::vector<std::uint8_t> flags(refs.size() / 2 + 1, 0);
    std::vector<std::uint8_t> entries;
    for (std::size_t i = 0; i < refs.size(); ++i) {
        const auto& [a, fresh] = refs[i];
        const std::size_t slot = slot_of(a);
        flags[i / 2] |= static_cast<std::uint8_t>(((fresh ? 8 : 0) | (slot >> 8)) << (i % 2 * 4));
        entries.push_back(static_cast<std::uint8_t>(slot & 0xFF));
        if (fresh) {
            entries.push_back(static_cast<std::uint8_t>(a.name().size()));
            entries.insert(entries.end(), a.name().begin(), a.name().end());
        }
    }
    h.insert(h.end(), flags.begin(), flags.end());
    h.insert(h.end(), entries.begin(), entries.end());
    return h;
}

}  // namespace

TEST(AtomCacheOut, DefinesUntilQueuedThenRefers) {
    const packet_encoder enc(true, true);
    const atom hello("hello"), world("w\xc3\xb6rld");
    const term msg = otp::tuple(hello, otp::list(hello, world), world);
    const std::vector<std::pair<atom, bool>> fresh = {
        {from.node, true}, {to.node, true}, {hello, true}, {world, true}};
    const std::vector<std::pair<atom, bool>> cached = {
        {from.node, false}, {to.node, false}, {hello, false}, {world, false}};
    // The terms: each atom is ATOM_CACHE_REF with its index in this header.
    const std::vector<std::uint8_t> terms = {
        104, 3,  97, 22,                                         // {22,
        88,  82, 0,  0,  0,   0, 1, 0, 0, 0,  0, 0,  0, 0,   5,  // From,
        88,  82, 1,  0,  0,   0, 2, 0, 0, 0,  0, 0,  0, 0,   9,  // To}
        104, 3,  82, 2,  108, 0, 0, 0, 2, 82, 2, 82, 3, 106, 82, 3};
    const auto packet = [&](const std::vector<std::pair<atom, bool>>& refs) {
        std::vector<std::uint8_t> p = header(refs);
        p.insert(p.end(), terms.begin(), terms.end());
        const auto n = static_cast<std::uint32_t>(p.size());
        p.insert(p.begin(), {std::uint8_t(n >> 24), std::uint8_t(n >> 16), std::uint8_t(n >> 8),
                             std::uint8_t(n)});
        return p;
    };
    std::vector<std::uint8_t> stream;
    ASSERT_FALSE(enc.append_send(stream, &from, to, msg));
    EXPECT_EQ(stream, packet(fresh));
    // Not yet queued: the next packet defines the slots again.
    std::vector<std::uint8_t> second;
    ASSERT_FALSE(enc.append_send(second, &from, to, msg));
    EXPECT_EQ(second, packet(fresh));
    enc.packets_queued();
    std::vector<std::uint8_t> third;
    ASSERT_FALSE(enc.append_send(third, &from, to, msg));
    EXPECT_EQ(third, packet(cached));
    // The peer reads all three in order.
    stream.insert(stream.end(), second.begin(), second.end());
    stream.insert(stream.end(), third.begin(), third.end());
    EXPECT_EQ(decode_stream(stream), (std::vector<term>{msg, msg, msg}));
}

TEST(AtomCacheOut, WithoutTheFlagAtomsStayInline) {
    const term msg = otp::tuple(atom("hello"), 1);
    std::vector<std::uint8_t> plain, cached;
    ASSERT_FALSE(packet_encoder(true).append_send(plain, &from, to, msg));
    EXPECT_EQ(header_of(plain, 3), (std::vector<std::uint8_t>{131, 68, 0}));
    ASSERT_FALSE(packet_encoder(true, true).append_send(cached, &from, to, msg));
    // Three new entries: each atom's 2 + len bytes inline become a 2-byte reference and
    // a 2 + len byte entry (slot index, length, text), plus 2 bytes of flags.
    EXPECT_EQ(cached.size(), plain.size() + 3 * 2 + 2);
    EXPECT_EQ(cached[6], 3u);
    // Pass-through format has no header to carry references.
    std::vector<std::uint8_t> pass;
    ASSERT_FALSE(packet_encoder(false, true).append_send(pass, &from, to, msg));
    EXPECT_EQ(pass[4], 112u);
    EXPECT_EQ(decode_stream(cached), std::vector<term>{msg});
}

TEST(AtomCacheOut, DroppedPacketsConfirmNothing) {
    const packet_encoder enc(true, true);
    const atom lost("only_in_a_lost_packet"), failed("only_in_a_failed_packet");
    std::vector<std::uint8_t> out;
    // Encoded, then dropped by the sender (the link closed, say).
    ASSERT_FALSE(enc.append_send(out, &from, to, otp::tuple(lost)));
    enc.packets_dropped();
    // Failed half-way: too deep, after the atom was written.
    term deep = otp::tuple(1);
    for (int i = 0; i < 1100; ++i)
        deep = otp::tuple(deep);
    out.clear();
    ASSERT_TRUE(enc.append_send(out, &from, to, otp::tuple(failed, deep)));
    EXPECT_TRUE(out.empty());
    // A packet without them is queued; they must still be defined by whoever uses
    // them next, or the peer would look up slots nobody defined.
    ASSERT_FALSE(enc.append_send(out, &from, to, otp::tuple(1)));
    enc.packets_queued();
    std::vector<std::uint8_t> next;
    const term msg = otp::tuple(lost, failed);
    ASSERT_FALSE(enc.append_send(next, &from, to, msg));
    const auto want = header({{from.node, false}, {to.node, false}, {lost, true}, {failed, true}});
    EXPECT_EQ(header_of(next, want.size()), want);
    out.insert(out.end(), next.begin(), next.end());
    EXPECT_EQ(decode_stream(out), (std::vector<term>{otp::tuple(1), msg}));
}

TEST(AtomCacheOut, AtomsWithoutASlotStayInline) {
    const packet_encoder enc(true, true);
    // One that wants hello's slot (atoms are numbered as they are made), one whose
    // name is longer than 255 bytes, and more than 255 distinct atoms in one packet.
    const atom hello("hello");
    atom rival;
    for (int i = 0; rival.name().empty(); ++i) {
        const atom a("rival_" + std::to_string(i));
        if (slot_of(a) == slot_of(hello)) rival = a;
    }
    std::string long_name;
    for (int i = 0; i < 200; ++i)
        long_name += "\xc3\xa9";
    const atom long_atom(long_name);
    std::vector<term> many;
    for (int i = 0; i < 300; ++i)
        many.push_back(atom("many_" + std::to_string(i)));
    const term msg = otp::tuple(hello, rival, long_atom, otp::make_list(many), hello, rival);

    std::vector<std::uint8_t> stream;
    ASSERT_FALSE(enc.append_send(stream, &from, to, msg));
    EXPECT_EQ(stream[4 + 2], 255u);  // N: the most a header holds
    // hello's reference, then rival, inline (SMALL_ATOM_UTF8_EXT), after the control.
    const std::vector<std::uint8_t> inline_rival = [&] {
        std::vector<std::uint8_t> v{119, static_cast<std::uint8_t>(rival.name().size())};
        v.insert(v.end(), rival.name().begin(), rival.name().end());
        return v;
    }();
    EXPECT_NE(std::search(stream.begin(), stream.end(), inline_rival.begin(), inline_rival.end()),
              stream.end());
    enc.packets_queued();
    ASSERT_FALSE(enc.append_send(stream, &from, to, msg));
    EXPECT_EQ(decode_stream(stream), (std::vector<term>{msg, msg}));
}

// The connection's protocol with several senders: each encodes on its own thread,
// then, under the link's lock, appends its packet to the wire and confirms (or drops
// it). Whatever the interleaving, the peer reads every message as it was sent.
TEST(AtomCacheOut, ConcurrentSendersNeverReferToAnUndefinedSlot) {
    const packet_encoder enc(true, true);
    std::vector<atom> pool;
    for (int i = 0; i < 64; ++i)
        pool.emplace_back("pool_" + std::to_string(i));
    std::mutex wire_mu;
    std::vector<std::uint8_t> wire;
    std::vector<term> sent;
    constexpr int threads = 4, per_thread = 400;
    std::vector<std::thread> senders;
    for (int t = 0; t < threads; ++t)
        senders.emplace_back([&, t] {
            std::vector<std::uint8_t> packet;
            for (int i = 0; i < per_thread; ++i) {
                std::vector<term> atoms;
                for (int k = 0; k < 1 + (i + t) % 5; ++k)
                    atoms.push_back(pool[(i * 7 + k * 13 + t * 3) % pool.size()]);
                const term msg = otp::tuple(t, i, otp::make_list(atoms));
                packet.clear();
                ASSERT_FALSE(enc.append_send(packet, &from, to, msg));
                std::lock_guard lock(wire_mu);
                if ((i + t) % 9 == 0) {
                    enc.packets_dropped();
                    continue;
                }
                wire.insert(wire.end(), packet.begin(), packet.end());
                sent.push_back(msg);
                enc.packets_queued();
            }
        });
    for (auto& s : senders)
        s.join();
    EXPECT_EQ(decode_stream(wire), sent);
}

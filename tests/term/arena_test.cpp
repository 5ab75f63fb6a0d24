// Arenas of decoded terms: sub-terms outliving their parent, sharing across threads,
// the arena freed when its last reference dies, and bounded memory on hostile input.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include <zlib.h>

#include "term/arena.hpp"
#include "term/etf_test_util.hpp"

namespace otp {
namespace {

using etf_test::bytes;
using etf_test::from_hex;
using etf_test::long_and_short_binary;

std::atomic<long> live_arenas{0};
std::atomic<std::size_t> block_bytes{0};

void observe(int arenas, std::size_t bytes) noexcept {
    live_arenas.fetch_add(arenas, std::memory_order_relaxed);
    block_bytes.fetch_add(bytes, std::memory_order_relaxed);
}

// Counts arenas and their block bytes for one test.
class Arena : public ::testing::Test {
  protected:
    void SetUp() override {
        live_arenas = 0;
        block_bytes = 0;
        detail::set_arena_observer(observe);
    }
    void TearDown() override {
        EXPECT_EQ(live_arenas.load(), 0) << "an arena outlived every term of it";
        detail::set_arena_observer(nullptr);
    }
};

term dec(const bytes& b, const decode_options& o = {}) {
    auto t = decode(b, o);
    EXPECT_TRUE(t) << etf_test::to_hex(b);
    return t ? *t : term();
}

// {<<"payload">>, [1, 2, 3], {ok, 12345678901234567890123}, #{a => 1.5}}
const term sample_value =
    tuple(binary("payload"), list(1, 2, 3),
          tuple(atom("ok"), term(big_int("12345678901234567890123"))), map({{atom("a"), 1.5}}));

TEST_F(Arena, OneArenaPerDecodedTermFreedWithIt) {
    const bytes enc = encode(sample_value);
    {
        const term t = dec(enc);
        EXPECT_EQ(t, sample_value);
        EXPECT_EQ(live_arenas.load(), 1);
        const term copy = t;  // a copy shares the arena
        EXPECT_EQ(live_arenas.load(), 1);
    }
    EXPECT_EQ(live_arenas.load(), 0);
    // Immediates need no arena at all.
    EXPECT_EQ(dec(encode(term(42))), term(42));
    EXPECT_EQ(dec(encode(atom("x"))), atom("x"));
    EXPECT_GT(block_bytes.load(), 0u);
}

TEST_F(Arena, SubTermsOutliveTheirParent) {
    term t = dec(encode(sample_value));
    term payload = *t.element(0);
    term numbers = *t.element(1);
    term big = *t.element(2)->element(1);
    term rest = *numbers.tail();  // [2, 3]: a list term inside a run
    const term m = *t.element(3);
    auto window = sub_binary(payload, 1, 3);
    ASSERT_TRUE(window);
    t = term();
    EXPECT_EQ(live_arenas.load(), 1);  // pinned by the sub-terms
    EXPECT_EQ(payload, binary("payload"));
    EXPECT_EQ(numbers, list(1, 2, 3));
    EXPECT_EQ(rest, list(2, 3));
    EXPECT_EQ(big, term(big_int("12345678901234567890123")));
    EXPECT_EQ(*window, binary("ayl"));
    EXPECT_EQ(*m.as_map()->find(atom("a")), term(1.5));
    payload = numbers = big = rest = term();
    EXPECT_EQ(live_arenas.load(), 1);  // the map and the sub-binary still hold it
    *window = term();
    EXPECT_EQ(live_arenas.load(), 1);
}

TEST_F(Arena, CopyingOutUnpinsTheBigArena) {
    std::vector<term> many(1000, sample_value);
    term big = dec(encode(make_list(many)));
    const std::size_t big_bytes = block_bytes.load();
    block_bytes = 0;
    // The documented way to keep a small part without the whole decoded term.
    term part = dec(encode(*big.head()));
    big = term();
    EXPECT_EQ(live_arenas.load(), 1);
    EXPECT_LT(block_bytes.load() * 100, big_bytes);
    EXPECT_EQ(part, sample_value);
}

TEST_F(Arena, BuiltTermsHoldDecodedParts) {
    term t = dec(encode(sample_value));
    term built = tuple(*t.element(1), cons(*t.element(0), term()));
    term in_map = map({{*t.element(2), *t.element(3)}});
    t = term();
    EXPECT_EQ(built, tuple(list(1, 2, 3), list(binary("payload"))));
    built = term();
    EXPECT_EQ(live_arenas.load(), 1);
    EXPECT_EQ(in_map.size(), 1u);
    in_map = term();  // freeing a built node releases the arena it pointed into
    EXPECT_EQ(live_arenas.load(), 0);
}

TEST_F(Arena, CopiesAcrossThreads) {
    term shared = dec(encode(sample_value));
    std::vector<term> kept(4);
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([&, i] {
            for (int k = 0; k < 20000; ++k) {
                term copy = shared;
                term sub = *copy.element(static_cast<std::size_t>(k % 4));
                ASSERT_FALSE(sub.is_nil());
                if (k == i) kept[static_cast<std::size_t>(i)] = sub;
            }
        });
    for (auto& th : threads)
        th.join();
    EXPECT_EQ(detail::counted(shared.raw_node())->rc.load(), 5u);  // shared + 4 kept
    shared = term();
    // The last references die on other threads.
    std::vector<std::thread> droppers;
    for (auto& k : kept)
        droppers.emplace_back([&k] { k = term(); });
    for (auto& th : droppers)
        th.join();
    EXPECT_EQ(live_arenas.load(), 0);
}

TEST_F(Arena, FailedDecodesFreeTheirArena) {
    const bytes enc = encode(sample_value);
    for (std::size_t n = 1; n < enc.size(); ++n) {
        EXPECT_FALSE(decode(std::span<const std::uint8_t>(enc.data(), n)));
        EXPECT_EQ(live_arenas.load(), 0) << "cut at " << n;
    }
    bytes trailing = enc;
    trailing.push_back(0x6A);
    EXPECT_FALSE(decode(trailing));
    // A failure after a bignum (its destructor must still run: LeakSanitizer checks).
    EXPECT_FALSE(decode(from_hex("8368026E0A00FFFFFFFFFFFFFFFFFFFF64")));
}

TEST_F(Arena, ZeroCopyBinariesKeepTheInputThroughTheArena) {
    auto owned = std::make_shared<const bytes>(long_and_short_binary());
    std::weak_ptr<const bytes> watch = owned;
    decode_options o;
    o.zero_copy = true;
    o.owner = owned;
    term t = dec(*owned, o);
    o.owner.reset();
    owned.reset();
    term big = *t.element(0);
    t = term();
    EXPECT_FALSE(watch.expired());
    EXPECT_EQ(big.as_binary()->bytes.size(), 100u);
    big = term();
    EXPECT_TRUE(watch.expired());
}

TEST_F(Arena, CompressedZeroCopyKeepsTheInflatedBytes) {
    bytes body = from_hex("6D00000200");
    body.insert(body.end(), 512, 0x5A);
    uLongf clen = compressBound(static_cast<uLong>(body.size()));
    bytes z(clen);
    ASSERT_EQ(compress(z.data(), &clen, body.data(), static_cast<uLong>(body.size())), Z_OK);
    z.resize(clen);
    bytes enc = from_hex("835000000205");
    enc.resize(6 + z.size());
    std::copy(z.begin(), z.end(), enc.begin() + 6);
    decode_options o;
    o.zero_copy = true;
    term t = dec(enc, o);
    ASSERT_TRUE(t.is_binary());
    auto window = sub_binary(t, 500, 12);
    t = term();
    EXPECT_EQ(*window, binary(std::string(12, 'Z')));
    *window = term();
}

TEST_F(Arena, LocalExtTermsFromOtherArenasStayCounted) {
    const term inner = dec(encode(sample_value));
    decode_options o;
    o.local_ext = [&](std::span<const std::uint8_t>, std::size_t& used) -> result<term> {
        used = 0;
        return inner;
    };
    {
        const term outer = dec(from_hex("8368027979"), o);  // {Inner, Inner}
        EXPECT_EQ(live_arenas.load(), 2);
        EXPECT_EQ(outer, tuple(sample_value, sample_value));
        EXPECT_EQ(detail::counted(inner.raw_node())->rc.load(), 3u);
        const term root = dec(from_hex("8379"), o);  // the resolver's term as the root
        EXPECT_EQ(root, sample_value);
    }
    EXPECT_EQ(detail::counted(inner.raw_node())->rc.load(), 1u);
    EXPECT_EQ(live_arenas.load(), 1);
}

TEST_F(Arena, ChainedArenasFreeWithoutRecursion) {
    // Each decode's only term is the previous decode's term: freeing the last one
    // frees them all, one after the other.
    term prev = dec(encode(tuple(1)));
    decode_options o;
    o.local_ext = [&](std::span<const std::uint8_t>, std::size_t& used) -> result<term> {
        used = 0;
        return prev;
    };
    for (int i = 0; i < 100000; ++i)
        prev = dec(from_hex("83680179"), o);
    EXPECT_EQ(live_arenas.load(), 100001);
    prev = term();
}

TEST_F(Arena, MemoryStaysASmallMultipleOfTheInput) {
    // Dense inputs: tiny elements that each become a node and a slot.
    const std::vector<bytes> elems = {from_hex("6800"),
                                      from_hex("7400000000"),
                                      from_hex("6D00000000"),
                                      from_hex("6A"),
                                      from_hex("6E0901FFFFFFFFFFFFFFFFFF"),  // a bignum
                                      from_hex("6C000000016A6A"),            // [[]]
                                      from_hex("6B000141"),                  // "A"
                                      from_hex("587700000000000000000000000000"),
                                      from_hex("68016A")};
    for (const bytes& e : elems) {
        bytes in = from_hex("836C");
        const std::uint32_t n = 20000;
        in.insert(in.end(),
                  {0, 0, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
        for (std::uint32_t i = 0; i < n; ++i)
            in.insert(in.end(), e.begin(), e.end());
        in.push_back(0x6A);
        block_bytes = 0;
        const term t = dec(in);
        EXPECT_EQ(t.size(), n);
        EXPECT_LE(block_bytes.load(), 32 * in.size()) << etf_test::to_hex(e);
    }
    // Counts that the input cannot fill are refused before anything is allocated.
    for (const char* h :
         {"836CFFFFFFFF6A6A6A6A6A6A6A6A6A6A", "8369FFFFFFFF6A6A6A6A6A6A6A6A6A6A",
          "8374FFFFFFFF6A6A6A6A6A6A6A6A6A6A", "836DFFFFFFFF0102", "8368026C0FFFFFFF6A6A6A"}) {
        block_bytes = 0;
        EXPECT_FALSE(decode(from_hex(h)));
        EXPECT_LE(block_bytes.load(), 1024u) << h;
    }
}

}  // namespace
}  // namespace otp

// Spliced encoding: large binaries left out of the output and put back by
// materialize() give exactly encode_body_append's bytes, from any write offset.
#include <gtest/gtest.h>

#include <numeric>

#include "otp/etf.hpp"
#include "otp/term.hpp"
#include "term/etf_splice.hpp"

namespace otp {
namespace {

using bytes = std::vector<std::uint8_t>;
const encode_options dist{2, -1, 1000};

bytes counting(std::size_t n, std::uint8_t from) {
    bytes b(n);
    std::iota(b.begin(), b.end(), from);
    return b;
}

bytes plain(const term& t) {
    bytes out{0xAA};  // something before it, as a packet's header
    EXPECT_TRUE(encode_body_append(t, out, dist));
    return out;
}

// The spliced encoding after the same leading byte, and its splices.
bytes spliced(const term& t, etf_detail::splice_list& sp) {
    bytes out{0xAA};
    const auto n = etf_detail::encode_body_append_dist(t, out, dist, &sp, nullptr);
    EXPECT_TRUE(n);
    if (n) {
        EXPECT_EQ(*n + 1, out.size() + sp.bytes()) << "the size counts the left-out bytes";
    }
    return out;
}

TEST(EtfSplice, LeavesOutLargeBinariesOnlyAndPutsThemBack) {
    const bytes big = counting(70'000, 1);
    const term big_sub = *sub_binary(binary(counting(200'000, 9)), 1'000, 65'536);
    const term t = tuple(binary(big), atom("x"), binary(bytes(100, 5)), list(big_sub, 42),
                         bitstring(counting(80'000, 3), 5), binary(bytes(65'535, 1)));
    etf_detail::splice_list sp;
    const bytes out = spliced(t, sp);
    // The 70,000, the 65,536 sub-binary and the 80,000 bitstring; not the 100 or 65,535.
    ASSERT_EQ(sp.items.size(), 3u);
    EXPECT_EQ(sp.bytes(), 70'000u + 65'536u + 80'000u);
    EXPECT_EQ(sp.items[0].size, 70'000u);
    EXPECT_EQ(sp.items[0].data, (*t.as_tuple())[0].as_binary()->bytes.data());
    EXPECT_LT(sp.items[0].at, sp.items[1].at);
    EXPECT_LT(sp.items[1].at, sp.items[2].at);
    EXPECT_EQ(sp.bytes_since(1), 65'536u + 80'000u);
    bytes whole = out;
    etf_detail::materialize(whole, sp);
    EXPECT_EQ(whole, plain(t));
    EXPECT_TRUE(sp.items.empty());
}

TEST(EtfSplice, MaterializesFromAnyOffset) {
    // Small splices make every offset cheap to try: inside the head, inside each
    // splice, between them and at the end.
    const term t = list(binary(counting(7, 1)), 3, binary(counting(9, 50)), binary(counting(4, 9)));
    const bytes want = plain(t);
    for (std::size_t skip = 0; skip <= want.size(); ++skip) {
        etf_detail::splice_list sp;
        sp.min_size = 4;
        bytes out = spliced(t, sp);
        ASSERT_EQ(sp.items.size(), 3u);
        etf_detail::materialize(out, sp, skip);
        EXPECT_EQ(out, bytes(want.begin() + static_cast<std::ptrdiff_t>(skip), want.end()))
            << "skip " << skip;
    }
}

TEST(EtfSplice, PastTheLimitBinariesAreCopied) {
    std::vector<term> bins;
    for (int i = 0; i < 20; ++i)
        bins.push_back(binary(counting(16, static_cast<std::uint8_t>(i))));
    const term t = make_list(bins);
    etf_detail::splice_list sp;
    sp.min_size = 16;
    bytes out = spliced(t, sp);
    EXPECT_EQ(sp.items.size(), etf_detail::splice_list::max_items);
    etf_detail::materialize(out, sp);
    EXPECT_EQ(out, plain(t));
}

TEST(EtfSplice, AFailedEncodingLeavesNoSplices) {
    etf_detail::splice_list sp;
    sp.min_size = 4;
    bytes out{0xAA};
    ASSERT_TRUE(
        etf_detail::encode_body_append_dist(binary(counting(8, 0)), out, dist, &sp, nullptr));
    ASSERT_EQ(sp.items.size(), 1u);
    // Nested deeper than the encoder allows after a binary it left out: that splice
    // goes, the earlier one stays.
    term nested = atom("x");
    for (int i = 0; i < 2000; ++i)
        nested = list(nested);
    const term deep = tuple(binary(counting(8, 1)), nested);
    const std::size_t before = out.size();
    EXPECT_FALSE(etf_detail::encode_body_append_dist(deep, out, dist, &sp, nullptr));
    EXPECT_EQ(out.size(), before);
    EXPECT_EQ(sp.items.size(), 1u);
}

}  // namespace
}  // namespace otp

// Decoded maps in map-key order, whatever order the input had, with duplicates found:
// the sort keys of the fast path (type rank and leading bytes) must agree with
// exact_compare, including on long shared prefixes, zero bytes and signed integers.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "term/etf_test_util.hpp"

namespace otp {
namespace {

using etf_test::bytes;

// MAP_EXT with the pairs in the given order (encode() would sort them).
bytes map_in_order(const std::vector<std::pair<term, term>>& pairs) {
    const auto n = static_cast<std::uint32_t>(pairs.size());
    bytes out(6);
    out[0] = 131;
    out[1] = 116;
    for (int i = 0; i < 4; ++i)
        out[2 + i] = static_cast<std::uint8_t>(n >> (24 - 8 * i));
    for (const auto& [k, v] : pairs) {
        EXPECT_TRUE(encode_body_append(k, out));
        EXPECT_TRUE(encode_body_append(v, out));
    }
    return out;
}

std::vector<term> key_pool(bool with_rare_types) {
    std::vector<term> keys;
    for (long v : {0L, 1L, -1L, 255L, 256L, -256L, 1L << 31, -(1L << 31), (1L << 62),
                   std::numeric_limits<long>::max(), std::numeric_limits<long>::min()})
        keys.emplace_back(v);
    const std::string long_prefix = "a_name_longer_than_fifteen_bytes_";
    for (const std::string& s :
         {std::string(), std::string("a"), std::string("ab"), std::string("ab\0", 3),
          std::string("ab\0\0", 4), std::string("b"), long_prefix, long_prefix + "x",
          long_prefix + "y", long_prefix + std::string("\0", 1), std::string(15, 'z'),
          std::string(16, 'z'), std::string("\xc3\xa9t\xc3\xa9")}) {
        keys.push_back(atom(s));
        keys.push_back(binary(s));
    }
    if (with_rare_types) {
        keys.push_back(bitstring(std::vector<std::uint8_t>{0xF0}, 4));
        keys.emplace_back(1.0);
        keys.emplace_back(-0.5);
        keys.push_back(tuple(1, atom("x")));
        keys.push_back(list(1, 2));
        keys.emplace_back(big_int("123456789012345678901234567890"));
    }
    return keys;
}

void expect_sorted(const term& m) {
    const auto pairs = m.as_map()->pairs();
    for (std::size_t i = 1; i < pairs.size(); ++i)
        ASSERT_TRUE(exact_compare(pairs[i - 1].first, pairs[i].first) < 0) << i;
}

TEST(MapOrder, ShuffledKeysDecodeSorted) {
    std::mt19937 rng(20240601);
    for (const bool rare : {false, true}) {
        const std::vector<term> pool = key_pool(rare);
        for (int round = 0; round < 50; ++round) {
            std::vector<std::pair<term, term>> pairs;
            for (std::size_t i = 0; i < pool.size(); ++i)
                pairs.emplace_back(pool[i], term(static_cast<long>(i)));
            std::shuffle(pairs.begin(), pairs.end(), rng);
            const auto t = decode(map_in_order(pairs));
            ASSERT_TRUE(t);
            expect_sorted(*t);
            EXPECT_EQ(*t, make_map(pairs));
            for (const auto& [k, v] : pairs)
                EXPECT_EQ(*t->as_map()->find(k), v);
        }
    }
}

TEST(MapOrder, DuplicatesFoundWhereverTheyAre) {
    std::mt19937 rng(7);
    for (const bool rare : {false, true}) {
        const std::vector<term> pool = key_pool(rare);
        for (std::size_t dup = 0; dup < pool.size(); ++dup) {
            std::vector<std::pair<term, term>> pairs;
            for (const term& k : pool)
                pairs.emplace_back(k, term(1));
            pairs.emplace_back(pool[dup], term(2));
            std::shuffle(pairs.begin(), pairs.end(), rng);
            decode_error_info err;
            EXPECT_FALSE(decode(map_in_order(pairs), err)) << dup;
            EXPECT_EQ(err.code, make_error_code(term_errc::duplicate_map_key)) << dup;
        }
    }
}

TEST(MapOrder, LargeIntegerMaps) {
    std::mt19937_64 rng(99);
    std::vector<std::pair<term, term>> pairs;
    for (int i = 0; i < 1000; ++i)
        pairs.emplace_back(term(static_cast<long>(rng())), term(i));
    const auto t = decode(map_in_order(pairs));
    ASSERT_TRUE(t);
    expect_sorted(*t);
    EXPECT_EQ(t->size(), 1000u);
}

}  // namespace
}  // namespace otp

// Erlang term order, equality and hashing; expectations checked on an OTP 25 node.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "otp/term.hpp"

using namespace std::string_literals;
using otp::atom;
using otp::term;

namespace {
term pid(const char* node, std::uint32_t id, std::uint32_t serial, std::uint32_t creation) {
    return term(otp::pid{atom(node), id, serial, creation});
}
term port(const char* node, std::uint64_t id, std::uint32_t creation) {
    return term(otp::port{atom(node), id, creation});
}
term ref(const char* node, std::uint32_t creation, std::initializer_list<std::uint32_t> words) {
    otp::reference r{atom(node), creation, static_cast<std::uint8_t>(words.size()), {}};
    std::copy(words.begin(), words.end(), r.ids.begin());
    return term(r);
}
term bits(std::initializer_list<std::uint8_t> bytes, std::uint8_t used) {
    std::vector<std::uint8_t> v(bytes);
    return otp::bitstring(v, used);
}
const otp::big_int two(2);
}  // namespace

TEST(Compare, TypeOrder) {
    // number < atom < reference < fun < port < pid < tuple < map < nil < list < bitstring
    std::vector<term> ascending = {
        term(1),
        term(atom("a")),
        ref("a@b", 1, {1, 2, 3}),
        term(otp::export_fun{atom("lists"), atom("map"), 2}),
        port("a@b", 1, 1),
        pid("a@b", 1, 0, 1),
        otp::tuple(),
        otp::map({}),
        term(),
        otp::list(1),
        otp::binary(""s),
    };
    for (std::size_t i = 0; i + 1 < ascending.size(); ++i) {
        EXPECT_LT(ascending[i], ascending[i + 1]) << i;
        EXPECT_GT(ascending[i + 1], ascending[i]) << i;
    }
}

TEST(Compare, NumbersCompareExactlyByValue) {
    EXPECT_TRUE(otp::equal(term(1), term(1.0)));
    EXPECT_FALSE(term(1) == term(1.0));
    EXPECT_EQ(term(1) <=> term(1.0), std::weak_ordering::equivalent);
    // 2^53 + 1 > 2^53 as a float: no rounding of the integer (erl: true)
    EXPECT_GT(term(9007199254740993LL), term(9007199254740992.0));
    const term two70(otp::big_int(1) << 70);
    EXPECT_LT(two70, term(1.0e22));
    EXPECT_TRUE(otp::equal(two70, term(1180591620717411303424.0)));
    EXPECT_LT(term(-(otp::big_int(1) << 70)), term(-5));
    EXPECT_GT(term(otp::big_int(1) << 70), term(std::numeric_limits<std::int64_t>::max()));
    EXPECT_LT(term(2.5), term(3));
    EXPECT_GT(term(-2.5), term(-3));
    EXPECT_LT(term(-0.0), term(1));
}

TEST(Compare, MapKeyOrderPutsIntegersBeforeFloats) {
    // erl: maps:keys(#{{2} => a, {1.0} => b, 3 => c, 1.5 => d}) =:= [3,1.5,{2},{1.0}]
    EXPECT_TRUE(otp::exact_compare(term(3), term(1.5)) < 0);
    EXPECT_TRUE(otp::exact_compare(otp::tuple(2), otp::tuple(1.0)) < 0);
    EXPECT_TRUE(otp::exact_compare(term(1.0), term(1)) > 0);
    EXPECT_TRUE(otp::exact_compare(term(-0.0), term(0.0)) < 0);
    // erl: #{1 => a} < #{1.0 => a}
    EXPECT_LT(otp::map({{1, atom("a")}}), otp::map({{1.0, atom("a")}}));
}

TEST(Compare, PidsBySerialThenIdThenNode) {
    EXPECT_LT(pid("a@b", 10, 0, 1), pid("a@b", 9, 1, 1));
    EXPECT_GT(pid("a@b", 10, 0, 1), pid("b@b", 9, 0, 1));
    EXPECT_GT(pid("a@b", 10, 0, 1), pid("a@b", 9, 0, 2));
    EXPECT_GT(pid("b@b", 9, 0, 1), pid("a@b", 9, 0, 2));
    EXPECT_GT(pid("a@b", 9, 0, 2), pid("a@b", 9, 0, 1));
}

TEST(Compare, PortsAndRefsByNodeFirst) {
    EXPECT_LT(port("a@b", 10, 1), port("b@b", 9, 1));
    EXPECT_LT(port("a@b", 10, 1), port("a@b", 9, 2));
    EXPECT_LT(ref("a@b", 1, {1, 0, 0}), ref("a@b", 1, {0, 1, 0}));
    EXPECT_LT(ref("a@b", 1, {1, 0, 0}), ref("a@b", 1, {0, 0, 1}));
    EXPECT_GT(ref("a@b", 1, {5, 0, 0}), ref("a@b", 1, {0, 0, 0, 0}));
    EXPECT_EQ(ref("a@b", 1, {1}), ref("a@b", 1, {1, 0, 0}));
    EXPECT_LT(ref("a@b", 1, {5, 0, 0}), ref("a@b", 2, {0, 0, 0}));
    EXPECT_GT(ref("b@b", 1, {0, 0, 0}), ref("a@b", 1, {1, 1, 1}));
}

TEST(Compare, FunsLocalBeforeExternal) {
    const std::uint8_t uniq[16] = {};
    term local = otp::make_fun(0, std::span<const std::uint8_t, 16>(uniq), 0, atom("m"), 0, 0,
                               pid("a@b", 1, 0, 1), {});
    term ext = term(otp::export_fun{atom("lists"), atom("map"), 2});
    EXPECT_LT(local, ext);
    EXPECT_GT(ext, term(otp::export_fun{atom("lists"), atom("foldl"), 3}));
    EXPECT_LT(term(otp::export_fun{atom("a"), atom("z"), 1}),
              term(otp::export_fun{atom("b"), atom("a"), 1}));
    EXPECT_GT(term(otp::export_fun{atom("a"), atom("b"), 2}),
              term(otp::export_fun{atom("a"), atom("b"), 1}));
}

TEST(Compare, ListsTuplesMapsBitstrings) {
    EXPECT_LT(otp::cons(atom("a"), atom("b")), otp::list(atom("a"), atom("b")));
    EXPECT_LT(otp::cons(atom("a"), 1), otp::cons(atom("a"), atom("b")));
    EXPECT_LT(otp::list(1, 2), otp::list(1, 2, 3));
    EXPECT_LT(otp::tuple(9, 9), otp::tuple(1, 1, 1));  // arity first
    EXPECT_LT(otp::map({{atom("a"), 1}, {atom("b"), 2}}),
              otp::map({{atom("a"), 2}, {atom("b"), 1}}));
    EXPECT_LT(otp::map({{atom("b"), 1}}), otp::map({{atom("a"), 1}, {atom("b"), 1}}));
    EXPECT_GT(bits({0x20}, 3), bits({0x10}, 4));  // <<1:3>> > <<1:4>>
    EXPECT_GT(bits({0x10}, 4), bits({0x00}, 5));
    EXPECT_LT(otp::binary("\xFF"s), bits({0xFF, 0x00}, 1));
    EXPECT_LT(otp::binary("abc"s), otp::binary("abd"s));
    EXPECT_LT(otp::binary("ab"s), otp::binary("abc"s));
}

TEST(Compare, HashConsistentWithExactEquality) {
    std::vector<term> terms = {
        term(1),
        term(1.0),
        term(-0.0),
        term(0.0),
        term(otp::big_int(1) << 100),
        term(atom("x")),
        otp::list(1, 2),
        otp::cons(1, otp::list(2)),
        otp::tuple(1, 2),
        otp::map({{1, 2}}),
        otp::binary("ab"s),
        otp::sub_binary(otp::binary("xab"s), 1, 2).value(),
        ref("a@b", 1, {1}),
        ref("a@b", 1, {1, 0, 0}),
        pid("a@b", 1, 2, 3),
    };
    for (const term& a : terms)
        for (const term& b : terms) {
            if (a == b) {
                EXPECT_EQ(a.hash(), b.hash());
            }
        }
    EXPECT_NE(term(1).hash(), term(1.0).hash());
}

TEST(Compare, SortIsATotalOrder) {
    std::mt19937 rng(7);
    std::vector<term> v;
    for (int i = 0; i < 500; ++i) {
        switch (rng() % 6) {
            case 0:
                v.emplace_back(static_cast<long>(rng() % 50) - 25);
                break;
            case 1:
                v.emplace_back(static_cast<double>(rng() % 50) / 2 - 12);
                break;
            case 2:
                v.emplace_back(atom(std::string(1, static_cast<char>('a' + rng() % 5))));
                break;
            case 3:
                v.emplace_back(
                    otp::tuple(static_cast<long>(rng() % 3), static_cast<long>(rng() % 3)));
                break;
            case 4:
                v.emplace_back(otp::list(static_cast<long>(rng() % 3)));
                break;
            default:
                v.emplace_back(otp::big_int(rng()) << 80);
                break;
        }
    }
    std::sort(v.begin(), v.end(),
              [](const term& a, const term& b) { return otp::exact_compare(a, b) < 0; });
    for (std::size_t i = 0; i + 1 < v.size(); ++i)
        EXPECT_TRUE(otp::exact_compare(v[i], v[i + 1]) <= 0) << i;
    std::sort(v.begin(), v.end(), [](const term& a, const term& b) { return a < b; });
    for (std::size_t i = 0; i + 1 < v.size(); ++i) {
        EXPECT_TRUE((v[i] <=> v[i + 1]) <= 0) << i;
        for (std::size_t j = i + 1; j < v.size(); j += 37)
            EXPECT_TRUE((v[i] <=> v[j]) <= 0);
    }
}

TEST(Compare, ListsOfManyRunsCompareWithoutRecursion) {
    term consed, flat_tail;
    std::vector<term> flat;
    for (int i = 0; i < 300000; ++i) {
        consed = otp::cons(i, std::move(consed));
        flat.emplace_back(299999 - i);
    }
    const term flat_list = otp::make_list(std::move(flat));
    EXPECT_TRUE(consed == flat_list);
    EXPECT_EQ(consed <=> flat_list, std::weak_ordering::equivalent);
    EXPECT_GT(consed, otp::cons(-1, flat_list));                  // first element decides
    EXPECT_LT(otp::cons(0, atom("tail")), otp::cons(0, term()));  // erl: [0|tail] < [0]
    EXPECT_LT(otp::cons(0, atom("tail")), otp::list(0, 1));       // atom tail < list
    EXPECT_LT(otp::list(0, 1), otp::cons(0, otp::cons(1, otp::binary("b"))));
}

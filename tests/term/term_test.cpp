// Construction, typed access, views and lifetime of otp::term.
#include <gtest/gtest.h>

#include <limits>
#include <thread>

#include "otp/term.hpp"

using namespace std::string_literals;
using otp::atom;
using otp::term;
using otp::term_errc;

TEST(Term, DefaultIsNil) {
    term t;
    EXPECT_TRUE(t.is_nil());
    EXPECT_TRUE(t.is_list());
    EXPECT_FALSE(t.is_cons());
    EXPECT_EQ(t.type(), otp::term_type::nil);
}

TEST(Term, IntegersNormaliseToSmallWhenTheyFit) {
    EXPECT_EQ(term(42).as_int64().value(), 42);
    EXPECT_EQ(term(otp::big_int(-7)).raw_tag(), otp::detail::tag::small_int);
    const otp::big_int two64 = otp::big_int(1) << 64;
    term big(two64);
    EXPECT_EQ(big.raw_tag(), otp::detail::tag::big_int);
    EXPECT_EQ(big.as_int64().error(), term_errc::out_of_range);
    EXPECT_EQ(big.as_big_int().value(), two64);
    EXPECT_EQ(term(std::numeric_limits<std::uint64_t>::max()).as_int<std::uint64_t>().value(),
              std::numeric_limits<std::uint64_t>::max());
    EXPECT_EQ(term(300).as_int<std::uint8_t>().error(), term_errc::out_of_range);
    EXPECT_EQ(term(-1).as_int<unsigned>().error(), term_errc::out_of_range);
    EXPECT_EQ(term(1.5).as_int64().error(), term_errc::wrong_type);
}

TEST(Term, FloatsKeepTheirBits) {
    term z(-0.0);
    EXPECT_TRUE(std::signbit(z.as_double().value()));
    EXPECT_FALSE(z == term(0.0));           // distinct exactly
    EXPECT_TRUE(otp::equal(z, term(0.0)));  // equal arithmetically
    EXPECT_EQ(term(3).as_double().error(), term_errc::wrong_type);
    EXPECT_EQ(term(3).as_number().value(), 3.0);
}

TEST(Term, AtomsAreInterned) {
    atom a("hello"), b("hello"), c("world");
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
    EXPECT_EQ(a.entry(), b.entry());
    EXPECT_LT(a, c);
    EXPECT_EQ(atom().name(), "");
    EXPECT_EQ(atom("\xC3\xA4").length(), 1u);  // ä
    EXPECT_TRUE(atom("\xC3\xA4").is_latin1());
    EXPECT_FALSE(atom("\xE2\x82\xAC").is_latin1());  // €
    EXPECT_EQ(otp::atom::from_latin1("\xE4").value(), atom("\xC3\xA4"));
    EXPECT_EQ(atom::make(std::string(255, 'x')).error(), std::error_code{});
    EXPECT_EQ(atom::make(std::string(256, 'x')).error(), term_errc::atom_too_long);
    EXPECT_EQ(atom::make("\xC3").error(), term_errc::invalid_utf8);
    EXPECT_EQ(atom::make("\xED\xA0\x80").error(), term_errc::invalid_utf8);  // surrogate
    EXPECT_THROW(atom("\xFF"), otp::system_error);
    EXPECT_TRUE(term(true).is_boolean());
    EXPECT_EQ(term(false).as_bool().value(), false);
    EXPECT_EQ(term(atom("maybe")).as_bool().error(), term_errc::wrong_type);
}

TEST(Term, TupleBuildAndAccess) {
    term t = otp::tuple(atom("ok"), 42, "text"s);
    ASSERT_TRUE(t.is_tuple());
    auto elems = t.as_tuple().value();
    ASSERT_EQ(elems.size(), 3u);
    EXPECT_EQ(elems[0].as_atom().value(), atom("ok"));
    EXPECT_EQ(elems[1].as_int64().value(), 42);
    EXPECT_EQ(elems[2].as_binary().value().as_string_view(), "text");
    EXPECT_EQ(t.element(3).error(), term_errc::out_of_range);
    EXPECT_EQ(term(1).element(0).error(), term_errc::wrong_type);
    EXPECT_EQ(otp::tuple().size(), 0u);
}

TEST(Term, ListsProperAndImproper) {
    term l = otp::list(1, 2, 3);
    auto v = l.as_list().value();
    EXPECT_TRUE(v.is_proper());
    EXPECT_EQ(v.size(), 3u);
    std::vector<std::int64_t> got;
    for (const term& e : v)
        got.push_back(e.as_int64().value());
    EXPECT_EQ(got, (std::vector<std::int64_t>{1, 2, 3}));
    EXPECT_EQ(l.head().value(), term(1));
    EXPECT_EQ(l.tail().value(), otp::list(2, 3));

    term imp = otp::cons(term(atom("a")), term(atom("b")));
    EXPECT_FALSE(imp.as_list().value().is_proper());
    EXPECT_EQ(imp.as_list().value().tail(), term(atom("b")));

    // A list built from a run plus consed cells equals the flat one.
    term mixed = otp::cons(1, otp::make_list(std::vector<term>{2, 3}));
    EXPECT_EQ(mixed, l);
    EXPECT_EQ(mixed.hash(), l.hash());
    EXPECT_EQ(otp::make_list(std::vector<term>{}, term(5)), term(5));
}

TEST(Term, CharlistDecodesUtf8) {
    term s = otp::charlist("h\xC3\xA9\xE2\x82\xAC");
    EXPECT_EQ(s, otp::list(104, 233, 0x20AC));
    EXPECT_THROW(otp::charlist("\xC3"), otp::system_error);
}

TEST(Term, MapsSortKeysAndLastValueWins) {
    term m = otp::map({{atom("b"), 1}, {atom("a"), 2}, {atom("b"), 3}, {1.0, 4}, {2, 5}});
    auto mv = m.as_map().value();
    ASSERT_EQ(mv.size(), 4u);
    // map-key order: integers, floats, atoms
    EXPECT_EQ(mv.pairs()[0].first, term(2));
    EXPECT_EQ(mv.pairs()[1].first, term(1.0));
    EXPECT_EQ(mv.pairs()[2].first, term(atom("a")));
    EXPECT_EQ(*mv.find(atom("b")), term(3));
    EXPECT_EQ(mv.find(term(1)), nullptr);  // 1 is not 1.0 as a key
}

TEST(Term, BinariesShareAndSlice) {
    term b = otp::binary("hello world"s);
    auto sub = otp::sub_binary(b, 6, 5).value();
    EXPECT_EQ(sub.as_binary().value().as_string_view(), "world");
    EXPECT_EQ(sub.as_binary().value().bytes.data(), b.as_binary().value().bytes.data() + 6);
    auto subsub = otp::sub_binary(sub, 1, 2).value();
    EXPECT_EQ(subsub.as_binary().value().as_string_view(), "or");
    EXPECT_EQ(otp::sub_binary(b, 6, 6).error(), term_errc::out_of_range);
    b = term();  // the slices keep the storage alive
    EXPECT_EQ(subsub.as_binary().value().as_string_view(), "or");

    const std::uint8_t raw[] = {0xFF};
    term bits = otp::bitstring(raw, 3);
    EXPECT_FALSE(bits.is_binary());
    EXPECT_TRUE(bits.is_bitstring());
    EXPECT_EQ(bits.as_binary().value().bytes[0], 0xE0);  // unused bits cleared
    EXPECT_EQ(bits.as_binary().value().bit_size(), 3u);
    EXPECT_THROW(otp::bitstring(raw, 0), otp::system_error);
}

TEST(Term, ZeroCopyBinaryKeepsOwnerAlive) {
    auto buf = std::make_shared<std::vector<std::uint8_t>>(std::vector<std::uint8_t>{1, 2, 3, 4});
    std::weak_ptr<std::vector<std::uint8_t>> watch = buf;
    term t = otp::binary_ref(std::span<const std::uint8_t>(buf->data() + 1, 2), buf);
    buf.reset();
    EXPECT_FALSE(watch.expired());
    EXPECT_EQ(t.as_binary().value().bytes[0], 2);
    t = term();
    EXPECT_TRUE(watch.expired());
}

TEST(Term, PidPortRefRoundTrip) {
    otp::pid p{atom("a@b"), 1, 2, 3};
    EXPECT_EQ(term(p).as_pid().value(), p);
    otp::port pt{atom("a@b"), 1ull << 40, 7};
    EXPECT_EQ(term(pt).as_port().value(), pt);
    otp::reference r{atom("a@b"), 9, 3, {1, 2, 3, 0, 0}};
    EXPECT_EQ(term(r).as_ref().value(), r);
    otp::reference r4{atom("a@b"), 9, 4, {1, 2, 3, 0, 0}};
    EXPECT_EQ(term(r), term(r4));  // missing words count as zero, as in OTP
    EXPECT_EQ(term(r).hash(), term(r4).hash());
    otp::reference bad{atom("a@b"), 9, 0, {}};
    EXPECT_THROW(term{bad}, otp::system_error);
    EXPECT_EQ(term(p).as_port().error(), term_errc::wrong_type);
}

TEST(Term, LongConsChainDestroysWithoutRecursion) {
    term l;
    for (int i = 0; i < 1'000'000; ++i)
        l = otp::cons(i, std::move(l));
    EXPECT_EQ(l.as_list().value().size(), 1'000'000u);
    term nested;
    for (int i = 0; i < 1'000'000; ++i)
        nested = otp::tuple(std::move(nested));
    l = term();
    nested = term();  // would overflow the stack if destruction recursed
    SUCCEED();
}

TEST(Term, SharedAcrossThreads) {
    term shared = otp::tuple(otp::binary("payload"s), otp::list(1, 2, 3), atom("x"));
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 20000; ++i) {
                term copy = shared;
                ASSERT_EQ(copy.element(1).value().size(), 3u);
            }
        });
    for (auto& th : threads)
        th.join();
    EXPECT_EQ(shared.raw_node()->rc.load(), 1u);
}

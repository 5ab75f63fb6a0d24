// Conversion between terms and C++ types (otp/convert.hpp), including user types.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "otp/convert.hpp"

using namespace std::string_literals;
using otp::atom;
using otp::from_term;
using otp::term;
using otp::term_errc;
using otp::to_term;

namespace {

// A user type as a tagged tuple {point, X, Y}, the usual Erlang record shape.
struct point {
    int x = 0;
    int y = 0;
    friend bool operator==(const point&, const point&) = default;
};

// A user type as a map with atom keys; a missing optional key reads as nullopt.
struct settings {
    std::string name;
    std::optional<int> timeout_ms;
    friend bool operator==(const settings&, const settings&) = default;
};

// No otp::convert specialisation: conversions must not compile.
struct opaque {};

}  // namespace

template <>
struct otp::convert<point> {
    static term to_term(const point& p) { return otp::tuple(atom("point"), p.x, p.y); }
    static result<point> from_term(const term& t) {
        auto r = otp::from_term<std::tuple<atom, int, int>>(t);
        if (!r) return r.error();
        const auto& [tag, x, y] = *r;
        if (tag != atom("point")) return term_errc::wrong_type;
        return point{x, y};
    }
};

template <>
struct otp::convert<settings> {
    static term to_term(const settings& s) {
        return otp::map({{atom("name"), otp::to_term(s.name)},
                         {atom("timeout_ms"), otp::to_term(s.timeout_ms)}});
    }
    static result<settings> from_term(const term& t) {
        auto m = t.as_map();
        if (!m) return m.error();
        const term* name = m->find(atom("name"));
        if (name == nullptr) return term_errc::wrong_type;
        auto n = otp::from_term<std::string>(*name);
        if (!n) return n.error();
        settings s{std::move(*n), std::nullopt};
        if (const term* tmo = m->find(atom("timeout_ms"))) {
            auto v = otp::from_term<std::optional<int>>(*tmo);
            if (!v) return v.error();
            s.timeout_ms = *v;
        }
        return s;
    }
};

namespace {

// Converts to a term and back, checking the value survives.
template <class T>
void expect_round_trip(const T& v) {
    const term t = to_term(v);
    auto back = from_term<T>(t);
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(*back, v);
}

template <class T>
concept can_convert_from_temporary = requires {
    otp::from_term<T>(term());
};

}  // namespace

static_assert(otp::to_term_convertible<point> && otp::from_term_convertible<point>);
static_assert(!otp::to_term_convertible<opaque> && !otp::from_term_convertible<opaque>);
static_assert(!otp::to_term_convertible<std::vector<opaque>>);
static_assert(!otp::from_term_convertible<std::map<std::string, opaque>>);
static_assert(!otp::from_term_convertible<const int>);
static_assert(!otp::from_term_convertible<bool*>);
static_assert(!otp::from_term_convertible<const char*>);  // to_term only
static_assert(can_convert_from_temporary<std::string>);
static_assert(!can_convert_from_temporary<std::string_view>);
static_assert(!can_convert_from_temporary<std::vector<std::optional<std::string_view>>>);
static_assert(!can_convert_from_temporary<std::map<std::string_view, int>>);

TEST(Convert, IntegersRoundTripAtTheirLimits) {
    expect_round_trip(std::numeric_limits<std::int8_t>::min());
    expect_round_trip(std::numeric_limits<std::int64_t>::min());
    expect_round_trip(std::numeric_limits<std::int64_t>::max());
    expect_round_trip(std::numeric_limits<std::uint64_t>::max());  // a bignum term
    expect_round_trip(std::numeric_limits<unsigned long long>::max());
    expect_round_trip(std::numeric_limits<std::uint16_t>::max());
    expect_round_trip('a');
    EXPECT_EQ(to_term('a'), term(97));  // chars are integers, as $a is
    EXPECT_EQ(to_term(std::uint64_t{1} << 63).as_big_int().value(), otp::big_int(1) << 63);
}

TEST(Convert, IntegersAreRangeChecked) {
    EXPECT_EQ(from_term<std::int8_t>(term(128)).error(), term_errc::out_of_range);
    EXPECT_EQ(from_term<std::int8_t>(term(-129)).error(), term_errc::out_of_range);
    EXPECT_EQ(from_term<unsigned>(term(-1)).error(), term_errc::out_of_range);
    EXPECT_EQ(from_term<std::int64_t>(term(otp::big_int(1) << 64)).error(),
              term_errc::out_of_range);
    EXPECT_EQ(from_term<std::uint64_t>(term(otp::big_int(1) << 64)).error(),
              term_errc::out_of_range);
    EXPECT_EQ(from_term<int>(term(1.0)).error(), term_errc::wrong_type);
    EXPECT_EQ(from_term<int>(term(atom("one"))).error(), term_errc::wrong_type);
    EXPECT_EQ(from_term<int>(term(true)).error(), term_errc::wrong_type);
}

TEST(Convert, FloatsAcceptIntegers) {
    expect_round_trip(-0.5);
    expect_round_trip(1.5f);
    EXPECT_TRUE(to_term(2.0).is_float());
    EXPECT_EQ(from_term<double>(term(3)).value(), 3.0);
    EXPECT_EQ(from_term<double>(term(otp::big_int(1) << 70)).value(), std::ldexp(1.0, 70));
    EXPECT_EQ(from_term<double>(term(otp::big_int(1) << 1100)).error(), term_errc::out_of_range);
    EXPECT_EQ(from_term<float>(term(1e300)).error(), term_errc::out_of_range);
    EXPECT_EQ(from_term<float>(term(-1e300)).error(), term_errc::out_of_range);
    EXPECT_EQ(from_term<float>(term(otp::big_int(1) << 200)).error(), term_errc::out_of_range);
    EXPECT_EQ(from_term<double>(term("1.0"s)).error(), term_errc::wrong_type);
}

TEST(Convert, BoolIsTrueOrFalse) {
    EXPECT_EQ(to_term(true), term(atom("true")));
    EXPECT_EQ(to_term(false), term(atom("false")));
    EXPECT_EQ(from_term<bool>(term(atom("true"))).value(), true);
    EXPECT_EQ(from_term<bool>(term(atom("false"))).value(), false);
    EXPECT_EQ(from_term<bool>(term(atom("yes"))).error(), term_errc::wrong_type);
    EXPECT_EQ(from_term<bool>(term(1)).error(), term_errc::wrong_type);
}

TEST(Convert, OtpTypesAreThemselves) {
    expect_round_trip(atom("hello"));
    expect_round_trip(otp::pid{atom("a@b"), 1, 2, 3});
    expect_round_trip(otp::port{atom("a@b"), 1ull << 40, 7});
    expect_round_trip(otp::reference{atom("a@b"), 9, 3, {1, 2, 3, 0, 0}});
    expect_round_trip(otp::export_fun{atom("lists"), atom("map"), 2});
    expect_round_trip(otp::big_int(-1) << 100);
    EXPECT_EQ(from_term<otp::big_int>(term(5)).value(), 5);
    const term t = otp::tuple(1, otp::list(2));
    EXPECT_EQ(from_term<term>(t).value(), t);
    EXPECT_EQ(to_term(t), t);
    EXPECT_EQ(from_term<atom>(term(1)).error(), term_errc::wrong_type);
    EXPECT_EQ(from_term<otp::pid>(term(atom("self"))).error(), term_errc::wrong_type);
}

TEST(Convert, StringsAreBinaries) {
    expect_round_trip("h\xC3\xA9llo"s);
    expect_round_trip(""s);
    expect_round_trip("\0\xFF"s);  // any bytes: a binary need not be UTF-8
    EXPECT_EQ(to_term("abc"s), otp::binary("abc"));
    EXPECT_EQ(to_term("abc"), otp::binary("abc"));
    const char* cstr = "xyz";
    EXPECT_EQ(to_term(cstr), otp::binary("xyz"));
    EXPECT_THROW((void)to_term(static_cast<const char*>(nullptr)), std::invalid_argument);
    const char buf[8] = {'a', 'b', '\0', 'c'};
    EXPECT_EQ(to_term(buf), otp::binary("ab"));
    const char full[3] = {'a', 'b', 'c'};  // no NUL: all N bytes, no overread
    EXPECT_EQ(to_term(full), otp::binary("abc"));
}

TEST(Convert, StringsAlsoReadErlangStrings) {
    EXPECT_EQ(from_term<std::string>(otp::charlist("h\xC3\xA9\xE2\x82\xAC")).value(),
              "h\xC3\xA9\xE2\x82\xAC");
    EXPECT_EQ(from_term<std::string>(term()).value(), "");  // "" is []
    EXPECT_EQ(from_term<std::string>(otp::list(0x10FFFF)).value(), "\xF4\x8F\xBF\xBF");
    EXPECT_EQ(from_term<std::string>(otp::list(104, 0xD800)).error(), term_errc::out_of_range);
    EXPECT_EQ(from_term<std::string>(otp::list(0x110000)).error(), term_errc::out_of_range);
    EXPECT_EQ(from_term<std::string>(otp::list(-1)).error(), term_errc::out_of_range);
    EXPECT_EQ(from_term<std::string>(otp::list(otp::big_int(1) << 80)).error(),
              term_errc::out_of_range);
    EXPECT_EQ(from_term<std::string>(otp::list(104, atom("i"))).error(), term_errc::wrong_type);
    EXPECT_EQ(from_term<std::string>(otp::cons(104, 105)).error(), term_errc::improper_list);
    EXPECT_EQ(from_term<std::string>(term(atom("hi"))).error(), term_errc::wrong_type);
    const std::uint8_t raw[] = {0xFF};
    EXPECT_EQ(from_term<std::string>(otp::bitstring(raw, 3)).error(), term_errc::wrong_type);
}

TEST(Convert, StringViewsPointIntoTheBinary) {
    const term t = otp::binary("view me");
    const std::string_view v = from_term<std::string_view>(t).value();
    EXPECT_EQ(v, "view me");
    EXPECT_EQ(static_cast<const void*>(v.data()),
              static_cast<const void*>(t.as_binary().value().bytes.data()));
    EXPECT_EQ(to_term(std::string_view("sv")), otp::binary("sv"));
    const term list = otp::charlist("no");
    EXPECT_EQ(from_term<std::string_view>(list).error(), term_errc::wrong_type);
    const std::uint8_t raw[] = {0xFF, 0x80};
    const term bits = otp::bitstring(raw, 1);
    EXPECT_EQ(from_term<std::string_view>(bits).error(), term_errc::wrong_type);
}

TEST(Convert, ByteVectorsAreBinaries) {
    const std::vector<std::uint8_t> bytes{0, 1, 255};
    expect_round_trip(bytes);
    expect_round_trip(std::vector<std::uint8_t>{});
    EXPECT_TRUE(to_term(bytes).is_binary());
    EXPECT_EQ(from_term<std::vector<std::uint8_t>>(otp::list(1, 2)).error(), term_errc::wrong_type);
    // Other integer vectors stay lists.
    EXPECT_EQ(to_term(std::vector<int>{0, 1}), otp::list(0, 1));
}

TEST(Convert, VectorsAreProperLists) {
    expect_round_trip(std::vector<int>{1, 2, 3});
    expect_round_trip(std::vector<int>{});
    expect_round_trip(std::vector<bool>{true, false});
    EXPECT_EQ(to_term(std::vector<int>{}), term());
    EXPECT_EQ(to_term(std::vector<std::string>{"a", "b"}),
              otp::list(otp::binary("a"), otp::binary("b")));
    EXPECT_EQ(from_term<std::vector<int>>(otp::cons(1, 2)).error(), term_errc::improper_list);
    // improper_list wins over a bad element: properness is checked first.
    EXPECT_EQ(from_term<std::vector<int>>(otp::cons(atom("x"), 2)).error(),
              term_errc::improper_list);
    EXPECT_EQ(from_term<std::vector<int>>(otp::list(1, atom("x"))).error(), term_errc::wrong_type);
    EXPECT_EQ(from_term<std::vector<std::uint8_t>>(otp::list(1)).error(), term_errc::wrong_type);
    EXPECT_EQ(from_term<std::vector<std::int8_t>>(otp::list(1, 300)).error(),
              term_errc::out_of_range);
    EXPECT_EQ(from_term<std::vector<int>>(otp::tuple(1, 2)).error(), term_errc::wrong_type);
    // A list built from several runs (cons onto a flat list) reads the same.
    EXPECT_EQ(from_term<std::vector<int>>(otp::cons(0, otp::list(1, 2))).value(),
              (std::vector<int>{0, 1, 2}));
}

TEST(Convert, MapsBothWays) {
    const std::map<std::string, int> m{{"a", 1}, {"b", 2}};
    expect_round_trip(m);
    EXPECT_EQ(to_term(m), otp::map({{otp::binary("a"), 1}, {otp::binary("b"), 2}}));
    expect_round_trip(std::unordered_map<int, std::string>{{1, "one"}, {2, "two"}});
    expect_round_trip(std::map<atom, double>{{atom("x"), 1.5}});
    expect_round_trip(std::map<int, int>{});
    EXPECT_EQ((from_term<std::map<int, int>>(otp::map({{atom("k"), 1}})).error()),
              term_errc::wrong_type);
    EXPECT_EQ((from_term<std::map<int, int>>(otp::map({{1, atom("v")}})).error()),
              term_errc::wrong_type);
    EXPECT_EQ((from_term<std::map<int, int>>(otp::list()).error()), term_errc::wrong_type);
}

TEST(Convert, MapKeysThatCollideInCppAreAnError) {
    // 1 and 1.0 are distinct Erlang keys but the same double.
    const term m = otp::map({{1, atom("int")}, {1.0, atom("float")}});
    EXPECT_EQ((from_term<std::map<double, atom>>(m).error()), term_errc::duplicate_map_key);
    EXPECT_EQ((from_term<std::unordered_map<double, atom>>(m).error()),
              term_errc::duplicate_map_key);
    // ... and also equivalent in Erlang's term order, which std::less<term> uses.
    EXPECT_EQ((from_term<std::map<term, atom>>(m).error()), term_errc::duplicate_map_key);
    // std::unordered_map<term, _> uses =:=, under which they differ.
    EXPECT_EQ((from_term<std::unordered_map<term, atom>>(m).value().size()), 2u);
}

TEST(Convert, TuplesAndPairsNeedTheirArity) {
    expect_round_trip(std::tuple<int, std::string, bool>{1, "two", true});
    expect_round_trip(std::tuple<>{});
    expect_round_trip(std::pair<atom, int>{atom("ok"), 42});
    EXPECT_EQ(to_term(std::pair<atom, int>{atom("ok"), 42}), otp::tuple(atom("ok"), 42));
    EXPECT_EQ(to_term(std::tuple<>{}), otp::tuple());
    EXPECT_EQ((from_term<std::pair<int, int>>(otp::tuple(1, 2, 3)).error()), term_errc::wrong_type);
    EXPECT_EQ((from_term<std::tuple<int, int>>(otp::tuple(1)).error()), term_errc::wrong_type);
    EXPECT_EQ((from_term<std::tuple<int, int>>(otp::list(1, 2)).error()), term_errc::wrong_type);
    EXPECT_EQ((from_term<std::tuple<int, std::uint8_t>>(otp::tuple(1, 256)).error()),
              term_errc::out_of_range);
    EXPECT_EQ((from_term<std::tuple<int, int>>(otp::tuple(atom("a"), 2)).error()),
              term_errc::wrong_type);
}

TEST(Convert, OptionalIsUndefinedOrTheValue) {
    EXPECT_EQ(to_term(std::optional<int>()), term(atom("undefined")));
    EXPECT_EQ(to_term(std::optional<int>(5)), term(5));
    expect_round_trip(std::optional<int>());
    expect_round_trip(std::optional<int>(5));
    EXPECT_EQ(from_term<std::optional<int>>(term(atom("none"))).error(), term_errc::wrong_type);
    // The documented ambiguity: 'undefined' as an atom value reads as nullopt.
    EXPECT_EQ(from_term<std::optional<atom>>(term(atom("undefined"))).value(), std::nullopt);
    EXPECT_EQ(to_term(std::monostate{}), term(atom("undefined")));
    EXPECT_TRUE(from_term<std::monostate>(term(atom("undefined"))));
    EXPECT_EQ(from_term<std::monostate>(term()).error(), term_errc::wrong_type);
}

TEST(Convert, VariantTakesTheFirstAlternativeThatFits) {
    using v = std::variant<int, double, std::string>;
    EXPECT_EQ(to_term(v(3)), term(3));
    EXPECT_EQ(to_term(v(2.5)), term(2.5));
    EXPECT_EQ(to_term(v("s")), otp::binary("s"));
    EXPECT_EQ(from_term<v>(term(3)).value().index(), 0u);
    EXPECT_EQ(from_term<v>(term(3.0)).value().index(), 1u);
    EXPECT_EQ(from_term<v>(otp::binary("s")).value(), v("s"));
    // Order decides: double first takes integers too.
    using d_first = std::variant<double, int>;
    EXPECT_EQ(from_term<d_first>(term(3)).value().index(), 0u);
    // A repeated type resolves to its first occurrence.
    using twice = std::variant<int, int>;
    EXPECT_EQ(from_term<twice>(term(1)).value().index(), 0u);
    EXPECT_EQ(to_term(twice(std::in_place_index<1>, 7)), term(7));
    // No fit: wrong_type, unless an alternative knew better.
    EXPECT_EQ(from_term<v>(term(atom("a"))).error(), term_errc::wrong_type);
    using narrow = std::variant<atom, std::uint8_t>;
    EXPECT_EQ(from_term<narrow>(term(300)).error(), term_errc::out_of_range);
    using maybe = std::variant<std::monostate, int>;
    EXPECT_EQ(from_term<maybe>(term(atom("undefined"))).value().index(), 0u);
}

TEST(Convert, NestedContainers) {
    using entries = std::vector<std::pair<std::string, std::optional<int>>>;
    const entries e{{"a", 1}, {"b", std::nullopt}, {"", -7}};
    expect_round_trip(e);
    EXPECT_EQ(to_term(e), otp::list(otp::tuple(otp::binary("a"), 1),
                                    otp::tuple(otp::binary("b"), atom("undefined")),
                                    otp::tuple(otp::binary(""), -7)));
    // Erlang strings nested inside still read as std::string.
    EXPECT_EQ(from_term<entries>(otp::list(otp::tuple(otp::charlist("k"), 1))).value(),
              (entries{{"k", 1}}));
    const std::map<std::string, std::vector<double>> series{{"x", {1.0, 2.5}}, {"y", {}}};
    expect_round_trip(series);
    // Integers inside are fine for doubles; a bad element anywhere fails the whole.
    const term raw = otp::map({{otp::binary("x"), otp::list(1, 2.5)}});
    EXPECT_EQ((from_term<std::map<std::string, std::vector<double>>>(raw).value().at("x")),
              (std::vector<double>{1.0, 2.5}));
    const term bad = otp::map({{otp::binary("x"), otp::cons(1.0, 2.0)}});
    EXPECT_EQ((from_term<std::map<std::string, std::vector<double>>>(bad).error()),
              term_errc::improper_list);
    expect_round_trip(std::vector<std::vector<std::tuple<int, atom>>>{{{1, atom("a")}}, {}});
}

TEST(Convert, NestedStringViewsBorrowFromAnLvalueTerm) {
    const term t = otp::list(otp::binary("a"), atom("undefined"), otp::binary("c"));
    const auto v = from_term<std::vector<std::optional<std::string_view>>>(t).value();
    ASSERT_EQ(v.size(), 3u);
    EXPECT_EQ(v[0], "a");
    EXPECT_EQ(v[1], std::nullopt);
    EXPECT_EQ(v[2], "c");
}

TEST(Convert, UserTypeAsTaggedTuple) {
    const point p{3, -4};
    EXPECT_EQ(to_term(p), otp::tuple(atom("point"), 3, -4));
    expect_round_trip(p);
    expect_round_trip(std::vector<point>{{1, 2}, {3, 4}});
    expect_round_trip(std::map<std::string, point>{{"origin", {}}});
    EXPECT_EQ(from_term<point>(otp::tuple(atom("pt"), 1, 2)).error(), term_errc::wrong_type);
    EXPECT_EQ(from_term<point>(otp::tuple(atom("point"), 1)).error(), term_errc::wrong_type);
    EXPECT_EQ(from_term<point>(otp::tuple(atom("point"), 1, otp::big_int(1) << 40)).error(),
              term_errc::out_of_range);
}

TEST(Convert, UserTypeAsMap) {
    expect_round_trip(settings{"svc", 500});
    expect_round_trip(settings{"svc", std::nullopt});
    const term minimal = otp::map({{atom("name"), otp::charlist("x")}});
    EXPECT_EQ(from_term<settings>(minimal).value(), (settings{"x", std::nullopt}));
    EXPECT_EQ(from_term<settings>(otp::map({})).error(), term_errc::wrong_type);
    const term bad = otp::map({{atom("name"), otp::binary("x")}, {atom("timeout_ms"), 1.5}});
    EXPECT_EQ(from_term<settings>(bad).error(), term_errc::wrong_type);
}

TEST(Convert, ValueThrowsTheErrorCode) {
    try {
        (void)from_term<int>(term(atom("x"))).value();
        FAIL() << "expected otp::system_error";
    } catch (const otp::system_error& e) {
        EXPECT_EQ(e.code(), term_errc::wrong_type);
    }
}

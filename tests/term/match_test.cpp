// Pattern matching in Erlang syntax.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "otp/match.hpp"
#include "otp/text.hpp"

namespace {

using otp::atom;
using otp::bindings;
using otp::pattern;
using otp::term;

term t_(std::string_view text) {
    return otp::parse(text).value();
}

TEST(MatchBasic, BindsVariables) {
    const term ref = otp::make_list(std::vector<term>{1, 2, 3});
    const term msg = otp::tuple(atom("reply"), ref, otp::tuple(atom("ok"), 42));
    bindings b;
    ASSERT_TRUE(otp::match(msg, "{reply, Ref, {ok, Value}}", &b));
    EXPECT_EQ(b.size(), 2u);
    EXPECT_EQ(*b["Ref"], ref);
    EXPECT_EQ(b.get("Value").value(), term(42));
    EXPECT_TRUE(b.contains("Ref"));
    EXPECT_FALSE(b.contains("Other"));
    EXPECT_EQ(b.get("Other").error(), otp::term_errc::out_of_range);
    EXPECT_FALSE(otp::match(msg, "{reply, Ref, {error, _}}", &b));
    EXPECT_EQ(b.size(), 2u) << "a failed match leaves the bindings alone";
    EXPECT_TRUE(otp::match(msg, "{reply, _, _}"));
    EXPECT_FALSE(otp::match(msg, "{reply, _}"));
}

TEST(MatchBasic, LiteralsAreExact) {
    EXPECT_TRUE(otp::match(term(1), "1"));
    EXPECT_FALSE(otp::match(term(1.0), "1"));
    EXPECT_FALSE(otp::match(term(1), "1.0"));
    EXPECT_TRUE(otp::match(term(-5), "-5"));
    EXPECT_TRUE(otp::match(otp::charlist("abc"), "\"abc\""));
    EXPECT_TRUE(otp::match(term(atom("hello world")), "'hello world'"));
    EXPECT_TRUE(otp::match(term("bin"), "<<\"bin\">>"));
    EXPECT_FALSE(otp::match(term("bin"), "\"bin\""));
    EXPECT_TRUE(otp::match(t_("#{a => 1}"), "#{a := 1}"));
}

TEST(MatchVariables, RepeatsAndUnderscores) {
    bindings b;
    EXPECT_TRUE(otp::match(t_("{1, 1}"), "{X, X}", &b));
    EXPECT_EQ(*b["X"], term(1));
    EXPECT_FALSE(otp::match(t_("{1, 2}"), "{X, X}"));
    EXPECT_FALSE(otp::match(t_("{1, 1.0}"), "{X, X}"));
    EXPECT_TRUE(otp::match(t_("{1, 2}"), "{_, _}", &b));
    EXPECT_TRUE(b.empty());
    // `_X` binds like any variable, so repeats must agree.
    EXPECT_TRUE(otp::match(t_("{1, 2}"), "{_A, _B}", &b));
    EXPECT_EQ(*b["_A"], term(1));
    EXPECT_FALSE(otp::match(t_("{1, 2}"), "{_A, _A}"));
    EXPECT_TRUE(otp::match(t_("{[a], [a]}"), "{_A, _A}"));
}

TEST(MatchLists, ConsAndPrefix) {
    bindings b;
    ASSERT_TRUE(otp::match(t_("[1, 2, 3]"), "[H | T]", &b));
    EXPECT_EQ(*b["H"], term(1));
    EXPECT_EQ(*b["T"], t_("[2, 3]"));
    ASSERT_TRUE(otp::match(t_("[1, 2, 3]"), "[A, B | C]", &b));
    EXPECT_EQ(*b["C"], t_("[3]"));
    EXPECT_TRUE(otp::match(t_("[1, 2, 3]"), "[_, _, _]"));
    EXPECT_FALSE(otp::match(t_("[1, 2, 3]"), "[_, _]"));
    EXPECT_FALSE(otp::match(t_("[]"), "[_ | _]"));
    ASSERT_TRUE(otp::match(t_("[a | b]"), "[X | Y]", &b));
    EXPECT_EQ(*b["Y"], term(atom("b")));
    ASSERT_TRUE(otp::match(otp::charlist("hello world"), "\"hello \" ++ Rest", &b));
    EXPECT_EQ(*b["Rest"], otp::charlist("world"));
    EXPECT_FALSE(otp::match(otp::charlist("help"), "\"hello\" ++ _"));
}

TEST(MatchMaps, SubsetWithExactKeys) {
    bindings b;
    const term m = t_("#{name => <<\"alice\">>, age => 30, 1 => int}");
    ASSERT_TRUE(otp::match(m, "#{name := N}", &b));
    EXPECT_EQ(*b["N"], term("alice"));
    EXPECT_TRUE(otp::match(m, "#{}"));
    EXPECT_TRUE(otp::match(m, "#{age := 30, 1 := int}"));
    EXPECT_FALSE(otp::match(m, "#{1.0 := _}"));
    EXPECT_FALSE(otp::match(m, "#{missing := _}"));
    EXPECT_FALSE(otp::match(term(atom("x")), "#{}"));
    otp::parse_error_info err;
    EXPECT_FALSE(pattern::compile("#{a => X}", err).has_value());
    EXPECT_NE(err.message.find("':='"), std::string::npos) << err.message;
    EXPECT_FALSE(pattern::compile("#{K := 1}", err).has_value());
    EXPECT_NE(err.message.find("literal"), std::string::npos) << err.message;
}

TEST(MatchBinaries, Segments) {
    bindings b;
    EXPECT_TRUE(otp::match(term("abc"), "<<\"abc\">>"));
    EXPECT_TRUE(otp::match(term("abc"), "<<$a, \"bc\">>"));
    ASSERT_TRUE(otp::match(term("abcdef"), "<<\"abc\", Rest/binary>>", &b));
    EXPECT_EQ(*b["Rest"], term("def"));
    const term frame = t_("<<0, 3, \"xyz\", 7, 8>>");
    ASSERT_TRUE(otp::match(frame, "<<Len:16, Data:Len/binary, Tail/bits>>", &b));
    EXPECT_EQ(*b["Len"], term(3));
    EXPECT_EQ(*b["Data"], term("xyz"));
    EXPECT_EQ(*b["Tail"], t_("<<7, 8>>"));
    ASSERT_TRUE(otp::match(t_("<<255, 254>>"), "<<A:8/signed, B:8/unsigned>>", &b));
    EXPECT_EQ(*b["A"], term(-1));
    EXPECT_EQ(*b["B"], term(254));
    ASSERT_TRUE(otp::match(t_("<<1, 0>>"), "<<X:16/little>>", &b));
    EXPECT_EQ(*b["X"], term(1));
    ASSERT_TRUE(otp::match(t_("<<1.5/float>>"), "<<F/float>>", &b));
    EXPECT_EQ(*b["F"], term(1.5));
    EXPECT_TRUE(otp::match(t_("<<1.0/float>>"), "<<1/float>>"));
    ASSERT_TRUE(otp::match(t_("<<\"é!\"/utf8>>"), "<<C/utf8, R/binary>>", &b));
    EXPECT_EQ(*b["C"], term(0xE9));
    EXPECT_EQ(*b["R"], term("!"));
    ASSERT_TRUE(otp::match(t_("<<5:3, 1:5>>"), "<<A:3, B:5>>", &b));
    EXPECT_EQ(*b["A"], term(5));
    ASSERT_TRUE(otp::match(t_("<<1:1, 2:2>>"), "<<X:1, Y/bitstring>>", &b));
    EXPECT_EQ(*b["Y"], t_("<<2:2>>"));
    ASSERT_TRUE(otp::match(t_("<<1:100>>"), "<<Big:100>>", &b));
    EXPECT_EQ(*b["Big"], term(1));
    EXPECT_FALSE(otp::match(t_("<<1, 2>>"), "<<_:8>>"));
    EXPECT_FALSE(otp::match(t_("<<1:4>>"), "<<_/binary>>"));
    EXPECT_FALSE(otp::match(t_("<<0, 5, 1>>"), "<<L:16, D:L/binary>>"));
    EXPECT_FALSE(otp::match(t_("<<255>>"), "<<-1:8>>"));
    EXPECT_TRUE(otp::match(t_("<<255>>"), "<<-1:8/signed>>"));
    EXPECT_FALSE(otp::match(t_("[1]"), "<<_/binary>>"));
    EXPECT_FALSE(pattern::compile("<<A/binary, B>>").has_value());
    EXPECT_FALSE(pattern::compile("<<X:N>>").has_value());
}

TEST(MatchAlias, BothSides) {
    bindings b;
    ASSERT_TRUE(otp::match(t_("{ok, [1]}"), "{ok, [H | _] = L} = All", &b));
    EXPECT_EQ(*b["H"], term(1));
    EXPECT_EQ(*b["L"], t_("[1]"));
    EXPECT_EQ(*b["All"], t_("{ok, [1]}"));
    EXPECT_FALSE(otp::match(t_("{a, b}"), "{X, _} = {_, X}"));
}

TEST(MatchPattern, CompiledObjects) {
    auto p = pattern::compile("{ok, Value, [First | _], Value2}");
    ASSERT_TRUE(p.has_value());
    ASSERT_EQ(p->variables().size(), 3u);
    EXPECT_EQ(p->variables()[0], "Value");
    EXPECT_EQ(p->variables()[1], "First");
    EXPECT_EQ(p->source(), "{ok, Value, [First | _], Value2}");
    bindings b;
    EXPECT_TRUE(p->match(t_("{ok, 1, [2], 3}"), &b));
    EXPECT_EQ(b.size(), 3u);
    const pattern any;
    EXPECT_TRUE(any.match(t_("{anything}")));
    otp::parse_error_info err;
    EXPECT_FALSE(pattern::compile("{ok, ", err).has_value());
    EXPECT_EQ(err.code, otp::term_errc::syntax_error);
    EXPECT_EQ(err.column, 6);
    EXPECT_THROW(otp::match(term(1), "{ok,"), otp::system_error);
    try {
        (void)otp::match(term(1), "[1 2]");
    } catch (const otp::system_error& e) {
        EXPECT_EQ(e.code(), otp::term_errc::syntax_error);
        EXPECT_NE(std::string(e.what()).find("1:4"), std::string::npos) << e.what();
    }
}

TEST(MatchCache, ManyPatternsAndThreads) {
    for (int i = 0; i < 1000; ++i) {
        const std::string p = "{" + std::to_string(i) + ", X}";
        bindings b;
        ASSERT_TRUE(otp::match(otp::tuple(i, i * 2), p, &b));
        EXPECT_EQ(*b["X"], term(i * 2));
    }
    const auto shared = pattern::compile("{req, Id, #{path := P}}").value();
    std::atomic<int> ok{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < 4; ++t) {
        ts.emplace_back([&, t] {
            for (int i = 0; i < 2000; ++i) {
                const term msg =
                    otp::tuple(atom("req"), i, otp::map({{term(atom("path")), term(t)}}));
                bindings b;
                if (shared.match(msg, &b) && *b["Id"] == term(i) && *b["P"] == term(t) &&
                    otp::match(msg, "{req, I, #{path := " + std::to_string(t) + "}}", &b) &&
                    *b["I"] == term(i) && otp::match(msg, "{req, _, _}"))
                    ++ok;
            }
        });
    }
    for (auto& th : ts)
        th.join();
    EXPECT_EQ(ok.load(), 8000);
}

// Every printed term without maps (whose patterns need `:=`) is a pattern that
// matches exactly that term.
TEST(MatchRoundTrip, PrintedTermsMatchThemselves) {
    std::ifstream in(std::string(OTPCPP_TEST_VECTORS_DIR) + "/text_print.txt");
    std::string line;
    std::size_t checked = 0;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        const std::string text = line.substr(0, line.find('\t'));
        if (text.find("#{") != std::string::npos || text.find('\\') != std::string::npos) continue;
        const term t = t_(text);
        otp::parse_error_info err;
        auto p = pattern::compile(text, err);
        ASSERT_TRUE(p.has_value()) << text << "\n" << err.message;
        EXPECT_TRUE(p->match(t)) << text;
        EXPECT_FALSE(p->match(otp::tuple(t))) << text;
        ++checked;
    }
    EXPECT_GT(checked, 200u);
}

TEST(MatchHostile, GarbagePatterns) {
    std::mt19937_64 rng(99);
    const std::string alphabet = "{}[]<>#=:|,.-+/$\"'\\% \n0123456789abXY_:=++";
    const term value = t_("{a, [1, 2], <<1, 2, 3>>, #{k => v}}");
    std::size_t compiled = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string s;
        const std::size_t len = rng() % 30;
        for (std::size_t k = 0; k < len; ++k)
            s += alphabet[rng() % alphabet.size()];
        otp::parse_error_info err;
        auto p = pattern::compile(s, err);
        if (p) {
            ++compiled;
            bindings b;
            (void)p->match(value, &b);
        } else {
            EXPECT_FALSE(err.message.empty()) << s;
        }
    }
    EXPECT_GT(compiled, 100u);
}

}  // namespace

// Parsing Erlang term syntax: erl's vectors, errors, limits, hostile input and
// print/parse round trips of random terms.
#include <gtest/gtest.h>

#include "support/text_vectors.hpp"

#include <bit>
#include <cmath>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "otp/text.hpp"

namespace {

using otp::atom;
using otp::term;
using otp::term_errc;

using otp::test::read_text_vectors;

term parse_ok(std::string_view text) {
    otp::parse_error_info err;
    auto t = otp::parse(text, err);
    EXPECT_TRUE(t.has_value()) << text << "\n" << err.message;
    return t ? *t : term();
}

otp::parse_error_info parse_err(std::string_view text) {
    otp::parse_error_info err;
    auto t = otp::parse(text, err);
    EXPECT_FALSE(t.has_value()) << text << " parsed as " << otp::to_string_compact(*t);
    EXPECT_EQ(t.error(), err.code);
    return err;
}

TEST(ParseVectors, MatchesErlParseTerm) {
    const auto rows = read_text_vectors("text_parse.txt");
    ASSERT_GT(rows.size(), 200u);
    for (const auto& row : rows) {
        ASSERT_EQ(row.size(), 2u);
        otp::parse_error_info err;
        auto t = otp::parse(row[0], err);
        if (row[1] == "error") {
            EXPECT_FALSE(t.has_value())
                << "erl rejects: " << row[0] << "\nours: " << otp::to_string_compact(*t);
            if (!t) {
                EXPECT_GE(err.line, 1) << row[0];
                EXPECT_GE(err.column, 1) << row[0];
                EXPECT_FALSE(err.message.empty());
            }
        } else {
            ASSERT_TRUE(t.has_value()) << row[0] << "\n" << err.message;
            EXPECT_EQ(otp::to_string_compact(*t), row[1]) << row[0];
        }
    }
}

TEST(ParseNumbers, IntegersAndFloats) {
    EXPECT_EQ(parse_ok("16#ff"), term(255));
    EXPECT_EQ(parse_ok("-16#FF"), term(-255));
    EXPECT_EQ(parse_ok("2#101"), term(5));
    EXPECT_EQ(parse_ok("1_000_000"), term(1000000));
    EXPECT_EQ(parse_ok("36#Zz"), term(36 * 35 + 35));
    EXPECT_EQ(parse_ok("-9223372036854775808"), term(std::numeric_limits<long>::min()));
    EXPECT_EQ(parse_ok("9223372036854775808"), term(otp::big_int("9223372036854775808")));
    EXPECT_EQ(parse_ok("-123456789012345678901234567890"),
              term(otp::big_int("-123456789012345678901234567890")));
    EXPECT_EQ(parse_ok("1.5"), term(1.5));
    EXPECT_EQ(parse_ok("1.0e-3"), term(0.001));
    EXPECT_EQ(parse_ok("2.5E+10"), term(2.5e10));
    EXPECT_EQ(parse_ok("1_0.2_5"), term(10.25));
    const term nz = parse_ok("-0.0");
    ASSERT_TRUE(nz.is_float());
    EXPECT_TRUE(std::signbit(nz.raw_float()));
    EXPECT_FALSE(std::signbit(parse_ok("0.0").raw_float()));
    EXPECT_EQ(parse_ok("1.0e-400"), term(0.0));
    EXPECT_EQ(parse_err("1.0e400").code, term_errc::syntax_error);
    EXPECT_NE(parse_ok("1"), parse_ok("1.0"));
}

TEST(ParseStrings, Escapes) {
    EXPECT_EQ(parse_ok(R"("\n\t\\\"\'")"), otp::list(10, 9, 92, 34, 39));
    EXPECT_EQ(parse_ok(R"("\s\d\e\b\f\v\r")"), otp::list(32, 127, 27, 8, 12, 11, 13));
    EXPECT_EQ(parse_ok(R"("\^A\^z\^?")"), otp::list(1, 26, 31));
    EXPECT_EQ(parse_ok(R"("\x41\x{10FFFF}\x{1F600}")"), otp::list(65, 0x10FFFF, 0x1F600));
    EXPECT_EQ(parse_ok(R"("\101\1012\7")"), otp::list(65, 65, 50, 7));
    EXPECT_EQ(parse_ok(R"("a" "b"   "c")"), otp::charlist("abc"));
    EXPECT_EQ(parse_ok(R"($a)"), term(97));
    EXPECT_EQ(parse_ok(R"($\n)"), term(10));
    EXPECT_EQ(parse_ok(R"($\x{1F600})"), term(0x1F600));
    EXPECT_EQ(parse_ok("$ "), term(32));
    EXPECT_EQ(parse_ok("\"日本\""), otp::list(0x65E5, 0x672C));
    EXPECT_EQ(parse_ok("'hello world'"), term(atom("hello world")));
    EXPECT_EQ(parse_ok("'λ'"), term(atom("λ")));
    EXPECT_EQ(parse_ok("true"), term(true));
    EXPECT_EQ(parse_err(R"("\x{D800}")").code, term_errc::syntax_error);
    EXPECT_EQ(parse_err("'" + std::string(256, 'a') + "'").code, term_errc::atom_too_long);
    EXPECT_EQ(parse_err("\"\xff\"").code, term_errc::invalid_utf8);
}

TEST(ParseTerms, Structures) {
    EXPECT_EQ(parse_ok("{a, [1, 2 | b], #{k => v}}"),
              otp::tuple(atom("a"), otp::make_list(std::vector<term>{1, 2}, term(atom("b"))),
                         otp::map({{term(atom("k")), term(atom("v"))}})));
    EXPECT_EQ(parse_ok("#{a => 1, a => 2}"), otp::map({{term(atom("a")), term(2)}}));
    EXPECT_EQ(parse_ok("  % comment\n {a}.  % trailing\n"), otp::tuple(atom("a")));
    EXPECT_EQ(parse_ok("fun lists:map/2"), term(otp::export_fun{atom("lists"), atom("map"), 2}));
    EXPECT_EQ(parse_ok("<<1, 2:4, 300:16, \"x\"/utf8, -1:8, 1.5/float>>"),
              parse_ok("<<1,32,18,199,143,243,255,128,0,0,0,0,0,0:4>>"));
    EXPECT_EQ(parse_ok("<<$a/utf16-little, \"é\"/utf8>>"),
              otp::binary(std::string_view("a\0\xc3\xa9", 4)));
}

TEST(ParseErrors, PositionsAndMessages) {
    auto e = parse_err("{a, b foo}");
    EXPECT_EQ(e.code, term_errc::syntax_error);
    EXPECT_EQ(e.line, 1);
    EXPECT_EQ(e.column, 7);
    EXPECT_EQ(e.message, "1:7: expected ',' or '}' but found 'foo'");
    e = parse_err("[1,\n  2,\n  ]");
    EXPECT_EQ(e.line, 3);
    EXPECT_EQ(e.column, 3);
    EXPECT_EQ(e.message, "3:3: expected a term but found ']'");
    e = parse_err("{X}");
    EXPECT_EQ(e.code, term_errc::not_literal);
    EXPECT_EQ(e.column, 2);
    e = parse_err("\"abc");
    EXPECT_NE(e.message.find("unterminated string"), std::string::npos);
    EXPECT_EQ(e.column, 1);
    e = parse_err("#{a := 1}");
    EXPECT_NE(e.message.find("':='"), std::string::npos);
    e = parse_err("a. b");
    EXPECT_NE(e.message.find("after '.'"), std::string::npos);
    e = parse_err("");
    EXPECT_EQ(e.message, "1:1: expected a term but found end of input");
    e = parse_err("{'é', λ}");
    EXPECT_EQ(e.column, 7);
}

TEST(ParseLimits, Depth) {
    const std::string deep = std::string(1000, '[') + std::string(1000, ']');
    EXPECT_EQ(parse_err(deep).code, term_errc::too_deep);
    const std::string ok = std::string(400, '{') + std::string(400, '}');
    EXPECT_TRUE(otp::parse(ok).has_value());
    EXPECT_EQ(parse_err(std::string(100000, '(') + "1").code, term_errc::too_deep);
    EXPECT_EQ(parse_err(std::string(100000, '-') + "1").code, term_errc::syntax_error);
    otp::parse_options o;
    o.max_depth = 3;
    otp::parse_error_info err;
    EXPECT_FALSE(otp::parse("[[[[1]]]]", o, err).has_value());
    EXPECT_EQ(err.code, term_errc::too_deep);
}

TEST(ParseLimits, Sizes) {
    EXPECT_EQ(parse_err("<<0:4294967296/unit:256>>").code, term_errc::too_large);
    otp::parse_options o;
    o.max_binary_bytes = 10;
    otp::parse_error_info err;
    EXPECT_FALSE(otp::parse("<<0:88>>", o, err).has_value());
    EXPECT_EQ(err.code, term_errc::too_large);
    EXPECT_TRUE(otp::parse("<<0:80>>", o, err).has_value());
    EXPECT_EQ(parse_err(std::string(200000, '7')).code, term_errc::too_large);
    const std::string digits(20000, '9');
    EXPECT_EQ(otp::to_string(parse_ok(digits)), digits);
}

// Inputs that must be rejected or accepted without crashing: random bytes,
// random token soup, every prefix of valid inputs, and byte mutations of them.
TEST(ParseHostile, GarbageAndTruncations) {
    std::mt19937_64 rng(12345);
    std::vector<std::string> valid;
    for (const auto& row : read_text_vectors("text_parse.txt"))
        valid.push_back(row[0]);
    const auto prints = read_text_vectors("text_print.txt");
    for (std::size_t i = 0; i < prints.size(); i += 7)
        valid.push_back(prints[i][4]);
    std::size_t parsed = 0;
    auto try_parse = [&](const std::string& s) {
        otp::parse_error_info err;
        auto t = otp::parse(s, err);
        if (t) {
            ++parsed;
        } else {
            EXPECT_GE(err.line, 1);
            EXPECT_FALSE(err.message.empty());
        }
    };
    for (const std::string& v : valid) {
        for (std::size_t n = 0; n <= v.size(); ++n)
            try_parse(v.substr(0, n));
        for (int k = 0; k < 20; ++k) {
            std::string m = v;
            if (m.empty()) break;
            m[rng() % m.size()] = static_cast<char>(rng());
            try_parse(m);
        }
    }
    const std::string alphabet = "{}[]<>#=:|,.-+/$\"'\\% \n\t0123456789abcXY_#e.e";
    for (int i = 0; i < 20000; ++i) {
        std::string s;
        const std::size_t len = rng() % 40;
        for (std::size_t k = 0; k < len; ++k)
            s += (rng() % 4 == 0) ? static_cast<char>(rng()) : alphabet[rng() % alphabet.size()];
        try_parse(s);
    }
    EXPECT_GT(parsed, 1000u);
}

// Random terms of every kind with a literal form.
class term_gen {
  public:
    explicit term_gen(std::uint64_t seed) : rng_(seed) {}

    term gen(int depth) {
        const int k = static_cast<int>(rng_() % (depth > 0 ? 16 : 10));
        switch (k) {
            case 0:
                return term(static_cast<long>(rng_() % 2000) - 1000);
            case 1:
                return term(static_cast<long>(rng_()));
            case 2:
                return bignum();
            case 3:
                return floating();
            case 4:
                return term(random_atom());
            case 5:
                return charlist();
            case 6:
                return bytes();
            case 7:
                return bits();
            case 8:
                return pick_small();
            case 9:
                return term(otp::export_fun{random_atom(), random_atom(),
                                            static_cast<std::uint8_t>(rng_() % 256)});
            case 10:
            case 11: {
                std::vector<term> es(rng_() % 6);
                for (auto& e : es)
                    e = gen(depth - 1);
                return otp::make_tuple(std::move(es));
            }
            case 12:
            case 13: {
                std::vector<term> es(rng_() % 6 + 1);
                for (auto& e : es)
                    e = gen(depth - 1);
                term tail = rng_() % 4 == 0 ? gen(depth - 1) : term();
                return otp::make_list(std::move(es), tail);
            }
            default: {
                std::vector<std::pair<term, term>> ps(rng_() % 5);
                for (auto& p : ps)
                    p = {gen(depth - 1), gen(depth - 1)};
                return otp::make_map(std::move(ps));
            }
        }
    }

  private:
    term pick_small() {
        switch (rng_() % 4) {
            case 0:
                return term();
            case 1:
                return otp::tuple();
            case 2:
                return otp::map({});
            default:
                return term(rng_() % 2 == 0);
        }
    }

    term bignum() {
        std::string s = rng_() % 2 ? "-" : "";
        s += static_cast<char>('1' + rng_() % 9);
        const std::size_t n = 19 + rng_() % 60;
        for (std::size_t i = 0; i < n; ++i)
            s += static_cast<char>('0' + rng_() % 10);
        return term(otp::big_int(s));
    }

    term floating() {
        switch (rng_() % 4) {
            case 0:
                return term(-0.0);
            case 1:
                return term(static_cast<double>(static_cast<long>(rng_() % 100000)) / 8.0);
            default: {
                double d;
                do
                    d = std::bit_cast<double>(static_cast<std::uint64_t>(rng_()));
                while (!std::isfinite(d));
                return term(d);
            }
        }
    }

    char32_t code_point() {
        switch (rng_() % 5) {
            case 0:
                return static_cast<char32_t>(rng_() % 32);
            case 1:
                return static_cast<char32_t>(32 + rng_() % 95);
            case 2:
                return static_cast<char32_t>(128 + rng_() % 128);
            case 3:
                return static_cast<char32_t>(0x100 + rng_() % 0xD700);
            default:
                return static_cast<char32_t>(0x10000 + rng_() % 0x100000);
        }
    }

    static void utf8(std::string& out, char32_t c) {
        if (c < 0x80) {
            out += static_cast<char>(c);
        } else if (c < 0x800) {
            out += static_cast<char>(0xC0 | (c >> 6));
            out += static_cast<char>(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out += static_cast<char>(0xE0 | (c >> 12));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (c & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (c >> 18));
            out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (c & 0x3F));
        }
    }

    atom random_atom() {
        static const char* pool[] = {"ok", "error", "Quoted", "a b", "case", "é",
                                     "λ",  "",      "a@b",    "_x",  "'",    "\\"};
        if (rng_() % 2) return atom(pool[rng_() % std::size(pool)]);
        std::string s;
        const std::size_t n = rng_() % 8;
        for (std::size_t i = 0; i < n; ++i)
            utf8(s, code_point());
        return atom(s);
    }

    term charlist() {
        std::vector<term> es(rng_() % 12);
        const bool printable = rng_() % 2;
        for (auto& e : es)
            e = term(static_cast<long>(printable ? 32 + rng_() % 95 : code_point()));
        return otp::make_list(std::move(es));
    }

    term bytes() {
        std::string s;
        const std::size_t n = rng_() % 16;
        if (rng_() % 2) {
            for (std::size_t i = 0; i < n; ++i)
                utf8(s, code_point());
        } else {
            for (std::size_t i = 0; i < n; ++i)
                s += static_cast<char>(rng_());
        }
        return otp::binary(s);
    }

    term bits() {
        std::vector<std::uint8_t> b(1 + rng_() % 5);
        for (auto& x : b)
            x = static_cast<std::uint8_t>(rng_());
        return otp::bitstring(b, static_cast<std::uint8_t>(1 + rng_() % 7));
    }

    std::mt19937_64 rng_;
};

TEST(ParseRoundTrip, RandomTermsBothPrinters) {
    term_gen g(424242);
    std::vector<otp::print_options> variants(6);
    variants[1].pretty = false;
    variants[2].unicode = false;
    variants[3].pretty = false;
    variants[3].unicode = false;
    variants[4].line_width = 20;
    variants[4].printable = otp::printable_range::latin1;
    variants[5].column = 30;
    for (int i = 0; i < 3000; ++i) {
        const term t = g.gen(4);
        for (const auto& o : variants) {
            const std::string s = otp::to_string(t, o);
            otp::parse_error_info err;
            auto back = otp::parse(s, err);
            ASSERT_TRUE(back.has_value()) << s << "\n" << err.message;
            ASSERT_EQ(*back, t) << s << "\nreparsed: " << otp::to_string(*back);
        }
    }
}

}  // namespace

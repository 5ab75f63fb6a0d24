// Printing terms in Erlang syntax, checked against vectors printed by the real erl.
#include <gtest/gtest.h>

#include "support/text_vectors.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "otp/text.hpp"

namespace {

using otp::atom;
using otp::print_options;
using otp::term;

using otp::test::read_text_vectors;

term parse_ok(const std::string& text) {
    otp::parse_error_info err;
    auto t = otp::parse(text, err);
    EXPECT_TRUE(t.has_value()) << text << "\n" << err.message;
    return t ? *t : term();
}

print_options opts(bool pretty, bool unicode, otp::printable_range range, int width = 80,
                   std::size_t depth = 0, int column = 1) {
    print_options o;
    o.column = column;
    o.pretty = pretty;
    o.unicode = unicode;
    o.printable = range;
    o.line_width = width;
    o.max_depth = depth;
    return o;
}

TEST(PrintVectors, MatchesErl) {
    const auto rows = read_text_vectors("text_print.txt");
    ASSERT_GT(rows.size(), 500u);
    using R = otp::printable_range;
    struct column {
        const char* name;
        print_options o;
    };
    const column cols[] = {
        {"~tw", opts(false, true, R::unicode)},
        {"~w", opts(false, false, R::latin1)},
        {"~p", opts(true, false, R::latin1)},
        {"~tp", opts(true, true, R::latin1)},
        {"~tp +pc unicode", opts(true, true, R::unicode)},
        {"~40tp +pc unicode", opts(true, true, R::unicode, 40)},
        {"~tP 5 +pc unicode", opts(true, true, R::unicode, 80, 5)},
        {"~tW 4", opts(false, true, R::unicode, 80, 4)},
        {"~P 6", opts(true, false, R::latin1, 80, 6)},
        {"~tp at column 9", opts(true, true, R::unicode, 80, 0, 9)},
    };
    std::size_t checked = 0, failures = 0;
    for (const auto& row : rows) {
        ASSERT_EQ(row.size(), std::size(cols)) << row[0];
        const term t = parse_ok(row[0]);
        for (std::size_t c = 0; c < std::size(cols); ++c) {
            const std::string got = otp::to_string(t, cols[c].o);
            ++checked;
            if (got != row[c]) {
                ++failures;
                if (failures <= 20)
                    ADD_FAILURE() << cols[c].name << " of " << row[0] << "\nerl:\n"
                                  << row[c] << "\nours:\n"
                                  << got;
            }
        }
    }
    EXPECT_EQ(failures, 0u) << "of " << checked;
}

TEST(PrintVectors, CompactIsTw) {
    for (const auto& row : read_text_vectors("text_print.txt"))
        EXPECT_EQ(otp::to_string_compact(parse_ok(row[0])), row[0]);
}

TEST(PrintFloats, MatchesErlShortestForm) {
    const auto rows = read_text_vectors("text_floats.txt");
    ASSERT_GT(rows.size(), 3000u);
    std::size_t failures = 0;
    for (const auto& row : rows) {
        const double d = std::bit_cast<double>(std::stoull(row[0], nullptr, 16));
        const std::string got = otp::format_float(d);
        if (got != row[1] && ++failures <= 20)
            ADD_FAILURE() << row[0] << ": erl " << row[1] << " ours " << got;
        // And the text reads back as the same double.
        const term back = parse_ok(got);
        EXPECT_EQ(std::bit_cast<std::uint64_t>(back.as_double().value()),
                  std::bit_cast<std::uint64_t>(d))
            << got;
    }
    EXPECT_EQ(failures, 0u);
}

TEST(PrintFloats, Thresholds) {
    EXPECT_EQ(otp::format_float(0.1), "0.1");
    EXPECT_EQ(otp::format_float(100.0), "100.0");
    EXPECT_EQ(otp::format_float(1000.0), "1.0e3");
    EXPECT_EQ(otp::format_float(1.0e10), "1.0e10");
    EXPECT_EQ(otp::format_float(123456.7), "123456.7");
    EXPECT_EQ(otp::format_float(1234567890123456.0), "1234567890123456.0");
    EXPECT_EQ(otp::format_float(9007199254740992.0), "9.007199254740992e15");
    EXPECT_EQ(otp::format_float(0.0001), "0.0001");
    EXPECT_EQ(otp::format_float(0.00012), "1.2e-4");
    EXPECT_EQ(otp::format_float(-0.0), "-0.0");
    EXPECT_EQ(otp::format_float(5e-324), "5.0e-324");
}

TEST(PrintAtoms, Quoting) {
    EXPECT_EQ(otp::quoted_atom(atom("ok")), "ok");
    EXPECT_EQ(otp::quoted_atom(atom("Ok")), "'Ok'");
    EXPECT_EQ(otp::quoted_atom(atom("")), "''");
    EXPECT_EQ(otp::quoted_atom(atom("receive")), "'receive'");
    EXPECT_EQ(otp::quoted_atom(atom("a b")), "'a b'");
    EXPECT_EQ(otp::quoted_atom(atom("it's")), "'it\\'s'");
    EXPECT_EQ(otp::quoted_atom(atom("école")), "école");
    EXPECT_EQ(otp::quoted_atom(atom("λ")), "'λ'");
    EXPECT_EQ(otp::quoted_atom(atom("λ"), false), "'\\x{3BB}'");
    EXPECT_EQ(otp::quoted_atom(atom("a\nb")), "'a\\nb'");
    EXPECT_EQ(otp::quoted_atom(atom("node@host")), "node@host");
}

TEST(PrintIdentifiers, PidsPortsRefsFuns) {
    const atom local = otp::atoms::nonode_nohost();
    const atom remote("other@host");
    const atom third("third@host");
    EXPECT_EQ(otp::to_string(term(otp::pid{local, 85, 0, 0})), "<0.85.0>");
    // Other nodes are numbered in first-seen order within one call.
    const term t = otp::tuple(otp::pid{remote, 1, 2, 3}, otp::pid{third, 4, 5, 6},
                              otp::pid{remote, 7, 8, 9}, otp::pid{local, 10, 11, 0});
    EXPECT_EQ(otp::to_string(t), "{<1.1.2>,<2.4.5>,<1.7.8>,<0.10.11>}");
    print_options o;
    o.local_node = remote;
    EXPECT_EQ(otp::to_string(t, o), "{<0.1.2>,<1.4.5>,<0.7.8>,<2.10.11>}");

    EXPECT_EQ(otp::to_string(term(otp::port{local, 5, 0})), "#Port<0.5>");
    otp::reference r{local, 0, 3, {3, 2, 1, 0, 0}};
    // Erlang shows the id words in reverse of their external-format order.
    EXPECT_EQ(otp::to_string(term(r)), "#Ref<0.1.2.3>");
    EXPECT_EQ(otp::to_string_compact(term(otp::export_fun{atom("lists"), atom("map"), 2})),
              "fun lists:map/2");
    EXPECT_EQ(otp::to_string(term(otp::export_fun{atom("Mod"), atom("f g"), 0})),
              "fun 'Mod':'f g'/0");
}

TEST(PrintOptions, StreamAndWidth) {
    const term t = parse_ok("[" + std::string(50, '1') + "," + std::string(50, '2') + "]");
    std::ostringstream os;
    os << t;
    EXPECT_EQ(os.str().find('\n'), std::string::npos);
    EXPECT_NE(otp::to_string(t).find('\n'), std::string::npos);
    print_options o;
    o.line_width = 0;
    EXPECT_EQ(otp::to_string(t, o), os.str());
    std::ostringstream os2;
    os2 << parse_ok("{\"abc\", <<\"é\"/utf8>>, 'A'}");
    EXPECT_EQ(os2.str(), "{\"abc\",<<\"é\"/utf8>>,'A'}");
}

TEST(PrintStrings, PrintableRules) {
    EXPECT_EQ(otp::to_string(otp::charlist("héllo ✓")), "\"héllo ✓\"");
    print_options latin1;
    latin1.printable = otp::printable_range::latin1;
    EXPECT_EQ(otp::to_string(otp::charlist("héllo ✓"), latin1), "[104,233,108,108,111,32,10003]");
    EXPECT_EQ(otp::to_string(otp::charlist("héllo"), latin1), "\"héllo\"");
    EXPECT_EQ(otp::to_string(term("héllo")), "<<\"héllo\"/utf8>>");
    EXPECT_EQ(otp::to_string(otp::binary("h\xe9llo")), "<<\"h\xc3\xa9llo\">>");
    EXPECT_EQ(otp::to_string(term("plain")), "<<\"plain\">>");
    EXPECT_EQ(otp::to_string_compact(term("ab")), "<<97,98>>");
    EXPECT_EQ(otp::to_string(otp::list(1, 2, 3)), "[1,2,3]");
    EXPECT_EQ(otp::to_string(otp::list(65, 66)), "\"AB\"");
}

TEST(PrintBitstrings, Forms) {
    const std::uint8_t b1[] = {0x20};
    EXPECT_EQ(otp::to_string(otp::bitstring(b1, 3)), "<<1:3>>");
    const std::uint8_t b2[] = {1, 2, 0x30};
    EXPECT_EQ(otp::to_string(otp::bitstring(b2, 4)), "<<1,2,3:4>>");
}

// A term nested far beyond what a recursive printer could handle.
TEST(PrintDeep, NoStackOverflow) {
    term t = otp::atom("x");
    for (int i = 0; i < 200000; ++i)
        t = (i % 2) ? otp::tuple(t) : otp::list(t);
    const std::string s = otp::to_string(t);
    EXPECT_EQ(s.size(), 200000u * 2 + 1);
    EXPECT_EQ(otp::to_string_compact(t), s);
    print_options o;
    o.max_depth = 3;
    EXPECT_EQ(otp::to_string(t, o), "{[{...}]}");
}

TEST(PrintDepth, LikeTildeP) {
    print_options o;
    o.max_depth = 5;
    EXPECT_EQ(otp::to_string(parse_ok("[1,2,3,4,5,6,7,8,9,10]"), o), "[1,2,3,4|...]");
    o.max_depth = 3;
    EXPECT_EQ(otp::to_string(parse_ok("#{a=>1,b=>2,c=>3}"), o), "#{a => 1,b => 2,...}");
    EXPECT_EQ(otp::to_string(parse_ok("<<\"abcdefghijklmnop\">>"), o), "<<\"abcdefgh\"...>>");
}

}  // namespace

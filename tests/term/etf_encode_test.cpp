// ETF encoding of terms built in C++: OTP's bytes, options, sizes and limits.
#include <gtest/gtest.h>

#include <map>

#include "term/etf_test_util.hpp"

namespace otp {
namespace {

using etf_test::bytes;
using etf_test::from_hex;
using etf_test::to_hex;

// OTP's term_to_binary/1 bytes by the term's ~w text (minor 1, uncompressed).
const std::map<std::string, bytes>& otp_by_text() {
    static const std::map<std::string, bytes> m = [] {
        std::map<std::string, bytes> r;
        for (const auto& v : etf_test::load_vectors())
            if (v.kind == 'V' && v.opts.minor_version == 1 && v.opts.compressed < 0)
                r.emplace(v.text, v.input);
        return r;
    }();
    return m;
}

// OTP's bytes for a term with the given options, found by decoding every vector.
bytes otp_bytes_equal_to(const term& t, int minor, int compressed = -1) {
    for (const auto& v : etf_test::load_vectors()) {
        if (v.kind != 'V' || v.opts.minor_version != minor || v.opts.compressed != compressed)
            continue;
        auto d = decode(v.input);
        if (d && *d == t) return v.input;
    }
    return {};
}

void expect_otp(const term& t, const std::string& text) {
    auto it = otp_by_text().find(text);
    ASSERT_NE(it, otp_by_text().end()) << "no vector for " << text;
    EXPECT_EQ(to_hex(encode(t)), to_hex(it->second)) << text;
    EXPECT_EQ(encoded_size(t), it->second.size()) << text;
}

TEST(EtfEncode, CppTermsGiveOtpBytes) {
    expect_otp(term(0), "0");
    expect_otp(term(255), "255");
    expect_otp(term(256), "256");
    expect_otp(term(-1), "-1");
    expect_otp(term(2147483647), "2147483647");
    expect_otp(term(2147483648L), "2147483648");
    expect_otp(term(-2147483648L), "-2147483648");
    expect_otp(term(-2147483649L), "-2147483649");
    expect_otp(term(std::numeric_limits<long>::max()), "9223372036854775807");
    expect_otp(term(std::numeric_limits<long>::min()), "-9223372036854775808");
    expect_otp(term(big_int(1) << 63), "9223372036854775808");
    expect_otp(term(big_int(1) << 64), "18446744073709551616");
    expect_otp(term(-(big_int(1) << 64)), "-18446744073709551616");
    expect_otp(term(atom("abc")), "abc");
    expect_otp(term(), "[]");
    expect_otp(list(1, 2, 300), "[1,2,300]");
    expect_otp(charlist("abc"), "[97,98,99]");
    expect_otp(cons(atom("a"), atom("b")), "[a|b]");
    expect_otp(make_list(std::vector<term>{term(1), term(2)}, term(3)), "[1,2|3]");
    expect_otp(tuple(), "{}");
    expect_otp(tuple(1), "{1}");
    expect_otp(tuple(atom("a"), atom("b")), "{a,b}");
    expect_otp(map({{atom("b"), 1}, {atom("a"), 2}}), "#{a => 2,b => 1}");
    expect_otp(map({{term(1.0), atom("a")}, {term(2), atom("b")}}), "#{2 => b,1.0 => a}");
    expect_otp(map({}), "#{}");
    const std::uint8_t raw[] = {1, 2, 3};
    expect_otp(binary(raw), "<<1,2,3>>");
    expect_otp(binary(std::string_view()), "<<>>");
    const std::uint8_t bits[] = {0x20};
    expect_otp(bitstring(bits, 3), "<<1:3>>");
    expect_otp(term(export_fun{atom("lists"), atom("map"), 2}), "fun lists:map/2");
}

TEST(EtfEncode, StringExtLimit) {
    const term s65535 = make_list(std::vector<term>(65535, term(1)));
    const bytes a = encode(s65535);
    EXPECT_EQ(a[1], 107);
    EXPECT_EQ(a.size(), 1u + 3 + 65535);
    const term s65536 = make_list(std::vector<term>(65536, term(1)));
    const bytes b = encode(s65536);
    EXPECT_EQ(b[1], 108);
    EXPECT_EQ(b.size(), 1u + 5 + 2 * 65536 + 1);
    EXPECT_EQ(b, otp_bytes_equal_to(s65536, 1));
    // A byte list split over several runs is still one STRING_EXT.
    const term split =
        make_list(std::vector<term>{term(1), term(2)}, make_list(std::vector<term>{term(3)}));
    EXPECT_EQ(encode(split), from_hex("836B0003010203"));
    EXPECT_EQ(encoded_size(split), 7u);
    // An improper byte list is not a string.
    EXPECT_EQ(encode(cons(term(1), term(2))), from_hex("836C0000000161016102"));
}

TEST(EtfEncode, SublistsStartAtTheirOffset) {
    const term l = list(10, 20, 30);
    const term t = *l.tail();
    EXPECT_EQ(encode(t), from_hex("836B0002141E"));
    EXPECT_EQ(encoded_size(t), 6u);
}

TEST(EtfEncode, MinorVersions) {
    const term a(atom("\xC3\xA4"));  // 'ä'
    encode_options m0, m1, m2;
    m0.minor_version = 0;
    m2.minor_version = 2;
    EXPECT_EQ(encode(a, m0), from_hex("83640001E4"));
    EXPECT_EQ(encode(a, m1), from_hex("83640001E4"));
    EXPECT_EQ(encode(a, m2), from_hex("837702C3A4"));
    EXPECT_EQ(encode(term(atom("abc")), m2), from_hex("837703616263"));
    // FLOAT_EXT with minor 0 is "%.20e" padded to 31 bytes.
    bytes f = from_hex("8363312E3530303030303030303030303030303030303030652B3030");
    f.resize(33, 0);
    EXPECT_EQ(encode(term(1.5), m0), f);
    EXPECT_EQ(encoded_size(term(1.5), m0), 33u);
    EXPECT_EQ(encode(term(-0.0), m1), from_hex("83468000000000000000"));
    // Atoms of more than 255 UTF-8 bytes take ATOM_UTF8_EXT.
    std::string euros;
    for (int i = 0; i < 86; ++i)
        euros += "\xE2\x82\xAC";
    const bytes long_atom = encode(term(atom(euros)), m2);
    EXPECT_EQ(long_atom[1], 118);
    EXPECT_EQ(long_atom.size(), 1u + 3 + 258);
}

TEST(EtfEncode, PidsPortsRefs) {
    const term p(pid{atom("alpha@host1"), 0x7FFF, 0x1FFF, 0x12345678});
    EXPECT_EQ(encode(p), otp_bytes_equal_to(p, 1));
    EXPECT_FALSE(otp_bytes_equal_to(p, 1).empty());
    // NEW_PORT_EXT up to 28-bit ids, V4_PORT_EXT above, as OTP 25.
    const term small(port{atom("alpha@host1"), 0x0FFFFFFF, 2});
    const term big(port{atom("alpha@host1"), 0x10000000, 2});
    EXPECT_EQ(encode(small)[1], 89);
    EXPECT_EQ(encode(big)[1], 120);
    EXPECT_EQ(encode(small), otp_bytes_equal_to(small, 1));
    EXPECT_EQ(encode(big), otp_bytes_equal_to(big, 1));
    reference r;
    r.node = atom("alpha@host1");
    r.creation = 2;
    r.len = 2;
    r.ids = {1, 2, 0, 0, 0};
    const term rt(r);
    EXPECT_EQ(encode(rt), otp_bytes_equal_to(rt, 1));
    EXPECT_EQ(encoded_size(rt), encode(rt).size());
}

TEST(EtfEncode, CompressedFollowsOtpRule) {
    const term hellos = make_list(std::vector<term>(100, term(atom("hello"))));
    encode_options c;
    c.compressed = 6;
    const bytes z = encode(hellos, c);
    EXPECT_EQ(z, otp_bytes_equal_to(hellos, 1, 6));
    EXPECT_EQ(z[1], 80);
    // Too small to gain: OTP writes it uncompressed.
    const term small = tuple(atom("a"), atom("b"));
    EXPECT_EQ(encode(small, c), encode(small));
    // Level 0 never gains either.
    c.compressed = 0;
    EXPECT_EQ(encode(hellos, c), encode(hellos));
    // encode_body_append never compresses.
    c.compressed = 9;
    bytes body;
    ASSERT_TRUE(encode_body_append(hellos, body, c));
    EXPECT_EQ(body[0], 108);
}

TEST(EtfEncode, AppendAndSizes) {
    bytes out = {1, 2, 3};
    auto n = encode_append(tuple(1, 2), out);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 7u);
    EXPECT_EQ(out, from_hex("010203"
                            "8368026101"
                            "6102"));
    auto m = encode_body_append(term(atom("ok")), out, {});
    ASSERT_TRUE(m);
    EXPECT_EQ(*m, 5u);
    EXPECT_EQ(out.size(), 3u + 7 + 5);
    EXPECT_EQ(encoded_size(tuple(1, 2)), 7u);
    // Many small appends to one growing buffer (the connection layer's pattern).
    bytes many;
    const term msg = tuple(atom("ok"), 1, binary(std::string_view("payload")));
    const bytes one = encode(msg);
    for (int i = 0; i < 20000; ++i)
        ASSERT_TRUE(encode_append(msg, many));
    ASSERT_EQ(many.size(), 20000 * one.size());
    EXPECT_TRUE(std::equal(one.begin(), one.end(), many.end() - static_cast<long>(one.size())));
}

TEST(EtfEncode, DepthLimit) {
    term t = tuple();
    for (int i = 0; i < 1000; ++i)
        t = tuple(t);
    bytes fits;
    EXPECT_TRUE(encode_append(t, fits));  // 1000 open tuples: fine
    t = tuple(t);
    bytes out = {9};
    auto r = encode_append(t, out);
    EXPECT_FALSE(r);
    EXPECT_EQ(r.error(), make_error_code(term_errc::too_deep));
    EXPECT_EQ(out, bytes{9});
    EXPECT_EQ(encoded_size(t), 0u);
    EXPECT_THROW(encode(t), system_error);
    encode_options o;
    o.max_depth = 2000;
    EXPECT_EQ(encode(t, o).size(), encoded_size(t, o));
}

TEST(EtfEncode, LongConsChainsDoNotNest) {
    // A list built cell by cell is a chain of one-element runs: encoding walks it
    // without a frame per cell.
    term l;
    for (int i = 0; i < 200000; ++i)
        l = cons(term(atom("x")), l);
    const bytes b = encode(l);
    EXPECT_EQ(b[1], 108);
    EXPECT_EQ(b.size(), encoded_size(l));
    auto back = decode(b);
    ASSERT_TRUE(back);
    // Compared through the bytes: the decoded list is one flat run.
    EXPECT_EQ(encode(*back), b);
    EXPECT_EQ(back->size(), 200000u);
}

}  // namespace
}  // namespace otp

// ETF decoding: values, limits and hostile input.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

#include <zlib.h>

#include "term/etf_test_util.hpp"

namespace otp {
namespace {

using etf_test::bytes;
using etf_test::from_hex;
using etf_test::long_and_short_binary;

// Decodes, expecting success.
term dec(const bytes& b, const decode_options& o = {}) {
    decode_error_info err;
    auto t = decode(b, err, o);
    EXPECT_TRUE(t) << etf_test::to_hex(b) << ": " << err.code.message() << " at " << err.offset;
    return t ? *t : term();
}

// Decodes, expecting the given error; returns the reported offset.
std::size_t dec_err(const bytes& b, term_errc want, const decode_options& o = {}) {
    decode_error_info err;
    auto t = decode(b, err, o);
    EXPECT_FALSE(t) << etf_test::to_hex(b);
    EXPECT_EQ(err.code, make_error_code(want))
        << etf_test::to_hex(b) << ": got " << err.code.message();
    EXPECT_EQ(t.error(), err.code);
    return err.offset;
}

bytes cat(std::initializer_list<bytes> parts) {
    bytes out;
    for (const auto& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

bytes be32(std::uint32_t v) {
    return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
            static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

// --- values ---------------------------------------------------------------------------

TEST(EtfDecode, Integers) {
    EXPECT_EQ(dec(from_hex("836100")), term(0));
    EXPECT_EQ(dec(from_hex("8361FF")), term(255));
    EXPECT_EQ(dec(from_hex("8362FFFFFFFF")), term(-1));
    EXPECT_EQ(dec(from_hex("836280000000")), term(std::numeric_limits<std::int32_t>::min()));
    // 2^63 - 1 and -2^63 fit int64: stored as small integers whatever the tag.
    const term max = dec(from_hex("836E08FFFFFFFFFFFFFF7F00"));
    EXPECT_EQ(max.raw_tag(), detail::tag::small_int);  // non-minimal: top byte zero
    const term max2 = dec(from_hex("836E0800FFFFFFFFFFFFFF7F"));
    EXPECT_EQ(max2.raw_tag(), detail::tag::small_int);
    EXPECT_EQ(*max2.as_int64(), std::numeric_limits<std::int64_t>::max());
    const term min =
        dec(from_hex("836E080100000000000000"
                     "80"));
    EXPECT_EQ(min.raw_tag(), detail::tag::small_int);
    EXPECT_EQ(*min.as_int64(), std::numeric_limits<std::int64_t>::min());
    // 2^63 and -2^63 - 1 do not.
    const term over = dec(from_hex("836E08000000000000000080"));
    EXPECT_EQ(over.raw_tag(), detail::tag::big_int);
    EXPECT_EQ(*over.as_big_int(), big_int(1) << 63);
    const term under = dec(from_hex("836E08010100000000000080"));
    EXPECT_EQ(*under.as_big_int(), -(big_int(1) << 63) - 1);
    // 2^64 and -2^64.
    EXPECT_EQ(*dec(from_hex("836E0900"
                            "0000000000000000"
                            "01"))
                   .as_big_int(),
              big_int(1) << 64);
    EXPECT_EQ(*dec(from_hex("836E0901"
                            "0000000000000000"
                            "01"))
                   .as_big_int(),
              -(big_int(1) << 64));
    // LARGE_BIG_EXT 2^2040 (256 magnitude bytes).
    bytes large =
        cat({from_hex("836F00000100"
                      "00")});
    large.insert(large.end(), 255, 0);
    large.push_back(1);
    EXPECT_EQ(*dec(large).as_big_int(), big_int(1) << 2040);
    // A long non-minimal encoding of 7 normalises to a small integer.
    bytes padded = from_hex("836F0000010000");
    padded.push_back(7);
    padded.insert(padded.end(), 255, 0);
    EXPECT_EQ(dec(padded), term(7));
}

TEST(EtfDecode, BigIntegersAcrossLimbBoundaries) {
    for (int bits : {64, 65, 100, 127, 128, 129, 191, 192, 193, 255, 256, 1000, 2047, 3001}) {
        for (int sign : {1, -1}) {
            const big_int v = sign * ((big_int(1) << bits) + 12345);
            const term t(v);
            const bytes b = encode(t);
            const term back = dec(b);
            EXPECT_EQ(*back.as_big_int(), v) << bits;
            EXPECT_EQ(encode(back), b);
        }
    }
}

TEST(EtfDecode, FloatsKeepTheirBits) {
    const term neg_zero = dec(from_hex("83468000000000000000"));
    ASSERT_TRUE(neg_zero.is_float());
    EXPECT_TRUE(std::signbit(*neg_zero.as_double()));
    EXPECT_EQ(encode(neg_zero), from_hex("83468000000000000000"));
    EXPECT_EQ(*dec(from_hex("83460000000000000001")).as_double(), 5e-324);
    EXPECT_EQ(*dec(from_hex("83467FEFFFFFFFFFFFFF")).as_double(),
              std::numeric_limits<double>::max());
    // FLOAT_EXT: OTP's "%.20e" text.
    bytes old = from_hex("83632D302E3030303030303030303030303030303030303030652B3030");
    old.resize(33, 0);
    const term z = dec(old);
    EXPECT_TRUE(std::signbit(*z.as_double()));
    EXPECT_EQ(*z.as_double(), 0.0);
    // Infinities and NaNs do not exist in Erlang.
    dec_err(from_hex("83467FF0000000000000"), term_errc::bad_value);
    dec_err(from_hex("83467FF8000000000000"), term_errc::bad_value);
    dec_err(from_hex("8346FFF0000000000000"), term_errc::bad_value);
}

TEST(EtfDecode, Atoms) {
    EXPECT_EQ(dec(from_hex("83640003616263")), term(atom("abc")));
    EXPECT_EQ(dec(from_hex("837303616263")), term(atom("abc")));
    EXPECT_EQ(dec(from_hex("8377036162"
                           "63")),
              term(atom("abc")));
    EXPECT_EQ(dec(from_hex("83760003616263")), term(atom("abc")));
    // Latin-1 tags convert to UTF-8.
    EXPECT_EQ(dec(from_hex("83640001E4")), term(atom("\xC3\xA4")));
    EXPECT_EQ(dec(from_hex("837301FF")), term(atom("\xC3\xBF")));
    EXPECT_EQ(dec(from_hex("837703E282AC")), term(atom("\xE2\x82\xAC")));
    EXPECT_EQ(dec(from_hex("83640000")), term(atom()));
    EXPECT_EQ(dec(from_hex("837700")), term(atom()));
}

TEST(EtfDecode, Latin1AtomIsNotTheUtf8AtomWithTheSameBytes) {
    // Bytes E5 8E 9F E5 AD 90 are '原子' in UTF-8 but six characters in Latin-1; erl
    // gives 8377 06... for the first and re-encodes the second as 836400 06....
    // Decoding the UTF-8 one first must not leave a cached answer for the Latin-1 one,
    // in a term or in an atom-only position (a pid's node).
    const term utf8 = dec(from_hex("837706E58E9FE5AD90"));
    ASSERT_EQ(utf8, term(atom("\xE5\x8E\x9F\xE5\xAD\x90")));
    const term six(atom("\xC3\xA5\xC2\x8E\xC2\x9F\xC3\xA5\xC2\xAD\xC2\x90"));
    EXPECT_EQ(dec(from_hex("837306E58E9FE5AD90")), six);
    EXPECT_EQ(dec(from_hex("83640006E58E9FE5AD90")), six);
    EXPECT_EQ(dec(from_hex("836C00000002770161"
                           "7306E58E9FE5AD90"
                           "6A")),
              list(atom("a"), six));
    EXPECT_EQ(dec(from_hex("836C00000002"
                           "7706E58E9FE5AD90"
                           "7306E58E9FE5AD90"
                           "6A")),
              list(utf8, six));
    const term p =
        dec(from_hex("8358"
                     "7306E58E9FE5AD90"
                     "000000010000000000000001"));
    ASSERT_TRUE(p.as_pid());
    EXPECT_EQ(p.as_pid()->node, *six.as_atom());
    decode_options zc;
    zc.zero_copy = true;
    EXPECT_EQ(dec(from_hex("837306E58E9FE5AD90"), zc), six);
    EXPECT_EQ(six.as_atom()->length(), 6u);
}

TEST(EtfDecode, AtomLimits) {
    // 255 characters are fine in every tag, 256 are not.
    bytes a255 = from_hex("836400FF");
    a255.insert(a255.end(), 255, 'a');
    EXPECT_EQ(dec(a255).as_atom()->length(), 255u);
    bytes a256 = from_hex("83640100");
    a256.insert(a256.end(), 256, 'a');
    dec_err(a256, term_errc::atom_too_long);
    bytes s256 = from_hex("83760100");
    s256.insert(s256.end(), 256, 'a');
    dec_err(s256, term_errc::atom_too_long);
    // 255 two-byte characters (510 bytes) fit, 256 do not.
    bytes u255 = from_hex("837601FE");
    for (int i = 0; i < 255; ++i)
        u255.insert(u255.end(), {0xC3, 0xA9});
    EXPECT_EQ(dec(u255).as_atom()->length(), 255u);
    bytes u256 = from_hex("83760200");
    for (int i = 0; i < 256; ++i)
        u256.insert(u256.end(), {0xC3, 0xA9});
    dec_err(u256, term_errc::atom_too_long);
    // More bytes than 255 characters can take, whatever they are.
    bytes huge = from_hex("83760FFF");
    huge.insert(huge.end(), 0x0FFF, 'a');
    dec_err(huge, term_errc::atom_too_long);
}

TEST(EtfDecode, InvalidUtf8Atoms) {
    for (const char* h : {"837702C328", "83770180", "837703EDA080", "837704F4908080", "837702C080",
                          "837701FF", "837702E282", "83760002C328"})
        dec_err(from_hex(h), term_errc::invalid_utf8);
}

TEST(EtfDecode, ListsAndStrings) {
    EXPECT_EQ(dec(from_hex("836B0003616263")), charlist("abc"));
    EXPECT_EQ(dec(from_hex("836B0000")), term());
    // LIST_EXT and STRING_EXT decode to the same value.
    EXPECT_EQ(dec(from_hex("836C00000003610161026103"
                           "6A")),
              list(1, 2, 3));
    EXPECT_EQ(dec(from_hex("836B0003010203")), list(1, 2, 3));
    // Improper lists, and a tail that is itself a list run.
    const term imp =
        dec(from_hex("836C000000016101"
                     "6102"));
    EXPECT_EQ(*imp.head(), term(1));
    EXPECT_EQ(*imp.tail(), term(2));
    const term chained = dec(from_hex("836C0000000161016C0000000161026A"));
    EXPECT_EQ(chained, list(1, 2));
    EXPECT_EQ(encode(chained), from_hex("836B00020102"));
    // An empty LIST_EXT is its tail.
    EXPECT_EQ(dec(from_hex("836C000000006101")), term(1));
}

TEST(EtfDecode, TuplesMapsBinaries) {
    EXPECT_EQ(dec(from_hex("836800")), tuple());
    EXPECT_EQ(dec(from_hex("8369000000026101"
                           "6102")),
              tuple(1, 2));
    const term m = dec(from_hex("8374000000026102610261016103"));
    auto mv = m.as_map();
    ASSERT_TRUE(mv);
    ASSERT_EQ(mv->size(), 2u);
    EXPECT_EQ(mv->pairs()[0].first, term(1));  // stored sorted
    EXPECT_EQ(*mv->find(term(2)), term(2));
    const term b = dec(from_hex("836D00000003010203"));
    EXPECT_TRUE(b.is_binary());
    EXPECT_EQ(b.as_binary()->bytes.size(), 3u);
    // Unused bits of a bitstring are cleared, as binary_to_term does.
    const term bits = dec(from_hex("834D0000000103FF"));
    EXPECT_EQ(bits.as_binary()->bits, 3);
    EXPECT_EQ(bits.as_binary()->bytes[0], 0xE0);
    EXPECT_EQ(encode(bits), from_hex("834D0000000103E0"));
    // bits = 8 is a plain binary; Len 0 with bits 0 is <<>>.
    EXPECT_TRUE(dec(from_hex("834D0000000108FF")).is_binary());
    EXPECT_EQ(dec(from_hex("834D0000000000")).as_binary()->bytes.size(), 0u);
}

TEST(EtfDecode, BitBinaryBitsField) {
    dec_err(from_hex("834D0000000100FF"), term_errc::bad_value);  // bits 0 with data
    dec_err(from_hex("834D0000000109FF"), term_errc::bad_value);  // bits 9
    dec_err(from_hex("834D0000000003"), term_errc::bad_value);    // no data, bits 3
    dec_err(from_hex("834D0000000008"), term_errc::bad_value);    // no data, bits 8
    EXPECT_EQ(dec_err(from_hex("834D00000001FFFF"), term_errc::bad_value), 6u);
}

TEST(EtfDecode, PidsPortsRefs) {
    const term p =
        dec(from_hex("835877036140620000000100000002"
                     "00000005"));
    auto pv = p.as_pid();
    ASSERT_TRUE(pv);
    EXPECT_EQ(pv->node, atom("a@b"));
    EXPECT_EQ(pv->id, 1u);
    EXPECT_EQ(pv->serial, 2u);
    EXPECT_EQ(pv->creation, 5u);
    // Old PID_EXT: 8-bit creation, at most 3.
    EXPECT_EQ(dec(from_hex("8367640003614062000000010000000203")).as_pid()->creation, 3u);
    dec_err(from_hex("8367640003614062000000010000000204"), term_errc::bad_value);
    const term port4 =
        dec(from_hex("83786400036140620000000100000000"
                     "00000002"));
    EXPECT_EQ(port4.as_port()->id, std::uint64_t{1} << 32);
    const term r =
        dec(from_hex("835A0003640003614062000000070000000100000002"
                     "00000003"));
    auto rv = r.as_ref();
    ASSERT_TRUE(rv);
    EXPECT_EQ(rv->creation, 7u);
    ASSERT_EQ(rv->len, 3);
    EXPECT_EQ(rv->ids[2], 3u);
    // Old references: 18-bit first word, 2-bit creation.
    EXPECT_EQ(dec(from_hex("83656400036140620003FFFF03")).as_ref()->ids[0], 0x3FFFFu);
    dec_err(from_hex("83656400036140620004000003"), term_errc::bad_value);
    // Word counts: 1..5 (OTP also takes 0; the term model does not).
    dec_err(from_hex("835A000664000361406200000002" + std::string(48, '0')), term_errc::bad_value);
    dec_err(from_hex("835A000064000361406200000002"), term_errc::bad_value);
}

TEST(EtfDecode, Funs) {
    const term e = dec(from_hex("83716400016D640001666103"));
    auto ev = e.as_export_fun();
    ASSERT_TRUE(ev);
    EXPECT_EQ(ev->module, atom("m"));
    EXPECT_EQ(ev->function, atom("f"));
    EXPECT_EQ(ev->arity, 3);
    dec_err(from_hex("83716400016D6400016662FFFFFFFF"), term_errc::bad_value);
    dec_err(from_hex("8375000000006A"), term_errc::bad_tag);  // FUN_EXT is gone
}

TEST(EtfDecode, LocalFunRoundTrip) {
    const std::uint8_t uniq[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    const term creator(pid{atom("n@h"), 1, 2, 3});
    const term free_vars[] = {term(42), list(1, 2), tuple(atom("x"), term(1.5))};
    const term f = make_fun(2, std::span<const std::uint8_t, 16>(uniq), 7, atom("mod"), term(7),
                            term(123456), creator, free_vars);
    const bytes b = encode(f);
    const term back = dec(b);
    auto fv = back.as_fun();
    ASSERT_TRUE(fv);
    EXPECT_EQ(fv->arity(), 2);
    EXPECT_EQ(fv->index(), 7u);
    EXPECT_EQ(fv->module(), atom("mod"));
    EXPECT_EQ(fv->creator(), creator);
    ASSERT_EQ(fv->free_vars().size(), 3u);
    EXPECT_EQ(fv->free_vars()[1], list(1, 2));
    EXPECT_EQ(encode(back), b);
    // The Size field must match the bytes the fun takes.
    bytes bad = b;
    bad[5] ^= 1;
    EXPECT_FALSE(decode(bad));
}

// --- the envelope ---------------------------------------------------------------------

TEST(EtfDecode, Envelope) {
    dec_err({}, term_errc::truncated);
    dec_err(from_hex("83"), term_errc::truncated);
    EXPECT_EQ(dec_err(from_hex("826A"), term_errc::bad_version), 0u);
    EXPECT_EQ(dec_err(from_hex("836A6A"), term_errc::trailing_bytes), 2u);
    EXPECT_EQ(dec_err(from_hex("8300"), term_errc::bad_tag), 1u);
    EXPECT_EQ(dec_err(from_hex("8368026101FF"), term_errc::bad_tag), 5u);
}

TEST(EtfDecode, DecodeBodyReportsUsed) {
    const bytes b = from_hex(
        "680261016A"
        "FFFF");
    std::size_t used = 99;
    auto t = decode_body(b, used);
    ASSERT_TRUE(t);
    EXPECT_EQ(used, 5u);
    EXPECT_EQ(*t, tuple(1, term()));
    decode_error_info err;
    EXPECT_FALSE(decode_body(from_hex("6802"), used, err));
    EXPECT_EQ(err.code, make_error_code(term_errc::too_large));
    EXPECT_EQ(err.offset, 1u);
    EXPECT_FALSE(decode_body(from_hex("6E05"), used, err));
    EXPECT_EQ(err.code, make_error_code(term_errc::truncated));
    EXPECT_EQ(err.offset, 2u);
    // No compressed terms inside distribution packets.
    EXPECT_FALSE(decode_body(from_hex("5000000001789C030000000001"), used));
}

TEST(EtfDecode, Compressed) {
    const term big = make_list(std::vector<term>(1000, term(atom("hello"))));
    encode_options o;
    o.compressed = 6;
    const bytes c = encode(big, o);
    ASSERT_EQ(c[1], 80);
    EXPECT_EQ(dec(c), big);
    // Claimed size wrong either way.
    bytes wrong = c;
    wrong[5] += 1;
    dec_err(wrong, term_errc::bad_compressed);
    wrong[5] -= 2;
    dec_err(wrong, term_errc::bad_compressed);
    // A claim no zlib stream of this length can inflate to: refused before allocating.
    EXPECT_EQ(dec_err(from_hex("8350FFFFFFFF789C"), term_errc::too_large), 2u);
    EXPECT_EQ(dec_err(from_hex("835001000000789C0300"), term_errc::too_large), 2u);
    decode_options small;
    small.max_inflated_size = 100;
    dec_err(c, term_errc::too_large, small);
    // Garbage stream, trailing bytes after the stream, nested compression.
    dec_err(from_hex("835000000002010203"), term_errc::bad_compressed);
    bytes trail = c;
    trail.push_back(0);
    dec_err(trail, term_errc::trailing_bytes);
    // An error inside the inflated term reports an offset into the inflated bytes.
    bytes inner = from_hex("68FF");  // tuple of 255 with nothing after
    std::vector<std::uint8_t> zbuf(64);
    uLongf zlen = zbuf.size();
    ASSERT_EQ(compress2(zbuf.data(), &zlen, inner.data(), inner.size(), 6), Z_OK);
    bytes wrapped = cat({from_hex("8350"), be32(2)});
    wrapped.insert(wrapped.end(), zbuf.begin(), zbuf.begin() + static_cast<long>(zlen));
    decode_error_info err;
    EXPECT_FALSE(decode(wrapped, err));
    EXPECT_TRUE(err.inflated);
    EXPECT_EQ(err.code, make_error_code(term_errc::too_large));
    EXPECT_EQ(err.offset, 1u);
}

TEST(EtfDecode, ZeroCopyBinariesShareTheInput) {
    auto owned = std::make_shared<const bytes>(long_and_short_binary());
    std::weak_ptr<const bytes> watch = owned;
    decode_options o;
    o.zero_copy = true;
    o.owner = owned;
    auto t = decode(*owned, o);
    ASSERT_TRUE(t);
    o.owner.reset();
    const auto big = t->element(0)->as_binary();
    EXPECT_EQ(big->bytes.data(), owned->data() + 8);                           // no copy
    EXPECT_NE(t->element(1)->as_binary()->bytes.data(), owned->data() + 113);  // small: copied
    owned.reset();
    EXPECT_FALSE(watch.expired());  // the term keeps the input alive
    term keep = *t->element(0);
    t = term();
    EXPECT_FALSE(watch.expired());
    keep = term();
    EXPECT_TRUE(watch.expired());
}

TEST(EtfDecode, ZeroCopyMinimumCopiesSmallerBinaries) {
    auto owned = std::make_shared<const bytes>(long_and_short_binary());
    decode_options o;
    o.zero_copy = true;
    o.owner = owned;
    o.zero_copy_min = 101;  // the long binary is 100 bytes: now copied too
    auto t = decode(*owned, o);
    ASSERT_TRUE(t);
    EXPECT_NE(t->element(0)->as_binary()->bytes.data(), owned->data() + 8);
    o.zero_copy_min = 100;
    t = decode(*owned, o);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->element(0)->as_binary()->bytes.data(), owned->data() + 8);
    o.zero_copy_min = 1;  // never below 64 bytes: the short one is still copied
    t = decode(*owned, o);
    ASSERT_TRUE(t);
    EXPECT_NE(t->element(1)->as_binary()->bytes.data(), owned->data() + 113);
}

// --- hostile input ----------------------------------------------------------------------

TEST(EtfDecode, OversizedCountsFailBeforeAllocating) {
    // Each claims about 2^32 elements with a handful of bytes left; allocating first
    // would take 64 GiB, so passing at all shows the count was checked first.
    EXPECT_EQ(dec_err(from_hex("836CFFFFFFFF6A6A6A6A6A6A6A6A6A6A"), term_errc::too_large), 2u);
    EXPECT_EQ(dec_err(from_hex("8369FFFFFFFF6A6A6A6A6A6A6A6A6A6A"), term_errc::too_large), 2u);
    EXPECT_EQ(dec_err(from_hex("8374FFFFFFFF6A6A6A6A6A6A6A6A6A6A"), term_errc::too_large), 2u);
    dec_err(from_hex("836DFFFFFFFF0102"), term_errc::truncated);
    dec_err(from_hex("834DFFFFFFFF030102"), term_errc::truncated);
    dec_err(from_hex("836FFFFFFFFF000102"), term_errc::truncated);
    dec_err(from_hex("836BFFFF0102"), term_errc::truncated);
    dec_err(from_hex("8376FFFF6162"), term_errc::truncated);
    dec_err(from_hex("835AFFFF640001610000000000000001"), term_errc::bad_value);
    // A fun claiming 2^32 free variables.
    bytes fun = cat({from_hex("8370"), be32(40), from_hex("00"), bytes(16, 0), be32(0),
                     from_hex("FFFFFFFF"), from_hex("6400016D")});
    fun.insert(fun.end(), 20, 0x6A);
    dec_err(fun, term_errc::too_large);
    // A list whose count fits the bytes left but whose elements do not.
    dec_err(from_hex("836C000000036A6A"), term_errc::too_large);
    dec_err(from_hex("836C00000002616161"), term_errc::truncated);
}

TEST(EtfDecode, DepthBombFailsWithoutRecursion) {
    constexpr std::size_t depth = 100000;
    bytes tuples = {131};
    for (std::size_t i = 0; i < depth; ++i)
        tuples.insert(tuples.end(), {0x68, 0x01});
    tuples.push_back(0x6A);
    EXPECT_EQ(dec_err(tuples, term_errc::too_deep), 1u + 2 * 1000);
    bytes lists = {131};
    for (std::size_t i = 0; i < depth; ++i)
        lists.insert(lists.end(), {0x6C, 0, 0, 0, 1});
    lists.push_back(0x6A);
    for (std::size_t i = 0; i < depth; ++i)
        lists.push_back(0x6A);
    dec_err(lists, term_errc::too_deep);
    bytes maps = {131};
    for (std::size_t i = 0; i < depth; ++i)
        maps.insert(maps.end(), {0x74, 0, 0, 0, 1, 0x6A});
    maps.push_back(0x6A);
    dec_err(maps, term_errc::too_deep);
    // With the limit raised the same input decodes: the decoder keeps its own stack,
    // and the term is freed without recursion too.
    decode_options deep;
    deep.max_depth = depth + 1;
    const term t = dec(tuples, deep);
    EXPECT_TRUE(t.is_tuple());
    EXPECT_TRUE(dec(lists, deep).is_list());
    // Encoding it needs the same allowance.
    bytes sink;
    EXPECT_FALSE(encode_append(t, sink));
    EXPECT_TRUE(sink.empty());
    encode_options eo;
    eo.max_depth = depth + 1;
    EXPECT_EQ(encode(t, eo), tuples);
}

TEST(EtfDecode, LongListTailChainsDoNotNest) {
    // [1 | [2 | [3 | ...]]] written as 100000 one-element LIST_EXTs: tails are not
    // nesting, so the default depth limit does not apply.
    bytes b = {131};
    for (int i = 0; i < 100000; ++i)
        b.insert(b.end(), {0x6C, 0, 0, 0, 1, 0x61, 1});
    b.push_back(0x6A);
    const term t = dec(b);
    EXPECT_EQ(t.size(), 100000u);
    const bytes re = encode(t);
    // Re-encoded as one LIST_EXT (too long for STRING_EXT).
    EXPECT_EQ(re[1], 0x6C);
    EXPECT_EQ(re.size(), 1u + 5 + 2 * 100000 + 1);
}

TEST(EtfDecode, ChainedListTailsBecomeOneRun) {
    // OTP never writes LIST_EXT tails that are lists, but reads them; we store the
    // result as one run so that comparisons cannot recurse once per run.
    constexpr int n = 200000;
    bytes chain = {131};
    for (int i = 0; i < n; ++i)
        chain.insert(chain.end(), {0x6C, 0, 0, 0, 1, 0x61, 1});
    chain.push_back(0x6A);
    const term t = dec(chain);
    ASSERT_TRUE(t.is_cons());
    EXPECT_EQ(static_cast<const detail::list_node*>(t.raw_node())->size,
              static_cast<std::uint32_t>(n));
    EXPECT_EQ(t, make_list(std::vector<term>(n, term(1))));
    // A hostile map whose two keys are the same list split differently: found equal
    // (a duplicate) without exhausting the stack.
    bytes m = cat({from_hex("8374"), be32(2)});
    m.insert(m.end(), chain.begin() + 1, chain.end());
    m.push_back(0x6A);
    m.insert(m.end(), {0x6C});
    m.insert(m.end(), {0, 0x03, 0x0D, 0x40});  // 200000
    for (int i = 0; i < n; ++i)
        m.insert(m.end(), {0x61, 1});
    m.insert(m.end(), {0x6A, 0x6A});
    dec_err(m, term_errc::duplicate_map_key);
    // Mixed runs, a STRING_EXT run and an improper end.
    const term mixed =
        dec(from_hex("836C000000016101"
                     "6C0000000261026103"
                     "6C000000016104"
                     "6105"));
    EXPECT_EQ(mixed, make_list(std::vector<term>{term(1), term(2), term(3), term(4)}, term(5)));
    EXPECT_EQ(static_cast<const detail::list_node*>(mixed.raw_node())->size, 4u);
    const term with_string =
        dec(from_hex("836C000000016101"
                     "6B00020203"));
    EXPECT_EQ(with_string, list(1, 2, 3));
    EXPECT_EQ(static_cast<const detail::list_node*>(with_string.raw_node())->size, 3u);
    // Inside other containers, and twice in a row.
    const term nested =
        dec(from_hex("8368026C0000000161016C00000001610261036C0000000161056B000106"));
    EXPECT_EQ(nested, tuple(make_list(std::vector<term>{term(1), term(2)}, term(3)), list(5, 6)));
}

TEST(EtfDecode, DuplicateMapKeys) {
    EXPECT_EQ(dec_err(from_hex("8374000000026101610261016103"), term_errc::duplicate_map_key), 1u);
    // Unsorted with a duplicate (found after sorting).
    dec_err(from_hex("837400000003610261016101610261026103"), term_errc::duplicate_map_key);
    // The same atom under two tags.
    dec_err(from_hex("8374000000026400016161017301616103"), term_errc::duplicate_map_key);
    // A bignum-tagged 5 equals a small 5.
    dec_err(from_hex("837400000002610561016E0100056103"), term_errc::duplicate_map_key);
    // A large hash-ordered map with one duplicate deep inside.
    bytes b = cat({from_hex("8374"), be32(40)});
    for (int i = 40; i > 0; --i)
        b.insert(b.end(), {0x61, static_cast<std::uint8_t>(i == 7 ? 8 : i), 0x6A});
    dec_err(b, term_errc::duplicate_map_key);
}

TEST(EtfDecode, AtomCacheRefs) {
    const bytes b = from_hex("83680252005201");
    dec_err(b, term_errc::atom_cache_ref);
    const atom names[] = {atom("first"), atom("second")};
    atom_cache_view cache{names};
    decode_options o;
    o.atom_cache = &cache;
    EXPECT_EQ(dec(b, o), tuple(atom("first"), atom("second")));
    dec_err(from_hex("835202"), term_errc::bad_value, o);
    // As a pid's node name too.
    const term p = dec(from_hex("8358520100000001000000020000000"
                                "3"),
                       o);
    EXPECT_EQ(p.as_pid()->node, atom("second"));
}

TEST(EtfDecode, LocalExtResolver) {
    dec_err(from_hex("83790102"), term_errc::local_ext);
    decode_options o;
    o.local_ext = [](std::span<const std::uint8_t> rest, std::size_t& used) -> result<term> {
        if (rest.empty()) return term_errc::truncated;
        used = 1;
        return term(static_cast<int>(rest[0]) * 100);
    };
    EXPECT_EQ(dec(from_hex("8368027901"
                           "7902"),
                  o),
              tuple(100, 200));
    o.local_ext = [](std::span<const std::uint8_t>, std::size_t&) -> result<term> {
        return term_errc::bad_value;
    };
    dec_err(from_hex("837901"), term_errc::bad_value, o);
}

}  // namespace
}  // namespace otp

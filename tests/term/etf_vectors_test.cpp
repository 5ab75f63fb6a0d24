// Golden vectors from a real OTP 25 node (tests/vectors/etf_vectors.txt): decoding
// and re-encoding must reproduce term_to_binary's bytes; every truncation must fail
// cleanly, also when the input ends against an unreadable page.
#include <gtest/gtest.h>

#include "term/etf_test_util.hpp"

namespace otp {
namespace {

using etf_test::bytes;
using etf_test::golden;

const std::vector<golden>& vectors() {
    static const std::vector<golden> v = etf_test::load_vectors();
    return v;
}

std::string where(const golden& v) {
    return "line " + std::to_string(v.line) + ": " + v.text.substr(0, 80);
}

// The bytes a golden vector must decode from.
const bytes& input_of(const golden& v) {
    return v.input;
}

bool decodes(const golden& v) {
    return v.kind != 'D' || !v.want_error;
}

TEST(EtfVectors, FileHasEveryKind) {
    std::size_t n[3] = {};
    for (const auto& v : vectors())
        n[v.kind == 'V' ? 0 : (v.kind == 'U' ? 1 : 2)]++;
    EXPECT_GT(n[0], 300u);
    EXPECT_GT(n[1], 0u);
    EXPECT_GT(n[2], 100u);
}

TEST(EtfVectors, ReencodeGivesOtpBytes) {
    for (const auto& v : vectors()) {
        if (v.kind != 'V') continue;
        decode_error_info err;
        auto t = decode(v.input, err);
        ASSERT_TRUE(t) << where(v) << ": " << err.code.message() << " at " << err.offset;
        const bytes out = encode(*t, v.opts);
        EXPECT_EQ(etf_test::to_hex(out), etf_test::to_hex(v.input)) << where(v);
        // encoded_size is exact for the uncompressed form.
        encode_options plain = v.opts;
        plain.compressed = -1;
        EXPECT_EQ(encoded_size(*t, plain), encode(*t, plain).size()) << where(v);
    }
}

TEST(EtfVectors, BigMapsDecodeEqual) {
    for (const auto& v : vectors()) {
        if (v.kind != 'U') continue;
        auto t = decode(v.input);
        ASSERT_TRUE(t) << where(v);
        const bytes out = encode(*t, v.opts);
        auto again = decode(out);
        ASSERT_TRUE(again) << where(v);
        EXPECT_TRUE(*again == *t) << where(v);
        EXPECT_EQ(encode(*again, v.opts), out) << where(v);
        if (v.opts.compressed < 0) {
            EXPECT_EQ(out.size(), v.input.size()) << where(v);
        }
    }
}

TEST(EtfVectors, DecodeCasesMatchBinaryToTerm) {
    for (const auto& v : vectors()) {
        if (v.kind != 'D') continue;
        decode_error_info err;
        auto t = decode(v.input, err);
        if (v.want_error) {
            EXPECT_FALSE(t) << where(v) << " hex " << etf_test::to_hex(v.input);
            if (!t) {
                EXPECT_LE(err.offset, v.input.size()) << where(v);
            }
            continue;
        }
        ASSERT_TRUE(t) << where(v) << " hex " << etf_test::to_hex(v.input) << ": "
                       << err.code.message() << " at " << err.offset;
        EXPECT_EQ(etf_test::to_hex(encode(*t)), etf_test::to_hex(v.want)) << where(v);
    }
}

TEST(EtfVectors, DecodeBodyWithoutVersionByte) {
    for (const auto& v : vectors()) {
        if (v.kind != 'V' || v.opts.compressed >= 0 || v.input.size() < 2 || v.input[1] == 80)
            continue;
        bytes body(v.input.begin() + 1, v.input.end());
        body.push_back(0xEE);  // a following term's first byte must not matter
        std::size_t used = 0;
        auto t = decode_body(body, used);
        ASSERT_TRUE(t) << where(v);
        EXPECT_EQ(used, v.input.size() - 1) << where(v);
        bytes out;
        auto n = encode_body_append(*t, out, v.opts);
        ASSERT_TRUE(n);
        EXPECT_EQ(*n, v.input.size() - 1);
        EXPECT_TRUE(std::equal(out.begin(), out.end(), v.input.begin() + 1)) << where(v);
    }
}

TEST(EtfVectors, ZeroCopyDecodeEqualsCopyingDecode) {
    for (const auto& v : vectors()) {
        if (!decodes(v)) continue;
        auto owned = std::make_shared<bytes>(input_of(v));
        decode_options o;
        o.zero_copy = true;
        o.owner = owned;
        auto a = decode(*owned, o);
        auto b = decode(input_of(v));
        ASSERT_TRUE(a) << where(v);
        ASSERT_TRUE(b) << where(v);
        EXPECT_TRUE(*a == *b) << where(v);
    }
}

TEST(EtfVectors, EveryTruncationFails) {
    for (const auto& v : vectors()) {
        if (!decodes(v)) continue;
        const bytes& in = input_of(v);
        for (std::size_t cut : etf_test::cut_points(in.size())) {
            decode_error_info err;
            auto t = decode(std::span<const std::uint8_t>(in.data(), cut), err);
            EXPECT_FALSE(t) << where(v) << " cut at " << cut;
            if (!t && !err.inflated) {
                EXPECT_LE(err.offset, cut) << where(v) << " cut at " << cut;
            }
        }
    }
}

TEST(EtfVectors, InputEndingAtGuardPage) {
    std::size_t biggest = 0;
    for (const auto& v : vectors())
        biggest = std::max(biggest, v.input.size());
    etf_test::guarded_buffer buf(biggest);
    for (const auto& v : vectors()) {
        const bytes& in = input_of(v);
        auto whole = buf.place(in);
        auto t = decode(whole);
        if (!decodes(v)) {
            EXPECT_FALSE(t) << where(v);
            continue;
        }
        ASSERT_TRUE(t) << where(v);
        if (v.kind == 'V') {
            EXPECT_EQ(encode(*t, v.opts), in) << where(v);
        } else if (v.kind == 'D') {
            EXPECT_EQ(encode(*t), v.want) << where(v);
        }
        for (std::size_t cut : etf_test::cut_points(in.size())) {
            auto part = buf.place(std::span<const std::uint8_t>(in.data(), cut));
            EXPECT_FALSE(decode(part)) << where(v) << " cut at " << cut;
            // The body decoder too, on everything after the version byte.
            if (cut > 1 && in[1] != 80) {
                std::size_t used = 0;
                EXPECT_FALSE(decode_body(part.subspan(1), used)) << where(v) << " cut at " << cut;
            }
        }
    }
}

}  // namespace
}  // namespace otp

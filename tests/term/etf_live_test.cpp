// Live check against the installed OTP: erl encodes seeded random terms
// (tests/vectors/etf_random_terms.erl) and our decode -> encode must give its bytes.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "term/etf_test_util.hpp"

namespace otp {
namespace {

using etf_test::bytes;

bool on_path(const char* prog) {
    const std::string cmd = std::string("command -v ") + prog + " >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
}

TEST(EtfLive, RandomTermsRoundTripLiveErl) {
    if (!on_path("erl") || !on_path("escript")) GTEST_SKIP() << "erl is not on PATH";
    const char* env_seed = std::getenv("OTPCPP_ETF_SEED");
    const std::string seed = env_seed != nullptr ? env_seed : "20240601";
    constexpr int count = 2000;

    char path[] = "/tmp/otpcpp_etf_liveXXXXXX";
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    const std::string script = std::string(OTPCPP_TEST_VECTORS_DIR) + "/etf_random_terms.erl";
    const std::string cmd =
        "escript '" + script + "' " + seed + " " + std::to_string(count) + " '" + path + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::ifstream in(path, std::ios::binary);
    const bytes data((std::istreambuf_iterator<char>(in)), {});
    std::filesystem::remove(path);

    std::size_t pos = 0;
    int seen = 0;
    int exact = 0;
    while (pos < data.size()) {
        ASSERT_LE(pos + 7, data.size());
        encode_options opts;
        opts.minor_version = data[pos];
        opts.compressed = data[pos + 1] == 255 ? -1 : data[pos + 1];
        const bool big_map = data[pos + 2] != 0;
        const std::size_t len = std::size_t{data[pos + 3]} << 24 |
                                std::size_t{data[pos + 4]} << 16 | std::size_t{data[pos + 5]} << 8 |
                                data[pos + 6];
        pos += 7;
        ASSERT_LE(pos + len, data.size());
        const std::span<const std::uint8_t> enc(data.data() + pos, len);
        pos += len;
        ++seen;
        decode_error_info err;
        auto t = decode(enc, err);
        ASSERT_TRUE(t) << "term " << seen << " (seed " << seed << "): " << err.code.message()
                       << " at " << err.offset;
        const bytes out = encode(*t, opts);
        if (big_map) {
            auto again = decode(out);
            ASSERT_TRUE(again) << "term " << seen;
            EXPECT_TRUE(*again == *t) << "term " << seen << " (seed " << seed << ")";
        } else {
            ++exact;
            EXPECT_TRUE(std::equal(out.begin(), out.end(), enc.begin(), enc.end()))
                << "term " << seen << " (seed " << seed << ", minor " << opts.minor_version
                << ", compressed " << opts.compressed << ")\n otp: " << etf_test::to_hex(enc)
                << "\n ours: " << etf_test::to_hex(out);
        }
        encode_options plain = opts;
        plain.compressed = -1;
        EXPECT_EQ(encoded_size(*t, plain), encode(*t, plain).size()) << "term " << seen;
    }
    EXPECT_EQ(seen, count);
    EXPECT_GT(exact, count / 2);
}

}  // namespace
}  // namespace otp

// `otpcpp bench` workloads that need no peer, as black boxes: one JSON line, its
// verdict and its figures, and the exit code.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "support/cli.hpp"
#include "support/process.hpp"

using namespace otp::itest;
using namespace std::chrono_literals;

namespace {

const std::string& cli = cli_path();

// The number a JSON line gives `key`, or nullopt.
std::optional<double> number(const std::string& json, const std::string& key) {
    std::smatch m;
    if (!std::regex_search(json, m, std::regex("\"" + key + "\":(-?[0-9.]+)"))) return {};
    return std::stod(m[1]);
}

TEST(CliBench, IdleMeasuresConnectionsAndMailboxes) {
    if (cli.empty()) GTEST_SKIP() << "built without OTPCPP_BUILD_TOOLS";
    process bench({cli, "bench", "--workload", "cpp-idle", "--n", "50", "--mailboxes", "2000",
                   "--cookie", random_cookie()});
    ASSERT_EQ(bench.wait_exit(30s), 0) << bench.out() << bench.err();
    const std::string out = bench.out();
    ASSERT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
    EXPECT_NE(out.find("\"workload\":\"cpp-idle\""), std::string::npos) << out;
    EXPECT_NE(out.find("\"ok\":true"), std::string::npos) << out;
    EXPECT_EQ(number(out, "connections"), 50.0) << out;
    EXPECT_EQ(number(out, "mailboxes"), 2000.0) << out;
    // Sane: something per connection and per mailbox, and not megabytes. Heap bytes
    // come from glibc's allocator; a sanitizer build replaces it and says so.
    const bool heap = out.find("\"heap_measured\":\"yes\"") != std::string::npos;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    EXPECT_NE(out.find("\"heap_measured\":\"no\""), std::string::npos) << out;
#else
    EXPECT_TRUE(heap) << out;
#endif
    std::vector<const char*> keys = {"rss_bytes_per_connection"};
    if (heap) keys.insert(keys.end(), {"bytes_per_connection", "bytes_per_mailbox"});
    for (const char* key : keys) {
        const auto v = number(out, key);
        ASSERT_TRUE(v.has_value()) << key << " missing: " << out;
        EXPECT_GT(*v, 0) << key;
        EXPECT_LT(*v, 1 << 20) << key;
    }
    EXPECT_GT(number(out, "peak_rss_kb").value_or(-1), 0) << out;
}

TEST(CliBench, IdleRefusesAnUnstartableRun) {
    if (cli.empty()) GTEST_SKIP() << "built without OTPCPP_BUILD_TOOLS";
    // More connections than any file descriptor limit allows: refused before anything
    // starts, with one JSON line, not ok, the reason on stderr and a non-zero exit.
    process bench(
        {cli, "bench", "--workload", "cpp-idle", "--n", "2000000000", "--mailboxes", "1"});
    const auto status = bench.wait_exit(10s);
    ASSERT_TRUE(status.has_value());
    EXPECT_NE(*status, 0);
    EXPECT_NE(bench.out().find("\"ok\":false"), std::string::npos) << bench.out();
    EXPECT_NE(bench.err().find("file descriptors"), std::string::npos) << bench.err();
}

}  // namespace

// The epmd client's pure decisions: port choice and reading each kind of reply.
#include "epmd/client_logic.hpp"

#include <gtest/gtest.h>

#include "support/vectors.hpp"

using namespace otp;
using namespace otp::epmd;
using namespace otp::epmd::detail;

namespace {
std::vector<std::uint8_t> vec(const char* name) {
    static const auto v = otp::test::load_hex_vectors("epmd_vectors.txt");
    return v.at(name);
}
std::vector<std::uint8_t> bytes(std::string_view s) {
    return {s.begin(), s.end()};
}

// Feeds a reply one byte at a time, as a slow network would deliver it, then EOF.
struct fed {
    parse_status status;
    reply_value value;
    std::error_code ec;
    std::size_t at;  // bytes seen when the reader decided
};
fed feed_bytewise(request_kind kind, const std::vector<std::uint8_t>& reply) {
    for (std::size_t n = 0; n <= reply.size(); ++n) {
        fed f{parse_status::need_more, {}, {}, n};
        f.status = read_reply(kind, {reply.data(), n}, false, f.value, f.ec);
        if (f.status != parse_status::need_more) return f;
    }
    fed f{parse_status::need_more, {}, {}, reply.size()};
    f.status = read_reply(kind, reply, true, f.value, f.ec);
    return f;
}
}  // namespace

TEST(EpmdClientLogic, PortComesFromOptionsThenEnvironmentThen4369) {
    EXPECT_EQ(choose_port(1234, "5555"), 1234);
    EXPECT_EQ(choose_port(std::nullopt, "5555"), 5555);
    EXPECT_EQ(choose_port(std::nullopt, nullptr), 4369);
    for (const char* bad : {"", "0", "65536", "12x", " 12", "-1", "99999999999"})
        EXPECT_EQ(choose_port(std::nullopt, bad), 4369) << bad;
    EXPECT_EQ(parse_port("65535"), 65535);
    EXPECT_EQ(parse_port("+5"), std::nullopt);
}

TEST(EpmdClientLogic, RegistrationRepliesBytewise) {
    auto ok = vec("alive2_x_resp_ok_creation_masked");
    ok.insert(ok.end(), {0x6B, 0x05, 0x92, 0xE4});
    auto f = feed_bytewise(request_kind::alive2, ok);
    ASSERT_EQ(f.status, parse_status::done);
    EXPECT_EQ(f.at, ok.size());
    EXPECT_EQ(std::get<alive2_result>(f.value).creation, 0x6B0592E4u);

    f = feed_bytewise(request_kind::alive2, vec("alive2_x_resp_duplicate"));
    EXPECT_EQ(f.status, parse_status::done);
    EXPECT_EQ(f.ec, epmd_errc::name_taken);
}

TEST(EpmdClientLogic, RegistrationCutShortOrPadded) {
    reply_value v;
    std::error_code ec;
    // epmd hangs up without a word on requests it ignores (e.g. from a remote host).
    EXPECT_EQ(read_reply(request_kind::alive2, {}, true, v, ec), parse_status::error);
    EXPECT_EQ(ec, epmd_errc::closed);
    const auto dup = vec("alive2_x_resp_duplicate");
    ec = {};
    EXPECT_EQ(read_reply(request_kind::alive2, {dup.data(), 3}, true, v, ec), parse_status::error);
    EXPECT_EQ(ec, epmd_errc::malformed_reply);
    auto padded = dup;
    padded.push_back(0);
    ec = {};
    EXPECT_EQ(read_reply(request_kind::alive2, padded, false, v, ec), parse_status::error);
    EXPECT_EQ(ec, epmd_errc::malformed_reply);
    ec = {};
    const std::vector<std::uint8_t> garbage = bytes("HTTP/1.1 400");
    EXPECT_EQ(read_reply(request_kind::alive2, garbage, false, v, ec), parse_status::error);
    EXPECT_EQ(ec, epmd_errc::malformed_reply);
}

TEST(EpmdClientLogic, PortPleaseRepliesBytewise) {
    auto f = feed_bytewise(request_kind::port_please2, vec("port2_resp_srv"));
    ASSERT_EQ(f.status, parse_status::done);
    EXPECT_FALSE(f.ec);
    EXPECT_EQ(std::get<node_entry>(f.value).port, 43135);
    f = feed_bytewise(request_kind::port_please2, vec("port2_resp_missing"));
    EXPECT_EQ(f.status, parse_status::done);
    EXPECT_EQ(f.ec, epmd_errc::not_found);
    EXPECT_TRUE(std::holds_alternative<std::monostate>(f.value));
    auto cut = vec("port2_resp_srv");
    cut.pop_back();
    f = feed_bytewise(request_kind::port_please2, cut);
    EXPECT_EQ(f.status, parse_status::error);
    EXPECT_EQ(f.ec, epmd_errc::malformed_reply);
}

TEST(EpmdClientLogic, NamesAndDumpWaitForEof) {
    auto f = feed_bytewise(request_kind::names, vec("names_resp"));
    ASSERT_EQ(f.status, parse_status::done);
    const auto& names = std::get<names_reply>(f.value);
    EXPECT_EQ(names.epmd_port, 53103u);
    ASSERT_EQ(names.nodes.size(), 3u);
    EXPECT_EQ(names.nodes[2], (name_port{"srv", 43135}));

    f = feed_bytewise(request_kind::dump, vec("dump_resp"));
    ASSERT_EQ(f.status, parse_status::done);
    EXPECT_EQ(std::get<dump_reply>(f.value).text.size(), vec("dump_resp").size() - 4);

    f = feed_bytewise(request_kind::names, {});
    EXPECT_EQ(f.status, parse_status::error);
    EXPECT_EQ(f.ec, epmd_errc::closed);
    f = feed_bytewise(request_kind::names, {0, 0, 1});
    EXPECT_EQ(f.ec, epmd_errc::malformed_reply);
    f = feed_bytewise(request_kind::names, bytes(std::string("\0\0\1\1garbage\n", 12)));
    EXPECT_EQ(f.status, parse_status::error);
    EXPECT_EQ(f.ec, epmd_errc::malformed_reply);
}

TEST(EpmdClientLogic, KillAndStopKeepTheWord) {
    auto f = feed_bytewise(request_kind::kill, vec("kill_resp"));
    ASSERT_EQ(f.status, parse_status::done);
    EXPECT_EQ(std::get<std::string>(f.value), "OK");
    f = feed_bytewise(request_kind::kill, bytes("NO"));
    EXPECT_EQ(f.ec, epmd_errc::refused);
    f = feed_bytewise(request_kind::stop, vec("stop_resp_missing"));
    EXPECT_EQ(f.ec, epmd_errc::not_found);
    EXPECT_EQ(std::get<std::string>(f.value), "NOEXISTSTOPPED");
    f = feed_bytewise(request_kind::stop, {});
    EXPECT_EQ(f.status, parse_status::error);
    EXPECT_EQ(f.ec, epmd_errc::refused);
}

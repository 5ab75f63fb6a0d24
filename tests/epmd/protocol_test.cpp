// epmd codecs against bytes captured from the real epmd and erl (OTP 25.2.3).
#include "otp/epmd_protocol.hpp"

#include <gtest/gtest.h>

#include "support/vectors.hpp"

using namespace otp;
using namespace otp::epmd;

namespace {
const auto& vectors() {
    static const auto v = otp::test::load_hex_vectors("epmd_vectors.txt");
    return v;
}
std::vector<std::uint8_t> vec(const char* name) {
    return vectors().at(name);
}
node_entry named(std::string name) {
    node_entry n;
    n.name = std::move(name);
    n.port = 1;
    return n;
}
// A request as the server sees it: the vectors hold bodies, requests carry a u16 length.
std::vector<std::uint8_t> framed(const std::vector<std::uint8_t>& body) {
    std::vector<std::uint8_t> out;
    out.reserve(body.size() + 2);
    out.push_back(static_cast<std::uint8_t>(body.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(body.size()));
    for (std::uint8_t b : body)
        out.push_back(b);
    return out;
}
}  // namespace

TEST(EpmdProtocol, Alive2RequestMatchesCapture) {
    node_entry n{"cpp1", 9999, node_type_hidden, 0, 6, 5, ""};
    EXPECT_EQ(encode_alive2_request(n).value(), framed(vec("alive2_req_hidden")));
}

TEST(EpmdProtocol, ParsesWhatErlSendsWhenRegistering) {
    request r;
    std::size_t used = 0;
    std::error_code ec;
    const auto bytes = framed(vec("erl_alive2_req_visible"));
    ASSERT_EQ(parse_request(bytes, r, used, ec), parse_status::done) << ec.message();
    EXPECT_EQ(used, bytes.size());
    const auto& a = std::get<alive2_request>(r).node;
    EXPECT_EQ(a, (node_entry{"rec", 43136, node_type_normal, 0, 6, 5, ""}));
    // erl registers hidden nodes as type 77 too.
    EXPECT_EQ(vec("erl_alive2_req_hidden"), vec("erl_alive2_req_visible"));
}

TEST(EpmdProtocol, Alive2Replies) {
    alive2_result res;
    std::size_t used = 0;
    std::error_code ec;
    const auto dup = vec("alive2_x_resp_duplicate");
    ASSERT_EQ(parse_alive2_reply(dup, res, used, ec), parse_status::done);
    EXPECT_EQ(ec, epmd_errc::name_taken);
    EXPECT_EQ(res.creation, 99u);
    EXPECT_EQ(encode_alive2_reply(false, 99, true), dup);

    auto ok = vec("alive2_x_resp_ok_creation_masked");
    ok.insert(ok.end(), {0x6B, 0x05, 0x92, 0xE4});
    ec = {};
    ASSERT_EQ(parse_alive2_reply(ok, res, used, ec), parse_status::done);
    EXPECT_FALSE(ec);
    EXPECT_EQ(res.creation, 0x6B0592E4u);
    EXPECT_TRUE(res.extended);

    auto old = vec("alive2_resp_old_ok_prefix");
    EXPECT_EQ(old[0], static_cast<std::uint8_t>(code::alive2_resp));
    old.insert(old.end(), {0x00, 0x02});
    ASSERT_EQ(parse_alive2_reply(old, res, used, ec), parse_status::done);
    EXPECT_EQ(used, 4u);
    EXPECT_FALSE(res.extended);
    EXPECT_EQ(res.creation, 2u);
}

TEST(EpmdProtocol, Port2Replies) {
    EXPECT_EQ(encode_port_please2_request("srv").value(), framed(vec("port_please2_req_srv")));
    node_entry n;
    std::size_t used = 0;
    std::error_code ec;
    const auto srv = vec("port2_resp_srv");
    ASSERT_EQ(parse_port2_reply(srv, n, used, ec), parse_status::done);
    EXPECT_FALSE(ec);
    EXPECT_EQ(n, (node_entry{"srv", 43135, node_type_normal, 0, 6, 5, ""}));
    EXPECT_EQ(used, srv.size());
    EXPECT_EQ(encode_port2_reply(&n), srv);

    node_entry cpp{"cpp1", 9999, node_type_hidden, 0, 6, 5, ""};
    EXPECT_EQ(encode_port2_reply(&cpp), vec("port2_resp_cpp1"));

    const auto missing = vec("port2_resp_missing");
    ASSERT_EQ(parse_port2_reply(missing, n, used, ec), parse_status::done);
    EXPECT_EQ(ec, epmd_errc::not_found);
    EXPECT_EQ(encode_port2_reply(nullptr), missing);
}

TEST(EpmdProtocol, NamesAndDumpText) {
    EXPECT_EQ(encode_simple_request(code::names_req), framed(vec("names_req")));
    const auto names = vec("names_resp");
    std::uint32_t port = 0;
    std::string text;
    std::error_code ec;
    EXPECT_EQ(parse_text_reply(names, false, port, text, ec), parse_status::need_more);
    ASSERT_EQ(parse_text_reply(names, true, port, text, ec), parse_status::done);
    EXPECT_EQ(port, 53103u);
    const auto entries = parse_names_text(text).value();
    EXPECT_EQ(entries, (std::vector<name_port>{{"old5", 9998}, {"cpp1", 9999}, {"srv", 43135}}));
    EXPECT_EQ(encode_text_reply(53103, text), names);
    EXPECT_EQ(parse_names_text("name x at port\n").error(), epmd_errc::malformed_reply);
    EXPECT_EQ(parse_names_text("name x at port 1").error(), epmd_errc::malformed_reply);
    EXPECT_EQ(parse_names_text("name x at port 99999\n").error(), epmd_errc::malformed_reply);
    EXPECT_EQ(parse_names_text("name a b at port 5\n").value()[0].name, "a b");
    const std::uint8_t tiny[] = {0, 0};
    EXPECT_EQ(parse_text_reply(tiny, true, port, text, ec), parse_status::error);
}

TEST(EpmdProtocol, RejectsNamesEpmdWouldNot) {
    EXPECT_EQ(encode_alive2_request(named("")).error(), epmd_errc::invalid_name);
    EXPECT_EQ(encode_alive2_request(named(std::string("a\0b", 3))).error(),
              epmd_errc::invalid_name);
    EXPECT_EQ(encode_alive2_request(named(std::string(256, 'a'))).error(), epmd_errc::invalid_name);
    EXPECT_EQ(encode_alive2_request(named("\xFF")).error(), epmd_errc::invalid_name);
    EXPECT_TRUE(encode_alive2_request(named(std::string(255, 'a'))).has_value());
    EXPECT_EQ(encode_port_please2_request("").error(), epmd_errc::invalid_name);
}

TEST(EpmdProtocol, ServerParsesEveryRequestKind) {
    const std::pair<std::vector<std::uint8_t>, std::size_t> cases[] = {
        {framed(vec("names_req")), 2},
        {encode_simple_request(code::dump_req), 3},
        {encode_simple_request(code::kill_req), 4},
        {encode_stop_request("cpp1").value(), 5},
        {encode_port_please2_request("srv").value(), 1},
    };
    for (const auto& [bytes, index] : cases) {
        request r;
        std::size_t used = 0;
        std::error_code ec;
        ASSERT_EQ(parse_request(bytes, r, used, ec), parse_status::done);
        EXPECT_EQ(r.index(), index);
    }
    // A trailing NUL after a PORT_PLEASE2 name is tolerated, as epmd does.
    request r;
    std::size_t used = 0;
    std::error_code ec;
    const std::uint8_t nul[] = {0, 5, 'z', 's', 'r', 'v', 0};
    ASSERT_EQ(parse_request(nul, r, used, ec), parse_status::done);
    EXPECT_EQ(std::get<port_please2_request>(r).name, "srv");
}

TEST(EpmdProtocol, EveryReplySplitAtEveryOffset) {
    for (const char* name : {"port2_resp_srv", "port2_resp_cpp1", "alive2_x_resp_duplicate"}) {
        const auto bytes = vec(name);
        for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
            std::span<const std::uint8_t> part(bytes.data(), cut);
            node_entry n;
            alive2_result a;
            std::size_t used = 0;
            std::error_code ec;
            const auto st = bytes[0] == static_cast<std::uint8_t>(code::port2_resp)
                                ? parse_port2_reply(part, n, used, ec)
                                : parse_alive2_reply(part, a, used, ec);
            EXPECT_EQ(st, parse_status::need_more) << name << " cut " << cut;
        }
    }
}

TEST(EpmdProtocol, EveryRequestSplitAtEveryOffsetAndOversized) {
    for (const char* name :
         {"erl_alive2_req_visible", "alive2_req_hidden", "port_please2_req_srv"}) {
        const auto bytes = framed(vec(name));
        for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
            request r;
            std::size_t used = 0;
            std::error_code ec;
            EXPECT_EQ(parse_request({bytes.data(), cut}, r, used, ec), parse_status::need_more)
                << name << " cut " << cut;
        }
    }
    request r;
    std::size_t used = 0;
    std::error_code ec;
    const std::uint8_t zero[] = {0, 0};
    EXPECT_EQ(parse_request(zero, r, used, ec), parse_status::error);
    EXPECT_EQ(ec, epmd_errc::request_too_large);
    const std::uint8_t huge[] = {0x0B, 0xF2};  // 3058
    EXPECT_EQ(parse_request(huge, r, used, ec), parse_status::error);
    EXPECT_EQ(ec, epmd_errc::request_too_large);
}

TEST(EpmdProtocol, MalformedRequests) {
    const std::vector<std::vector<std::uint8_t>> bad = {
        {0, 1, 'Q'},                                             // unknown code
        {0, 5, 'x', 0, 1, 77, 0},                                // ALIVE2 too short
        {0, 13, 'x', 0, 1, 77, 0, 0, 6, 0, 5, 0, 9, 0, 0},       // name overruns
        {0, 14, 'x', 0, 1, 77, 0, 0, 6, 0, 5, 0, 1, 'a', 0, 9},  // extra overruns
    };
    for (const auto& b : bad) {
        request r;
        std::size_t used = 0;
        std::error_code ec;
        EXPECT_EQ(parse_request(b, r, used, ec), parse_status::error);
        EXPECT_EQ(ec, epmd_errc::malformed_request);
    }
    request r;
    std::size_t used = 0;
    std::error_code ec;
    const std::uint8_t empty_name[] = {0, 13, 'x', 0, 1, 77, 0, 0, 6, 0, 5, 0, 0, 0, 0};
    EXPECT_EQ(parse_request(empty_name, r, used, ec), parse_status::error);
    EXPECT_EQ(ec, epmd_errc::invalid_name);
}

TEST(EpmdProtocol, KillReplies) {
    const auto ok = vec("kill_resp");
    std::error_code ec;
    EXPECT_EQ(parse_kill_reply(ok, false, ec), parse_status::done);
    EXPECT_FALSE(ec);
    EXPECT_EQ(parse_kill_reply({ok.data(), 1}, false, ec), parse_status::need_more);
    EXPECT_EQ(parse_kill_reply({ok.data(), 1}, true, ec), parse_status::error);
    EXPECT_EQ(ec, epmd_errc::malformed_reply);
    ec = {};
    const std::uint8_t no[] = {'N', 'O'};
    EXPECT_EQ(parse_kill_reply(no, false, ec), parse_status::done);
    EXPECT_EQ(ec, epmd_errc::refused);
    ec = {};
    EXPECT_EQ(parse_kill_reply({}, true, ec), parse_status::error);
    EXPECT_EQ(ec, epmd_errc::refused);
    ec = {};
    const std::uint8_t junk[] = {'O', 'X'};
    EXPECT_EQ(parse_kill_reply(junk, false, ec), parse_status::error);
    EXPECT_EQ(ec, epmd_errc::malformed_reply);
}

TEST(EpmdProtocol, StopRepliesSplitAtEveryOffset) {
    for (const char* name : {"stop_resp_cpp1", "stop_resp_missing"}) {
        const auto bytes = vec(name);
        for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
            std::error_code ec;
            EXPECT_EQ(parse_stop_reply({bytes.data(), cut}, false, ec), parse_status::need_more)
                << name << " cut " << cut;
        }
    }
    std::error_code ec;
    EXPECT_EQ(parse_stop_reply(vec("stop_resp_cpp1"), false, ec), parse_status::done);
    EXPECT_FALSE(ec);
    EXPECT_EQ(parse_stop_reply(vec("stop_resp_missing"), false, ec), parse_status::done);
    EXPECT_EQ(ec, epmd_errc::not_found);
    // epmd closing right after NOEXIST still tells the whole story.
    ec = {};
    const auto missing = vec("stop_resp_missing");
    EXPECT_EQ(parse_stop_reply({missing.data(), 7}, true, ec), parse_status::done);
    EXPECT_EQ(ec, epmd_errc::not_found);
    // Without -relaxed_command_check epmd closes without a word.
    ec = {};
    EXPECT_EQ(parse_stop_reply({}, true, ec), parse_status::error);
    EXPECT_EQ(ec, epmd_errc::refused);
    ec = {};
    EXPECT_EQ(parse_stop_reply({missing.data(), 3}, true, ec), parse_status::error);
    EXPECT_EQ(ec, epmd_errc::malformed_reply);
}

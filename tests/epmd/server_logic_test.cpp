// The embedded epmd server's pure decisions, against what the real epmd does.
#include "epmd/server_logic.hpp"

#include <gtest/gtest.h>

#include "support/vectors.hpp"

using namespace otp;
using namespace otp::epmd;

namespace {
std::vector<std::uint8_t> vec(const char* name) {
    static const auto v = otp::test::load_hex_vectors("epmd_vectors.txt");
    return v.at(name);
}
std::vector<std::uint8_t> bytes(std::string_view s) {
    return {s.begin(), s.end()};
}
node_entry node(const char* name, std::uint16_t port) {
    return {name, port, node_type_normal, 0, 6, 5, ""};
}
request parsed(const std::vector<std::uint8_t>& wire) {
    const server_input in = read_request(wire);
    EXPECT_EQ(in.status, parse_status::done) << in.ec.message();
    return in.req;
}
constexpr bool local = true;
constexpr bool remote = false;
ip_bytes v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    return {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, a, b, c, d};
}
}  // namespace

TEST(EpmdServerLogic, ReadsOneRequestSplitAnywhere) {
    const auto wire = encode_alive2_request(node("cpp1", 9999)).value();
    for (std::size_t cut = 0; cut < wire.size(); ++cut)
        EXPECT_EQ(read_request({wire.data(), cut}).status, parse_status::need_more) << cut;
    EXPECT_EQ(read_request(wire).status, parse_status::done);
    // epmd closes a connection whose packet is longer than its length ("got 16 bytes
    // in packet, expected 15").
    auto longer = wire;
    longer.push_back('Z');
    const server_input in = read_request(longer);
    EXPECT_EQ(in.status, parse_status::error);
    EXPECT_EQ(in.ec, epmd_errc::malformed_request);
    EXPECT_EQ(read_request(bytes(std::string("\x0c\x00", 2))).ec, epmd_errc::request_too_large);
}

TEST(EpmdServerLogic, RegistrationAndRefusal) {
    registry reg(0x6B0592E4);
    const server_policy policy{false, 53103};
    auto d =
        handle_request(reg, 1, parsed(encode_alive2_request(node("a", 10)).value()), local, policy);
    EXPECT_EQ(d.then, after_reply::keep_registration);
    EXPECT_EQ(d.reply, (std::vector<std::uint8_t>{0x76, 0, 0x6B, 0x05, 0x92, 0xE4}));
    EXPECT_TRUE(d.refusal.empty());

    d = handle_request(reg, 2, parsed(encode_alive2_request(node("a", 11)).value()), local, policy);
    EXPECT_EQ(d.reply, vec("alive2_x_resp_duplicate"));
    EXPECT_EQ(d.then, after_reply::linger);
    EXPECT_FALSE(d.refusal.empty());

    // Only a local peer may register; epmd hangs up on others without a word.
    d = handle_request(reg, 3, parsed(encode_alive2_request(node("b", 12)).value()), remote,
                       policy);
    EXPECT_TRUE(d.reply.empty());
    EXPECT_EQ(d.then, after_reply::close);
    EXPECT_EQ(reg.find("b"), nullptr);

    // The same name registered again after its connection closed gets a new creation.
    reg.connection_closed(1);
    d = handle_request(reg, 4, parsed(encode_alive2_request(node("a", 10)).value()), local, policy);
    EXPECT_EQ(d.reply, (std::vector<std::uint8_t>{0x76, 0, 0x6B, 0x05, 0x92, 0xE5}));
}

TEST(EpmdServerLogic, LookupsAnswerEveryone) {
    registry reg(4);
    const server_policy policy{false, 53103};
    handle_request(reg, 5, parsed(encode_alive2_request(node("srv", 43135)).value()), local,
                   policy);
    auto d =
        handle_request(reg, 6, parsed(encode_port_please2_request("srv").value()), remote, policy);
    EXPECT_EQ(d.reply, vec("port2_resp_srv"));
    EXPECT_EQ(d.then, after_reply::close);
    d = handle_request(reg, 6, parsed(encode_port_please2_request("nope").value()), remote, policy);
    EXPECT_EQ(d.reply, vec("port2_resp_missing"));
    d = handle_request(reg, 7, names_request{}, remote, policy);
    auto names = d.reply;
    EXPECT_EQ(std::vector<std::uint8_t>(names.begin(), names.begin() + 4),
              (std::vector<std::uint8_t>{0, 0, 0xCF, 0x6F}));
    EXPECT_EQ(std::string(names.begin() + 4, names.end()), "name srv at port 43135\n");
    d = handle_request(reg, 8, dump_request{}, remote, policy);
    EXPECT_TRUE(d.reply.empty());
    d = handle_request(reg, 8, dump_request{}, local, policy);
    EXPECT_EQ(std::string(d.reply.begin() + 4, d.reply.end()),
              std::string("active name     <srv> at port 43135, fd = 5\n\0", 45));
}

TEST(EpmdServerLogic, KillOnlyWithoutNodesUnlessRelaxed) {
    registry reg(4);
    server_policy strict{false, 1};
    server_policy relaxed{true, 1};
    auto d = handle_request(reg, 1, kill_request{}, remote, strict);
    EXPECT_TRUE(d.reply.empty());
    EXPECT_EQ(d.then, after_reply::close);
    handle_request(reg, 2, alive2_request{node("a", 1)}, local, strict);
    d = handle_request(reg, 3, kill_request{}, local, strict);
    EXPECT_EQ(d.reply, bytes("NO"));
    EXPECT_EQ(d.then, after_reply::close);
    d = handle_request(reg, 3, kill_request{}, local, relaxed);
    EXPECT_EQ(d.reply, vec("kill_resp"));
    EXPECT_EQ(d.then, after_reply::stop_server);
    reg.connection_closed(2);
    d = handle_request(reg, 4, kill_request{}, local, strict);
    EXPECT_EQ(d.reply, bytes("OK"));
    EXPECT_EQ(d.then, after_reply::stop_server);
}

TEST(EpmdServerLogic, StopOnlyWhenRelaxed) {
    registry reg(4);
    server_policy strict{false, 1};
    server_policy relaxed{true, 1};
    handle_request(reg, 9, alive2_request{node("cpp1", 1)}, local, strict);
    auto d = handle_request(reg, 1, stop_request{"cpp1"}, local, strict);
    EXPECT_TRUE(d.reply.empty());
    EXPECT_FALSE(d.refusal.empty());
    EXPECT_NE(reg.find("cpp1"), nullptr);
    d = handle_request(reg, 1, stop_request{"cpp1"}, remote, relaxed);
    EXPECT_TRUE(d.reply.empty());
    d = handle_request(reg, 1, stop_request{"nope"}, local, relaxed);
    EXPECT_EQ(d.reply, vec("stop_resp_missing"));
    EXPECT_EQ(d.evict, 0u);
    d = handle_request(reg, 1, stop_request{"cpp1"}, local, relaxed);
    EXPECT_EQ(d.reply, vec("stop_resp_cpp1"));
    EXPECT_EQ(d.evict, 9u);
    EXPECT_EQ(reg.find("cpp1"), nullptr);
    d = handle_request(reg, 1, stop_request{""}, local, relaxed);
    EXPECT_TRUE(d.reply.empty());
}

TEST(EpmdServerLogic, LocalPeers) {
    ip_bytes v6_loopback{};
    v6_loopback[15] = 1;
    ip_bytes v6_other{};
    v6_other[0] = 0xfd;
    v6_other[15] = 2;
    const ip_bytes own = v4(192, 0, 2, 2);
    EXPECT_TRUE(is_local_peer(v4(127, 0, 0, 1), own));
    EXPECT_TRUE(is_local_peer(v4(127, 1, 2, 3), own));
    EXPECT_TRUE(is_local_peer(v6_loopback, own));
    EXPECT_TRUE(is_local_peer(own, own));
    EXPECT_TRUE(is_local_peer(v6_other, v6_other));
    EXPECT_FALSE(is_local_peer(v4(192, 0, 2, 3), own));
    EXPECT_FALSE(is_local_peer(v6_other, own));
    EXPECT_FALSE(is_local_peer(v4(128, 0, 0, 1), own));
}

// The embedded epmd server's decisions.
#include "epmd/server_logic.hpp"

#include <algorithm>

namespace otp::epmd {
namespace {

std::vector<std::uint8_t> bytes_of(std::string_view s) {
    return {s.begin(), s.end()};
}

server_decision silent(std::string_view why) {
    server_decision d;
    d.refusal = why;
    return d;
}

}  // namespace

server_input read_request(std::span<const std::uint8_t> in) {
    server_input out;
    std::size_t used = 0;
    out.status = parse_request(in, out.req, used, out.ec);
    if (out.status == parse_status::done && used != in.size()) {
        out.status = parse_status::error;
        out.ec = epmd_errc::malformed_request;
    }
    return out;
}

server_decision handle_request(registry& reg, registry::conn_id conn, const request& req,
                               bool local_peer, const server_policy& policy) {
    if (const auto* a = std::get_if<alive2_request>(&req)) {
        if (!local_peer) return silent("ALIVE2_REQ from a remote peer");
        server_decision d;
        auto r = reg.register_node(conn, a->node);
        if (r) {
            d.reply = encode_alive2_reply(true, r->creation, r->extended);
            d.then = after_reply::keep_registration;
        } else {
            // epmd answers a refusal with creation 99 and leaves the socket to the node.
            d.reply = encode_alive2_reply(false, 99, a->node.highest_version >= 6);
            d.then = after_reply::linger;
            d.refusal = "name already registered or not acceptable";
        }
        return d;
    }
    if (const auto* p = std::get_if<port_please2_request>(&req)) {
        server_decision d;
        d.reply = encode_port2_reply(reg.find(p->name));
        return d;
    }
    if (std::holds_alternative<names_request>(req)) {
        server_decision d;
        d.reply = encode_text_reply(policy.port, reg.names_text());
        return d;
    }
    if (std::holds_alternative<dump_request>(req)) {
        if (!local_peer) return silent("DUMP_REQ from a remote peer");
        server_decision d;
        d.reply = encode_text_reply(policy.port, reg.dump_text());
        return d;
    }
    if (std::holds_alternative<kill_request>(req)) {
        if (!local_peer) return silent("KILL_REQ from a remote peer");
        server_decision d;
        if (reg.size() > 0 && !policy.relaxed_command_check) {
            d.reply = bytes_of("NO");
            d.refusal = "KILL_REQ while nodes are registered";
            return d;
        }
        d.reply = bytes_of("OK");
        d.then = after_reply::stop_server;
        return d;
    }
    const auto& s = std::get<stop_request>(req);
    if (!local_peer) return silent("STOP_REQ from a remote peer");
    if (!policy.relaxed_command_check) return silent("STOP_REQ without relaxed_command_check");
    if (s.name.empty()) return silent("STOP_REQ without a name");
    server_decision d;
    d.evict = reg.stop(s.name);
    // epmd answers an unknown name with NOEXIST and then STOPPED all the same.
    d.reply = bytes_of(d.evict == 0 ? "NOEXISTSTOPPED" : "STOPPED");
    return d;
}

bool is_local_peer(const ip_bytes& peer, const ip_bytes& local) noexcept {
    static constexpr std::uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    const bool v4 =
        std::equal(std::begin(v4_mapped_prefix), std::end(v4_mapped_prefix), peer.begin());
    if (v4 && peer[12] == 127) return true;
    ip_bytes v6_loopback{};
    v6_loopback[15] = 1;
    return peer == v6_loopback || peer == local;
}

}  // namespace otp::epmd

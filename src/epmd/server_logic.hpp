// The embedded epmd server's decisions, kept apart from its sockets: reading a
// request off a connection, who counts as a local peer, and what to answer. Pure: no
// I/O, no clock, no logging (the reason for a refusal is returned for the caller to log).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <system_error>
#include <vector>

#include "epmd/registry.hpp"
#include "otp/epmd_protocol.hpp"

namespace otp::epmd {

/// Bytes a server connection may buffer: the u16 length and the largest request body.
inline constexpr std::size_t max_request_buffer = 2 + max_request_size;

/// What the bytes received on a connection amount to.
struct server_input {
    parse_status status = parse_status::need_more;  ///< done: `req` holds the request
    request req;
    std::error_code ec;  ///< why the connection must close when status is error
};

/// Reads the one request a connection carries. Bytes beyond it are an error
/// (malformed_request), as epmd closes a connection whose packet is longer than its
/// length says.
server_input read_request(std::span<const std::uint8_t> in);

/// What the connection does once the reply is written.
enum class after_reply {
    close,              ///< close the connection (one request per connection)
    keep_registration,  ///< hold it open; any byte, EOF or error on it unregisters
    linger,             ///< a refused ALIVE2: stays open, unregistered, until idle or EOF
    stop_server,        ///< KILL accepted: stop the whole server
};

/// The server's answer to one request.
struct server_decision {
    std::vector<std::uint8_t> reply;  ///< may be empty: close without a word
    after_reply then = after_reply::close;
    registry::conn_id evict = 0;  ///< a connection STOP unregistered; close it too
    std::string_view refusal;     ///< non-empty: why the request was not served, to log
};

/// Settings that change the answers.
struct server_policy {
    bool relaxed_command_check = false;  ///< allow STOP, and KILL with nodes registered
    std::uint32_t port = 0;              ///< the port reported in NAMES and DUMP replies
};

/// Answers a request from connection `conn` as epmd would, updating the registry.
/// ALIVE2, DUMP, KILL and STOP from a peer that is not local are closed without reply.
server_decision handle_request(registry& reg, registry::conn_id conn, const request& req,
                               bool local_peer, const server_policy& policy);

/// An IP address as 16 bytes, IPv4 as an IPv4-mapped IPv6 address (::ffff:a.b.c.d).
using ip_bytes = std::array<std::uint8_t, 16>;

/// Whether epmd would treat a peer as local: loopback (127.0.0.0/8, ::1) or the very
/// address the connection arrived on (the host talking to itself over its own IP).
bool is_local_peer(const ip_bytes& peer, const ip_bytes& local) noexcept;

}  // namespace otp::epmd

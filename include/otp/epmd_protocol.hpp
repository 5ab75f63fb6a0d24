// The epmd wire protocol as pure encoders and incremental parsers (no I/O).
//
// Requests are `u16 length` + body; replies have no length prefix and depend on the
// request, so each reply has its own parser. Parsers take the bytes received so
// far and report need_more until a whole reply is there.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "otp/error.hpp"

namespace otp {

/// Errors of the epmd client and server. None is fatal to the process.
enum class epmd_errc {
    unreachable = 1,    ///< no epmd answered at host:port
    name_taken,         ///< ALIVE2 refused: the name is registered already (or invalid)
    not_found,          ///< PORT_PLEASE2: no node of that name
    malformed_reply,    ///< a reply that does not follow the protocol
    malformed_request,  ///< a request that does not follow the protocol
    request_too_large,  ///< a request length outside 1..3057, as epmd refuses
    timeout,            ///< epmd did not answer in time
    closed,             ///< epmd closed the connection (e.g. our registration)
    invalid_name,       ///< a node name epmd would not accept (empty, NUL, > 255 chars)
    refused,            ///< epmd answered NO / did not act (KILL with nodes, STOP unrelaxed)
};
/// The category of epmd_errc values; its name is "otp.epmd".
const std::error_category& epmd_category() noexcept;
inline std::error_code make_error_code(epmd_errc e) noexcept {
    return {static_cast<int>(e), epmd_category()};
}

namespace epmd {

/// Request and reply codes.
enum class code : std::uint8_t {
    alive2_req = 120,
    alive2_x_resp = 118,
    alive2_resp = 121,
    port_please2_req = 122,
    port2_resp = 119,
    names_req = 110,
    dump_req = 100,
    kill_req = 107,
    stop_req = 115,
};

/// Node types epmd stores (informational: OTP sends 77 even for hidden nodes).
inline constexpr std::uint8_t node_type_normal = 77;
inline constexpr std::uint8_t node_type_hidden = 72;
/// Largest request body epmd accepts (its input buffer is 3 x 1020 bytes).
inline constexpr std::size_t max_request_size = 3057;
/// Longest node name (alive part) in bytes epmd stores (255 characters of UTF-8).
inline constexpr std::size_t max_name_bytes = 1020;

/// What a node tells epmd when it registers, and what PORT_PLEASE2 returns.
struct node_entry {
    std::string name;  ///< alive part only (no @host), UTF-8
    std::uint16_t port = 0;
    std::uint8_t node_type = node_type_normal;
    std::uint8_t protocol = 0;  ///< 0 = TCP (IPv4 or IPv6)
    std::uint16_t highest_version = 6;
    std::uint16_t lowest_version = 5;  ///< what erl of OTP 23-28 sends
    std::string extra;
    friend bool operator==(const node_entry&, const node_entry&) = default;
};

/// One "name N at port P" line of a NAMES reply.
struct name_port {
    std::string name;
    std::uint16_t port = 0;
    friend bool operator==(const name_port&, const name_port&) = default;
};

/// A NAMES reply: the port epmd says it listens on, and the registered nodes.
struct names_reply {
    std::uint32_t epmd_port = 0;
    std::vector<name_port> nodes;  ///< in epmd's order (newest registration first)
};

/// A DUMP reply: epmd's port and its text, entries separated by NUL bytes as epmd sends.
struct dump_reply {
    std::uint32_t epmd_port = 0;
    std::string text;
};

/// The result of registering: epmd's creation for this incarnation.
struct alive2_result {
    std::uint32_t creation = 0;
    bool extended = true;  ///< ALIVE2_X_RESP (32-bit creation) rather than ALIVE2_RESP
};

// --- client side: encoders -----------------------------------------------------------

/// ALIVE2_REQ with its length prefix; invalid_name if epmd would reject the name.
result<std::vector<std::uint8_t>> encode_alive2_request(const node_entry& node);
/// PORT_PLEASE2_REQ for the alive part of a node name.
result<std::vector<std::uint8_t>> encode_port_please2_request(std::string_view name);
/// NAMES_REQ, DUMP_REQ, KILL_REQ.
std::vector<std::uint8_t> encode_simple_request(code c);
/// STOP_REQ for a name (epmd acts only when started with -relaxed_command_check).
result<std::vector<std::uint8_t>> encode_stop_request(std::string_view name);

// --- client side: reply parsers ------------------------------------------------------

/// A parser's verdict on the bytes so far.
enum class parse_status {
    done,       ///< a whole reply was parsed; `used` bytes were consumed
    need_more,  ///< the reply is incomplete; call again with more bytes
    error,      ///< the bytes cannot be a valid reply (epmd_errc::malformed_reply)
};

/// Parses ALIVE2_X_RESP or ALIVE2_RESP. A refusal is done with ec = name_taken.
parse_status parse_alive2_reply(std::span<const std::uint8_t> in, alive2_result& out,
                                std::size_t& used, std::error_code& ec);
/// Parses PORT2_RESP. "Not found" is done with ec = not_found.
parse_status parse_port2_reply(std::span<const std::uint8_t> in, node_entry& out, std::size_t& used,
                               std::error_code& ec);
/// Parses a NAMES or DUMP reply: epmd's port, then text until epmd closes. Call with
/// `at_eof` once the connection closed; before that the status is need_more.
parse_status parse_text_reply(std::span<const std::uint8_t> in, bool at_eof,
                              std::uint32_t& epmd_port, std::string& text, std::error_code& ec);
/// Parses the KILL reply: "OK" is done; "NO" (nodes are registered) is done with ec =
/// refused; a close without a reply (not a local peer) is an error with ec = refused.
parse_status parse_kill_reply(std::span<const std::uint8_t> in, bool at_eof, std::error_code& ec);
/// Parses the STOP reply: "STOPPED" is done; "NOEXIST" then "STOPPED" is done with ec =
/// not_found; a close without a reply (no -relaxed_command_check) is an error with ec =
/// refused.
parse_status parse_stop_reply(std::span<const std::uint8_t> in, bool at_eof, std::error_code& ec);
/// Splits NAMES text ("name N at port P\n" lines) into entries; malformed lines are an
/// error rather than skipped, so a confused epmd is noticed.
result<std::vector<name_port>> parse_names_text(std::string_view text);

// --- server side ---------------------------------------------------------------------

/// A decoded request.
struct alive2_request {
    node_entry node;
};
struct port_please2_request {
    std::string name;
};
struct names_request {};
struct dump_request {};
struct kill_request {};
struct stop_request {
    std::string name;
};
using request = std::variant<alive2_request, port_please2_request, names_request, dump_request,
                             kill_request, stop_request>;

/// Parses one length-prefixed request. Errors: request_too_large (length 0 or over
/// 3057), malformed_request (unknown code, fields that overrun the packet),
/// invalid_name (empty name or a NUL byte: epmd closes without a reply).
parse_status parse_request(std::span<const std::uint8_t> in, request& out, std::size_t& used,
                           std::error_code& ec);

/// ALIVE2_X_RESP (extended) or ALIVE2_RESP with a result and creation.
std::vector<std::uint8_t> encode_alive2_reply(bool ok, std::uint32_t creation, bool extended);
/// PORT2_RESP for a found node, or the two-byte "not found" reply.
std::vector<std::uint8_t> encode_port2_reply(const node_entry* node);
/// NAMES or DUMP reply: u32 epmd port then the text.
std::vector<std::uint8_t> encode_text_reply(std::uint32_t epmd_port, std::string_view text);

}  // namespace epmd
}  // namespace otp

template <>
struct std::is_error_code_enum<otp::epmd_errc> : std::true_type {};

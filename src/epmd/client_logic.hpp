// The epmd client's decisions, kept apart from its sockets: which port to use and how
// to read the reply to each kind of request. Pure: no I/O, no clock.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>

#include "otp/epmd_protocol.hpp"

namespace otp::epmd::detail {

/// The port epmd listens on by default.
inline constexpr std::uint16_t default_port = 4369;

/// Largest reply the client buffers; epmd's biggest (NAMES, DUMP) are far smaller.
inline constexpr std::size_t max_reply_size = std::size_t{1} << 24;

/// The epmd port to use: `configured` if set, else ERL_EPMD_PORT's value `env` (may be
/// null) if it is a port number 1..65535, else 4369, the order erl itself follows.
std::uint16_t choose_port(std::optional<std::uint16_t> configured, const char* env) noexcept;

/// Parses a decimal port number 1..65535 (no sign, no spaces).
std::optional<std::uint16_t> parse_port(std::string_view text) noexcept;

/// The request a client connection carries; it decides how the reply is read.
enum class request_kind { alive2, port_please2, names, dump, kill, stop };

/// A decoded reply: alive2_result, node_entry, names_reply, dump_reply, or the raw
/// word (KILL, STOP).
using reply_value =
    std::variant<std::monostate, alive2_result, node_entry, names_reply, dump_reply, std::string>;

/// Reads the reply to a request of `kind` from the bytes received so far. Call with
/// `at_eof` once epmd closed the connection. done with ec set means a negative answer
/// (name_taken, not_found, refused); error means no usable answer (closed when epmd
/// hung up without a byte, malformed_reply otherwise).
parse_status read_reply(request_kind kind, std::span<const std::uint8_t> in, bool at_eof,
                        reply_value& out, std::error_code& ec);

}  // namespace otp::epmd::detail

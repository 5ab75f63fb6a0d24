// Node names and cookies: the rules erl applies, as pure functions.
#pragma once

#include <string>
#include <string_view>

#include "otp/error.hpp"
#include "otp/node_error.hpp"

namespace otp::node_detail {

/// Short names (`erl -sname`: hosts without dots) or long names (`-name`).
enum class name_mode { short_names, long_names };

/// A node name split into its alive part and host.
struct node_name {
    std::string alive;
    std::string host;
    std::string full() const { return alive + "@" + host; }
};

/// Parses `alive` or `alive@host`; a missing host is `default_host`. In short-name mode
/// a host with dots is refused, in long-name mode one without (unless an IP address).
result<node_name> parse_node_name(std::string_view text, name_mode mode,
                                  std::string_view default_host);
/// Whether a node in `mode` may dial a node on `peer_host` (erl refuses the other mode).
bool may_dial(name_mode mode, std::string_view peer_host) noexcept;
/// True for a dotted IPv4 address or an IPv6 address.
bool is_ip_address(std::string_view host) noexcept;

/// The cookie in a cookie file's contents, by auth.erl's rules: printable ASCII up to the
/// first other character, after which only newlines, carriage returns and spaces may follow.
result<std::string> parse_cookie(std::string_view file_contents);

}  // namespace otp::node_detail

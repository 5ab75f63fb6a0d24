// An epmd lookup on a socket the caller owns, so that another thread can abort it: a
// blocking connect() looks its peer up this way, and close() ends the lookup at once.
#pragma once

#include <string_view>
#include <system_error>

#include "epmd/blocking_socket.hpp"
#include "otp/epmd.hpp"

namespace otp::epmd::detail {

/// client::port_please over `s` (connected to epmd, then the request and the reply);
/// `s.abort()` from another thread ends it with an error, and `s.aborted()` tells why.
node_entry port_please_on(blocking_socket& s, client_options opts, std::string_view name,
                          std::error_code& ec);

}  // namespace otp::epmd::detail

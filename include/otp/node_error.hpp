// Errors of the node runtime: set-up (names, cookies), mailboxes and connections.
#pragma once

#include <system_error>

namespace otp {

/// Why a node could not be set up or a peer name was refused.
enum class node_errc {
    bad_node_name = 1,  ///< not `alive@host`, an empty part, or over 255 characters
    wrong_name_mode,    ///< a short-name node dialling a host with dots, or the reverse
    cookie_bad_chars,   ///< the cookie file holds characters erl would refuse
    cookie_too_short,   ///< the cookie file is empty
    cookie_file,        ///< the cookie file cannot be read, created, or is not a regular file
    no_home,            ///< neither $HOME nor an XDG config directory to keep a cookie in
    timeout,            ///< a receive, connect or call did not finish in time
    mailbox_closed,     ///< the mailbox is closed (by close() or an exit signal)
    node_closed,        ///< the node is shut down
    name_in_use,        ///< the registered name belongs to another process already
    not_registered,     ///< no process is registered under that name
    unreachable,        ///< the peer node cannot be reached (epmd or TCP failed)
    noconnection,       ///< the connection to the peer node went down
    io_thread,          ///< a blocking call was made on one of the node's I/O threads
    noproc,             ///< the process called or monitored does not exist
    exited,             ///< the process called ended before replying
    badrpc,             ///< the remote call failed ({badrpc, Reason})
};
/// The category of node_errc values; its name is "otp.node".
const std::error_category& node_category() noexcept;
inline std::error_code make_error_code(node_errc e) noexcept {
    return {static_cast<int>(e), node_category()};
}

}  // namespace otp

template <>
struct std::is_error_code_enum<otp::node_errc> : std::true_type {};

// Finding, reading and creating the cookie file the way erl does.
#pragma once

#include <string>

#include "otp/error.hpp"

namespace otp::node_detail {

/// The default cookie and where it came from.
struct cookie_file {
    std::string cookie;
    std::string path;
    bool created = false;  ///< the file did not exist and was made (20 random letters, 0400)
    bool readable_by_others = false;  ///< group or others may read it: worth a warning
};

/// `$HOME/.erlang.cookie`, else `$XDG_CONFIG_HOME/erlang/.erlang.cookie` (default
/// `$HOME/.config/...`); when neither exists, creates the first one like erl: 20
/// random uppercase letters (from OpenSSL's RAND_bytes) with mode 0400. Unlike erl, a
/// file readable by others is used (and flagged) rather than refused.
result<cookie_file> load_default_cookie(const std::string& home, const std::string& xdg_config);

/// The same with the directories taken from the environment ($HOME, $XDG_CONFIG_HOME).
result<cookie_file> load_default_cookie();

}  // namespace otp::node_detail

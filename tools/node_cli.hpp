// The options every subcommand that runs a node shares (--sname, --name, --cookie,
// --epmd-port, --hidden, --net-ticktime, --tls, -v/--log-level), and turning them into
// otp::node_options.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "otp/node.hpp"

namespace otp::cli {

/// The node options as given on the command line.
struct node_cli_options {
    std::string sname;  ///< NAME[@HOST]; default otpcpp_<pid>
    std::string name;   ///< NAME@HOST (long names)
    std::string cookie;
    int epmd_port = 0;  ///< 0: $ERL_EPMD_PORT, then 4369
    bool hidden = false;
    int net_ticktime = 60;
    int verbosity = 0;
    std::string log_level;
    std::string tls_file;  ///< an erl -ssl_dist_optfile: distribution over TLS
};

/// Adds the node options to `sub`, storing into `o` (which must outlive parsing).
void add_node_options(CLI::App* sub, node_cli_options& o);

/// The otp::node_options they stand for; throws failure on contradictions
/// (--sname with --name) and on a --tls file that cannot be read (with line and column).
node_options make_node_options(const node_cli_options& o);

/// A peer given as NAME or NAME@HOST: a missing host is this machine's (short or long,
/// following our own name mode).
atom peer_name(const std::string& peer, const node_cli_options& o);

/// Starts the node; throws failure with one line naming the cause.
std::unique_ptr<node> start_node(const node_cli_options& o);

}  // namespace otp::cli

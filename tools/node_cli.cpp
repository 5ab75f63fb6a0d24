// Node options shared by the subcommands that run a node.
#include "node_cli.hpp"

#include <unistd.h>

#include <spdlog/logger.h>

#include "commands.hpp"

namespace otp::cli {

void add_node_options(CLI::App* sub, node_cli_options& o) {
    auto* sn =
        sub->add_option("--sname", o.sname, "Short node name NAME[@HOST] (default otpcpp_<pid>)");
    auto* ln = sub->add_option("--name", o.name, "Long node name NAME@HOST");
    sn->excludes(ln);
    sub->add_option("--cookie", o.cookie, "Cookie (default: $HOME/.erlang.cookie)");
    sub->add_option("--epmd-port", o.epmd_port, "epmd's port (default: $ERL_EPMD_PORT, then 4369)")
        ->check(CLI::Range(1, 65535));
    sub->add_flag("--hidden", o.hidden, "Run as a hidden node");
    sub->add_option("--net-ticktime", o.net_ticktime, "net_ticktime in seconds")
        ->check(CLI::Range(1, 3600))
        ->capture_default_str();
    sub->add_option("--tls", o.tls_file,
                    "Distribution over TLS, set up by FILE in erl's -ssl_dist_optfile format")
        ->type_name("FILE");
    sub->add_flag("-v,--verbose", o.verbosity, "Log on stderr (twice: more)");
    sub->add_option("--log-level", o.log_level, "Log level: debug, info, warn, error, off")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "warning", "error", "off"}));
}

node_options make_node_options(const node_cli_options& o) {
    node_options n;
    if (!o.name.empty()) {
        n.name = o.name;
        n.long_names = true;
    } else {
        n.name = o.sname.empty() ? "otpcpp_" + std::to_string(::getpid()) : o.sname;
    }
    if (!o.cookie.empty()) n.cookie = o.cookie;
    if (o.epmd_port != 0) n.epmd_port = static_cast<std::uint16_t>(o.epmd_port);
    n.hidden = o.hidden;
    n.net_ticktime = std::chrono::seconds(o.net_ticktime);
    if (!o.tls_file.empty()) {
        parse_error_info where;
        auto tls = load_ssl_dist_optfile(o.tls_file, where);
        if (!tls) throw failure("--tls: " + where.message, 2);
        n.tls = std::move(*tls);
    }
    auto log = stderr_logger(o.verbosity);
    if (!o.log_level.empty())
        log->set_level(spdlog::level::from_str(o.log_level == "warning" ? "warn" : o.log_level));
    n.logger = log;
    return n;
}

atom peer_name(const std::string& peer, const node_cli_options& o) {
    if (peer.find('@') != std::string::npos) return atom(peer);
    // Our own name tells the host part when we have one; else this machine's.
    node_options n = make_node_options(o);
    const auto at = n.name.find('@');
    if (at != std::string::npos) return atom(peer + n.name.substr(at));
    char buf[256] = {};
    ::gethostname(buf, sizeof buf - 1);
    std::string host = buf;
    if (!n.long_names) host = host.substr(0, host.find('.'));
    return atom(peer + "@" + host);
}

std::unique_ptr<node> start_node(const node_cli_options& o) {
    std::error_code ec;
    auto n = std::make_unique<node>(make_node_options(o), ec);
    if (ec) throw failure("cannot start the node: " + ec.message());
    return n;
}

}  // namespace otp::cli

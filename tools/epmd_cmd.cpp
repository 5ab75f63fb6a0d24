// `otpcpp epmd`: query an epmd (names, port, dump, kill, stop) the way the `epmd`
// binary does, or run the embedded epmd server in the foreground (serve).
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "commands.hpp"
#include "otp/epmd.hpp"

namespace otp::cli {
namespace {

struct client_args {
    std::string host = "localhost";
    int port = 0;  // 0: ERL_EPMD_PORT, then 4369
    int timeout_ms = 5000;
    int verbose = 0;
};

void add_client_options(CLI::App* sub, client_args& a) {
    sub->add_option("--host", a.host, "Host of the epmd to ask")->capture_default_str();
    sub->add_option("--epmd-port", a.port, "Its port (default: $ERL_EPMD_PORT, then 4369)")
        ->check(CLI::Range(1, 65535));
    sub->add_option("--timeout", a.timeout_ms, "Milliseconds to wait for an answer")
        ->check(CLI::Range(1, 3600 * 1000))
        ->capture_default_str();
    sub->add_flag("-v,--verbose", a.verbose, "Log what happens on stderr (twice: more)");
}

epmd::client make_client(boost::asio::io_context& ctx, const client_args& a) {
    epmd::client_options o;
    o.host = a.host;
    if (a.port != 0) o.port = static_cast<std::uint16_t>(a.port);
    o.timeout = std::chrono::milliseconds(a.timeout_ms);
    if (a.verbose > 0) o.logger = stderr_logger(a.verbose);
    return epmd::client(ctx, std::move(o));
}

// One line that says what went wrong and where.
[[noreturn]] void fail(const epmd::client& c, std::error_code ec, const client_args& a) {
    if (ec == epmd_errc::unreachable) throw failure("no epmd answers at " + c.endpoint_text());
    if (ec == epmd_errc::timeout)
        throw failure("epmd at " + c.endpoint_text() + " did not answer within " +
                      std::to_string(a.timeout_ms) + " ms");
    throw failure("epmd at " + c.endpoint_text() + ": " + ec.message());
}

// The header line `epmd -names` and `epmd -dump` print before the data.
void print_header(std::uint32_t port) {
    std::printf("epmd: up and running on port %u with data:\n", static_cast<unsigned>(port));
}

void add_names(CLI::App* epmd) {
    auto a = std::make_shared<client_args>();
    auto* sub = epmd->add_subcommand("names", "List the registered nodes, as `epmd -names`");
    add_client_options(sub, *a);
    sub->callback([a] {
        boost::asio::io_context ctx;
        auto c = make_client(ctx, *a);
        std::error_code ec;
        const epmd::names_reply r = c.names(ec);
        if (ec) fail(c, ec, *a);
        print_header(r.epmd_port);
        for (const auto& n : r.nodes)
            std::printf("name %s at port %u\n", n.name.c_str(), static_cast<unsigned>(n.port));
    });
}

void add_port(CLI::App* epmd) {
    auto a = std::make_shared<client_args>();
    auto name = std::make_shared<std::string>();
    auto* sub = epmd->add_subcommand("port", "Print the distribution port of a node");
    sub->add_option("name", *name, "Node name (the part before '@' is what epmd knows)")
        ->required();
    add_client_options(sub, *a);
    sub->callback([a, name] {
        boost::asio::io_context ctx;
        auto c = make_client(ctx, *a);
        std::error_code ec;
        const epmd::node_entry n = c.port_please(*name, ec);
        if (ec == epmd_errc::not_found)
            throw failure("no node " + *name + " registered with epmd at " + c.endpoint_text());
        if (ec) fail(c, ec, *a);
        std::printf("%u\n", static_cast<unsigned>(n.port));
        if (a->verbose > 0)
            std::fprintf(stderr, "%s: type %u, protocol %u, versions %u..%u\n", n.name.c_str(),
                         n.node_type, n.protocol, n.lowest_version, n.highest_version);
    });
}

void add_dump(CLI::App* epmd) {
    auto a = std::make_shared<client_args>();
    auto* sub = epmd->add_subcommand("dump", "Print epmd's table of live and old names");
    add_client_options(sub, *a);
    sub->callback([a] {
        boost::asio::io_context ctx;
        auto c = make_client(ctx, *a);
        std::error_code ec;
        const epmd::dump_reply r = c.dump(ec);
        if (ec) fail(c, ec, *a);
        print_header(r.epmd_port);
        // epmd ends every entry with a NUL byte; a terminal has no use for them.
        for (char ch : r.text)
            if (ch != '\0') std::putchar(ch);
    });
}

void add_kill(CLI::App* epmd) {
    auto a = std::make_shared<client_args>();
    auto* sub = epmd->add_subcommand("kill", "Ask epmd to exit, as `epmd -kill`");
    add_client_options(sub, *a);
    sub->callback([a] {
        boost::asio::io_context ctx;
        auto c = make_client(ctx, *a);
        std::error_code ec;
        c.kill(ec);
        if (ec == epmd_errc::refused)
            throw failure("epmd at " + c.endpoint_text() +
                          " refused to exit: living nodes in its database");
        if (ec) fail(c, ec, *a);
        std::puts("Killed");
    });
}

void add_stop(CLI::App* epmd) {
    auto a = std::make_shared<client_args>();
    auto name = std::make_shared<std::string>();
    auto* sub = epmd->add_subcommand(
        "stop", "Unregister a node by force (epmd needs -relaxed_command_check)");
    sub->add_option("name", *name, "Node name")->required();
    add_client_options(sub, *a);
    sub->callback([a, name] {
        boost::asio::io_context ctx;
        auto c = make_client(ctx, *a);
        std::error_code ec;
        c.stop(*name, ec);
        if (ec == epmd_errc::not_found)
            throw failure("no node " + *name + " registered with epmd at " + c.endpoint_text());
        if (ec == epmd_errc::refused)
            throw failure("epmd at " + c.endpoint_text() +
                          " refused STOP (it needs -relaxed_command_check)");
        if (ec) fail(c, ec, *a);
        std::puts("STOPPED");
    });
}

void add_serve(CLI::App* epmd) {
    struct serve_args {
        std::string address = "0.0.0.0";
        int port = -1;  // -1: ERL_EPMD_PORT, then 4369
        bool relaxed = false;
        double idle_s = 60;
        int verbose = 0;
    };
    auto a = std::make_shared<serve_args>();
    auto* sub = epmd->add_subcommand(
        "serve", "Run an epmd in the foreground until SIGINT or SIGTERM (or KILL_REQ)");
    sub->add_option("--port", a->port,
                    "Port to listen on (default: $ERL_EPMD_PORT, then 4369; 0: any free port)")
        ->check(CLI::Range(0, 65535));
    sub->add_option("--address", a->address, "Address to listen on (\"::\": IPv6 and IPv4)")
        ->capture_default_str();
    sub->add_flag("--relaxed-command-check", a->relaxed,
                  "Obey STOP, and KILL while nodes are registered (as epmd's flag)");
    sub->add_option("--idle-timeout", a->idle_s,
                    "Seconds before an idle non-registration connection is closed")
        ->check(CLI::Range(0.001, 86400.0))
        ->capture_default_str();
    sub->add_flag("-v,--verbose", a->verbose, "Log registrations (twice: more)");
    sub->callback([a] {
        boost::asio::io_context ctx;
        epmd::server_options o;
        o.address = a->address;
        if (a->port >= 0) o.port = static_cast<std::uint16_t>(a->port);
        o.relaxed_command_check = a->relaxed;
        o.idle_timeout = std::chrono::milliseconds(static_cast<long long>(a->idle_s * 1000));
        o.logger = stderr_logger(a->verbose);
        epmd::server srv(ctx, o);
        std::error_code ec;
        srv.start(ec);
        if (ec) throw failure("cannot listen on " + a->address + ": " + ec.message());
        // Scripts started with --port 0 learn the port from this line.
        const auto ep = srv.local_endpoint();
        std::printf("epmd: listening on %s port %u\n", ep.address().to_string().c_str(),
                    static_cast<unsigned>(ep.port()));
        std::fflush(stdout);
        boost::asio::signal_set signals(ctx, SIGINT, SIGTERM);
        signals.async_wait([&srv](std::error_code ec, int) {
            if (!ec) srv.stop();
        });
        srv.async_wait_stopped([&signals](std::error_code) { signals.cancel(); });
        ctx.run();
    });
}

}  // namespace

void add_epmd_command(CLI::App& app) {
    auto* epmd = app.add_subcommand("epmd", "Ask an epmd, or run one");
    epmd->require_subcommand(1);
    add_names(epmd);
    add_port(epmd);
    add_dump(epmd);
    add_kill(epmd);
    add_stop(epmd);
    add_serve(epmd);
}

}  // namespace otp::cli

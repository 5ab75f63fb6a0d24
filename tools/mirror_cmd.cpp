// `otpcpp mirror`: the interop server. A node with one mailbox registered as `mirror`
// (see mirror_server.hpp) and the functions mirror:echo/1 and mirror:add/2; runs until
// SIGINT, SIGTERM or a `stop` request, then shuts the node down and exits 0.
#include <csignal>
#include <cstdio>
#include <memory>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include "commands.hpp"
#include "mirror_functions.hpp"
#include "mirror_server.hpp"
#include "node_cli.hpp"

namespace otp::cli {
namespace {

// Runs the mirror until a signal or `stop`.
void run(const node_cli_options& o) {
    // Signals are caught before the node exists, so that none can end the process
    // without the clean shutdown.
    boost::asio::io_context signals_ctx;
    boost::asio::signal_set signals(signals_ctx, SIGINT, SIGTERM);
    signals.async_wait([](const boost::system::error_code&, int) {});

    auto n = start_node(o);
    register_mirror_functions(*n);
    auto box = n->create_mailbox(atom("mirror"));
    if (!box) throw failure("cannot register the name mirror: " + box.error().message());
    mirror_server server(*n, std::move(*box),
                         [&] { boost::asio::post(signals_ctx, [&] { signals.cancel(); }); });
    std::thread loop([&] { server.run(); });

    // Whoever started us learns the node's name (and that it serves) from this line.
    std::printf("%s\n", std::string(n->name().name()).c_str());
    std::fflush(stdout);
    signals_ctx.run();  // until a signal, or `stop` cancels the wait

    n->close();  // ends the loop (its mailbox closes) and every waiting request
    loop.join();
}

}  // namespace

void add_mirror_command(CLI::App& app) {
    auto o = std::make_shared<node_cli_options>();
    auto* sub = app.add_subcommand("mirror", "Run the interop server until stopped");
    add_node_options(sub, *o);
    sub->callback([o] { run(*o); });
}

}  // namespace otp::cli

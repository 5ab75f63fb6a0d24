// `otpcpp ping`: net_adm:ping from the command line; pong (exit 0) or pang (exit 1,
// with why on stderr).
#include <cstdio>
#include <memory>
#include <string>

#include "cli_rpc.hpp"
#include "commands.hpp"
#include "node_cli.hpp"

namespace otp::cli {
namespace {

struct ping_args {
    node_cli_options node;
    std::string peer;
    int timeout_ms = 10'000;
};

// Prints pang and fails with `why`.
[[noreturn]] void pang(const std::string& why) {
    std::puts("pang");
    std::fflush(stdout);
    throw failure(why);
}

// Runs `otpcpp ping`: pong, or pang and a failure.
void run(const ping_args& a) {
    const atom peer = peer_name(a.peer, a.node);
    const std::chrono::milliseconds timeout(a.timeout_ms);
    auto n = start_node(one_shot(a.node));
    // Connecting separately tells why a pang is a pang (no epmd entry, refused cookie ...).
    if (auto ec = n->connect(peer, timeout))
        pang("cannot reach " + std::string(peer.name()) + ": " + ec.message());
    if (!n->ping(peer, timeout)) pang(std::string(peer.name()) + " did not answer the ping");
    std::puts("pong");
    std::fflush(stdout);
}

}  // namespace

void add_ping_command(CLI::App& app) {
    auto a = std::make_shared<ping_args>();
    auto* sub = app.add_subcommand("ping", "Ping a node like net_adm:ping: pong or pang");
    sub->add_option("--node", a->peer, "The peer: NAME or NAME@HOST")->required();
    sub->add_option("--timeout", a->timeout_ms, "Milliseconds to wait for an answer")
        ->check(CLI::Range(1, 3600 * 1000))
        ->capture_default_str();
    add_node_options(sub, a->node);
    sub->callback([a] { run(*a); });
}

}  // namespace otp::cli

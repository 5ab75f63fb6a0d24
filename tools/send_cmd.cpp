// `otpcpp send`: one message to a registered process on a peer, like
// `{Name, Peer} ! Term`, but telling whether anybody had that name.
#include <memory>
#include <string>

#include "cli_rpc.hpp"
#include "cli_term.hpp"
#include "commands.hpp"
#include "node_cli.hpp"

namespace otp::cli {
namespace {

struct send_args {
    node_cli_options node;
    std::string peer;
    std::string to;
    std::string message;
    int timeout_ms = 10'000;
};

// True for the DOWN of monitor `ref`.
bool is_down(const term& m, const reference& ref) {
    auto t = m.as_tuple();
    return t && t->size() == 5 && (*t)[0] == term(atom("DOWN")) && (*t)[1] == term(ref);
}

// Runs `otpcpp send`: silent on success.
void run(const send_args& a) {
    const term message = parse_argument(a.message, "message");
    const atom peer = peer_name(a.peer, a.node);
    const atom name(a.to);
    const std::chrono::milliseconds timeout(a.timeout_ms);
    auto n = start_node(one_shot(a.node));
    connect_or_fail(*n, peer, timeout);
    mailbox m = n->create_mailbox();
    // Erlang drops a message to a name nobody has without a word; a monitor on the
    // name answers noproc at once in that case.
    const reference mon = m.monitor(name, peer);
    m.send(name, peer, message);
    // The node drops what it has not written when it closes; a ping's answer comes
    // after everything sent before it on the same connection, so the message (and
    // any noproc for the monitor, sent while the peer handled it) has arrived.
    if (!n->ping(peer, timeout))
        throw failure("no answer from " + std::string(peer.name()) + " after sending");
    if (m.receive_if([&](const envelope& e) { return is_down(e.message, mon); },
                     std::chrono::milliseconds(0)))
        throw failure("no process registered as " + a.to + " on " + std::string(peer.name()));
    m.demonitor(mon, true);
}

}  // namespace

void add_send_command(CLI::App& app) {
    auto a = std::make_shared<send_args>();
    auto* sub = app.add_subcommand("send", "Send a term to a registered process on a node");
    sub->add_option("--node", a->peer, "The peer: NAME or NAME@HOST")->required();
    sub->add_option("--to", a->to, "The registered name to send to")->required();
    sub->add_option("term", a->message, "The message, in Erlang syntax")->required();
    sub->add_option("--timeout", a->timeout_ms, "Milliseconds to wait for the peer")
        ->check(CLI::Range(1, 3600 * 1000))
        ->capture_default_str();
    add_node_options(sub, a->node);
    sub->callback([a] { run(*a); });
}

}  // namespace otp::cli

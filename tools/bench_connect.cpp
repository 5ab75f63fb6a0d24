// W6, connect: N x (epmd lookup + handshake, one ping/pong, close the connection).
#include <string>

#include "bench_proto.hpp"
#include "bench_workloads.hpp"

namespace otp::cli::bench {
namespace {

// Waits for `{nodedown, Peer}` on the watcher, counting the `{nodeup, Peer}` seen
// on the way.
void await_nodedown(mailbox& watcher, atom peer, long& nodeups, std::chrono::milliseconds timeout) {
    const auto& a = atoms();
    for (;;) {
        const term m = next_message(watcher, timeout, "nodedown");
        if (auto up = tagged(m, a.nodeup, 2); !up.empty() && up[1] == term(peer)) {
            ++nodeups;
        } else if (auto down = tagged(m, a.nodedown, 2); !down.empty() && down[1] == term(peer)) {
            return;
        }
    }
}

// One node for the whole run, as the BEAM client does it: connect() dials (epmd
// lookup + handshake), the pong proves the connection works, disconnect() closes it,
// and the nodedown says it is gone before the next connect. The nodeup count proves
// that every iteration made a new connection.
report connect_reusing(const client_setup& s) {
    node& n = *s.self;
    mailbox watcher = n.create_mailbox();
    n.monitor_nodes(watcher.self(), true);
    mailbox mb = n.create_mailbox();
    const term self(mb.self());
    long nodeups = 0;
    report r;
    stopwatch clock;
    for (long i = 1; i <= s.n; ++i) {
        if (auto ec = n.connect(s.peer, s.timeout))
            throw run_error("connect iteration " + std::to_string(i) + ": " + ec.message());
        echo_ping(mb, self, s.peer, i, s.timeout);
        if (!n.disconnect(s.peer))
            throw run_error("connection gone before disconnect in iteration " + std::to_string(i));
        await_nodedown(watcher, s.peer, nodeups, s.timeout);
    }
    r.secs = clock.secs();
    n.monitor_nodes(watcher.self(), false);
    r.ok = nodeups == s.n;
    r.add("conns_per_s", static_cast<double>(s.n) / r.secs);
    r.add_int("nodeups", nodeups);
    return r;
}

// A fresh node per iteration (start, connect, ping, close): every connection is new
// by construction; node start-up and shutdown are inside the timed part.
report connect_fresh(const client_setup& s) {
    report r;
    stopwatch clock;
    for (long i = 1; i <= s.n; ++i) {
        auto n = s.make_node();
        if (auto ec = n->connect(s.peer, s.timeout))
            throw run_error("connect iteration " + std::to_string(i) + ": " + ec.message());
        mailbox mb = n->create_mailbox();
        echo_ping(mb, term(mb.self()), s.peer, i, s.timeout);
        mb.close();
        n->close();
    }
    r.secs = clock.secs();
    r.ok = true;  // echo_ping threw on any missing pong
    r.add("conns_per_s", static_cast<double>(s.n) / r.secs);
    return r;
}

}  // namespace

report run_connect(const client_setup& s) {
    report r = s.connect == connect_mode::fresh ? connect_fresh(s) : connect_reusing(s);
    r.add_str("mode", s.connect == connect_mode::fresh ? "fresh" : "reuse");
    return r;
}

}  // namespace otp::cli::bench

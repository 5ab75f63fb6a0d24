// W6, connect: N x (epmd lookup + handshake, one ping/pong, close the connection).
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/post.hpp>

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
// that every iteration made a new connection. Each iteration's three parts are timed:
// the dial is mostly the time epmd and the peer take to answer (see
// docs/performance.md), which bounds any client's rate.
report connect_reusing(const client_setup& s) {
    node& n = *s.self;
    mailbox watcher = n.create_mailbox();
    n.monitor_nodes(watcher.self(), true);
    mailbox mb = n.create_mailbox();
    const term self(mb.self());
    long nodeups = 0;
    std::vector<double> dial_us, ping_us, close_us;
    auto us_since = [](std::chrono::steady_clock::time_point& t) {
        const auto now = std::chrono::steady_clock::now();
        const double us = std::chrono::duration<double, std::micro>(now - t).count();
        t = now;
        return us;
    };
    report r;
    stopwatch clock;
    for (long i = 1; i <= s.n; ++i) {
        auto t = std::chrono::steady_clock::now();
        if (auto ec = n.connect(s.peer, s.timeout))
            throw run_error("connect iteration " + std::to_string(i) + ": " + ec.message());
        dial_us.push_back(us_since(t));
        echo_ping(mb, self, s.peer, i, s.timeout);
        ping_us.push_back(us_since(t));
        if (!n.disconnect(s.peer))
            throw run_error("connection gone before disconnect in iteration " + std::to_string(i));
        await_nodedown(watcher, s.peer, nodeups, s.timeout);
        close_us.push_back(us_since(t));
    }
    r.secs = clock.secs();
    n.monitor_nodes(watcher.self(), false);
    r.ok = nodeups == s.n;
    r.add("conns_per_s", static_cast<double>(s.n) / r.secs);
    r.add_int("nodeups", nodeups);
    r.add("dial_median_us", percentile(dial_us, 0.5));
    r.add("first_rtt_median_us", percentile(ping_us, 0.5));
    r.add("close_median_us", percentile(close_us, 0.5));
    return r;
}

// The reuse loop driven from the node's I/O thread: the connect, the pong and the
// nodedown each complete in a handler that starts the next step, so no step waits for
// a hand-over between threads (the blocking loop makes six per connection).
class connect_chain : public std::enable_shared_from_this<connect_chain> {
  public:
    connect_chain(const client_setup& s, mailbox& mb, mailbox& watcher)
        : s_(s), mb_(mb), watcher_(watcher), self_(mb.self()) {}

    // Runs the chain and waits for its end; throws what it ended with.
    long run() {
        auto done = done_.get_future();
        boost::asio::post(s_.self->get_executor(), [self = shared_from_this()] { self->dial(); });
        done.get();
        return nodeups_;
    }

  private:
    void dial() {
        s_.self->async_connect(s_.peer, [self = shared_from_this()](std::error_code ec) {
            self->step([&] { self->on_connected(ec); });
        });
    }
    void on_connected(std::error_code ec) {
        if (ec) throw run_error("connect iteration " + std::to_string(i_) + ": " + ec.message());
        const auto& a = atoms();
        mb_.send(a.echo, s_.peer, tuple(a.ping, self_, i_));
        mb_.async_receive(s_.timeout, nullptr,
                          [self = shared_from_this()](std::error_code ec, envelope e) {
                              self->step([&] { self->on_pong(ec, e.message); });
                          });
    }
    void on_pong(std::error_code ec, const term& m) {
        const auto& a = atoms();
        auto pong = tagged(m, a.pong, 2);
        if (ec || pong.empty() || as_long(pong[1]) != i_)
            throw run_error("expected {pong," + std::to_string(i_) + "}");
        if (!s_.self->disconnect(s_.peer))
            throw run_error("connection gone before disconnect in iteration " + std::to_string(i_));
        await_nodedown();
    }
    // Counts the nodeups on the way to this iteration's nodedown.
    void await_nodedown() {
        watcher_.async_receive(s_.timeout, nullptr,
                               [self = shared_from_this()](std::error_code ec, envelope e) {
                                   self->step([&] { self->on_node_event(ec, e.message); });
                               });
    }
    void on_node_event(std::error_code ec, const term& m) {
        const auto& a = atoms();
        if (ec) throw run_error("no nodedown: " + ec.message());
        if (auto up = tagged(m, a.nodeup, 2); !up.empty() && up[1] == term(s_.peer)) {
            ++nodeups_;
            return await_nodedown();
        }
        auto down = tagged(m, a.nodedown, 2);
        if (down.empty() || down[1] != term(s_.peer)) return await_nodedown();
        if (++i_ > s_.n) return done_.set_value();
        dial();
    }
    // Runs one step; an exception ends the chain with it.
    template <class F>
    void step(F&& f) {
        try {
            f();
        } catch (...) {
            done_.set_exception(std::current_exception());
        }
    }

    const client_setup& s_;
    mailbox& mb_;
    mailbox& watcher_;
    const term self_;
    long i_ = 1;
    long nodeups_ = 0;
    std::promise<void> done_;
};

report connect_reusing_async(const client_setup& s) {
    node& n = *s.self;
    mailbox watcher = n.create_mailbox();
    n.monitor_nodes(watcher.self(), true);
    mailbox mb = n.create_mailbox();
    report r;
    stopwatch clock;
    const long nodeups = std::make_shared<connect_chain>(s, mb, watcher)->run();
    r.secs = clock.secs();
    n.monitor_nodes(watcher.self(), false);
    r.ok = nodeups == s.n;
    r.add("conns_per_s", static_cast<double>(s.n) / r.secs);
    r.add_int("nodeups", nodeups);
    r.add_str("style", "async");
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
    if (s.async && s.connect == connect_mode::fresh)
        throw run_error("the async style reuses one node: no --connect-mode fresh");
    report r = s.connect == connect_mode::fresh ? connect_fresh(s)
               : s.async                        ? connect_reusing_async(s)
                                                : connect_reusing(s);
    r.add_str("mode", s.connect == connect_mode::fresh ? "fresh" : "reuse");
    return r;
}

}  // namespace otp::cli::bench

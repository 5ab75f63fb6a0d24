// Request/reply workloads as chains of async_receive handlers on the node's I/O thread.
#include "bench_async.hpp"

#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/post.hpp>

#include "bench_proto.hpp"

namespace otp::cli::bench {
namespace {

// A chain of asynchronous receives on the mailbox's executor: every message goes to
// `step`, which returns true to receive the next one and false when the workload is
// done; an exception from `step` ends the chain with it.
class receive_chain : public std::enable_shared_from_this<receive_chain> {
  public:
    using step_fn = std::function<bool(const term&)>;
    receive_chain(mailbox& mb, step_fn step) : mb_(mb), step_(std::move(step)) {}

    // Runs `first` (which sends the first request) and the chain on the executor, and
    // waits until it ends. Throws run_error when no message came for `timeout`, or
    // what the chain ended with.
    void run(std::function<void()> first, std::chrono::milliseconds timeout) {
        auto done = done_.get_future();
        boost::asio::post(mb_.get_executor(), [self = shared_from_this(), first] {
            try {
                first();
            } catch (...) {
                return self->done_.set_exception(std::current_exception());
            }
            self->arm();
        });
        long seen = -1;
        while (done.wait_for(timeout) != std::future_status::ready) {
            const long now = progress_.load();
            if (now == seen) throw run_error("no message within the timeout");
            seen = now;
        }
        done.get();
    }

  private:
    void arm() {
        mb_.async_receive([self = shared_from_this()](std::error_code ec, envelope e) {
            self->on_message(ec, std::move(e));
        });
    }
    void on_message(std::error_code ec, envelope&& e) {
        progress_.fetch_add(1, std::memory_order_relaxed);
        bool more = false;
        try {
            if (ec) throw run_error("receive failed: " + ec.message());
            more = step_(e.message);
        } catch (...) {
            return done_.set_exception(std::current_exception());
        }
        if (more)
            arm();
        else
            done_.set_value();
    }

    mailbox& mb_;
    step_fn step_;
    std::promise<void> done_;
    std::atomic<long> progress_{0};
};

void run_chain(mailbox& mb, const client_setup& s, std::function<void()> first,
               receive_chain::step_fn step) {
    std::make_shared<receive_chain>(mb, std::move(step))->run(std::move(first), s.timeout);
}

report start_report(const char* workload, const client_setup& s) {
    report r;
    r.workload = workload;
    r.n = s.n;
    return r;
}

}  // namespace

report run_pingpong_async(const client_setup& s, mailbox& mb) {
    const auto& a = atoms();
    struct state {
        long i = 1;
        std::chrono::steady_clock::time_point t0;
        std::vector<double> rtt;
    };
    auto st = std::make_shared<state>();
    st->rtt.reserve(static_cast<std::size_t>(s.n));
    const term self(mb.self());
    const atom peer = s.peer;
    auto ping = [st, &mb, self, peer, &a] {
        st->t0 = std::chrono::steady_clock::now();
        mb.send(a.echo, peer, tuple(a.ping, self, st->i));
    };
    report r = start_report("pingpong", s);
    stopwatch clock;
    run_chain(mb, s, ping, [st, ping, n = s.n, &a](const term& m) {
        auto pong = tagged(m, a.pong, 2);
        if (pong.empty() || as_long(pong[1]) != st->i)
            throw run_error("expected {pong," + std::to_string(st->i) + "}");
        st->rtt.push_back(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - st->t0)
                .count());
        if (++st->i > n) return false;
        ping();
        return true;
    });
    r.secs = clock.secs();
    r.ok = true;
    r.add("rt_per_s", static_cast<double>(s.n) / r.secs);
    r.add("rtt_median_us", percentile(st->rtt, 0.5), 3);
    r.add("rtt_p99_us", percentile(st->rtt, 0.99), 3);
    r.add_str("style", "async");
    return r;
}

report run_bigbin_async(const client_setup& s, mailbox& mb) {
    const auto& a = atoms();
    const long size = s.size >= 0 ? s.size : 1 << 20;
    struct state {
        long i = 1, acks = 0;
    };
    auto st = std::make_shared<state>();
    const term payload = binary(payload_pattern(static_cast<std::size_t>(size)));
    const term msg = tuple(a.bin, term(mb.self()), payload);
    const atom peer = s.peer;
    auto send = [&mb, msg, peer, &a] { mb.send(a.echo, peer, msg); };
    report r = start_report("bigbin", s);
    stopwatch clock;
    run_chain(mb, s, send, [st, send, n = s.n, size, &a](const term& m) {
        auto ack = tagged(m, a.bin_ack, 2);
        if (!ack.empty() && as_long(ack[1]) == size) ++st->acks;
        if (++st->i > n) return false;
        send();
        return true;
    });
    r.secs = clock.secs();
    r.ok = st->acks == s.n;
    r.add("mb_per_s", static_cast<double>(s.n) * static_cast<double>(size) / r.secs / 1e6);
    r.add_int("payload", size);
    r.add_str("style", "async");
    return r;
}

report run_rpc_async(const client_setup& s, mailbox& mb) {
    const auto& a = atoms();
    struct state {
        long i = 1, good = 0;
    };
    auto st = std::make_shared<state>();
    const term request = tuple(term(mb.self()), tuple(a.call, a.erlang, a.node, list(), a.user));
    const term expect(s.peer);
    const atom peer = s.peer;
    auto call = [&mb, request, peer, &a] { mb.send(a.rex, peer, request); };
    report r = start_report("rpc", s);
    stopwatch clock;
    run_chain(mb, s, call, [st, call, n = s.n, expect, &a](const term& m) {
        auto reply = tagged(m, a.rex, 2);
        if (reply.empty()) throw run_error("expected {rex, Result}");
        if (reply[1] == expect) ++st->good;
        if (++st->i > n) return false;
        call();
        return true;
    });
    r.secs = clock.secs();
    r.ok = st->good == s.n;
    r.add("calls_per_s", static_cast<double>(s.n) / r.secs);
    r.add_str("style", "async_raw");
    return r;
}

}  // namespace otp::cli::bench

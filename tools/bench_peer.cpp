// The C++ stand-in for bench_peer.erl.
#include "bench_peer.hpp"

#include <chrono>
#include <cstdio>
#include <string>

#include "bench_proto.hpp"
#include "bench_report.hpp"

namespace otp::cli::bench {
namespace {

mailbox registered(node& n, atom name) {
    auto mb = n.create_mailbox(name);
    if (!mb)
        throw run_error("cannot register " + std::string(name.name()) + ": " +
                        mb.error().message());
    return std::move(*mb);
}

long long now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

cpp_peer::cpp_peer(node& n)
    : sink_(registered(n, atoms().sink)),
      echo_(registered(n, atoms().echo)),
      source_(registered(n, atoms().source)) {
    const term self_name(n.name());
    n.register_function(atoms().erlang, atoms().node, 0,
                        [self_name](std::span<const term>) { return self_name; });
    n.register_function(atoms().lists, atoms().reverse, 1, [](std::span<const term> args) {
        auto l = args[0].as_list();
        if (!l) throw erlang_exception(exception_class::error, atom("badarg"));
        auto v = l->to_vector();
        return make_list(std::vector<term>(v.rbegin(), v.rend()));
    });
    threads_.emplace_back([this] { sink_loop(); });
    threads_.emplace_back([this] { echo_loop(); });
    threads_.emplace_back([this] { source_loop(); });
}

cpp_peer::~cpp_peer() {
    sink_.close();
    echo_.close();
    source_.close();
    for (auto& t : threads_)
        t.join();
}

// {seq, I, P} counted (the first starts the clock, out-of-order ones counted);
// {done, From, N} -> From ! {sink_done, Count, Us}, then reset.
void cpp_peer::sink_loop() {
    const auto& a = atoms();
    long count = 0, bad = 0;
    long long t0 = 0;
    for (;;) {
        auto r = sink_.receive();
        if (!r) return;
        const term& m = r->message;
        if (auto seq = tagged(m, a.seq, 3); !seq.empty() && seq[2].is_binary()) {
            if (count == 0) t0 = now_us();
            ++count;
            if (as_long(seq[1]) != count) ++bad;
        } else if (auto done = tagged(m, a.done, 3); !done.empty()) {
            const long long us = count ? now_us() - t0 : 0;
            if (auto to = done[1].as_pid()) sink_.send(*to, tuple(a.sink_done, count, us));
            std::fprintf(stderr, "cpp sink: expected=%ld count=%ld out_of_order=%ld us=%lld\n",
                         as_long(done[2]), count, bad, us);
            count = bad = 0;
        }
    }
}

// {ping, From, I} -> {pong, I}; {bin, From, Bin} -> {bin_ack, byte_size(Bin)}.
void cpp_peer::echo_loop() {
    const auto& a = atoms();
    for (;;) {
        auto r = echo_.receive();
        if (!r) return;
        const term& m = r->message;
        if (auto ping = tagged(m, a.ping, 3); !ping.empty()) {
            if (auto to = ping[1].as_pid()) echo_.send(*to, tuple(a.pong, ping[2]));
        } else if (auto bin = tagged(m, a.bin, 3); !bin.empty() && bin[2].is_binary()) {
            if (auto to = bin[1].as_pid())
                echo_.send(*to, tuple(a.bin_ack, static_cast<long>(bin[2].size())));
        }
    }
}

// {start, To, N, Size} -> To ! {seq, I, Payload} for I = 1..N, then {source_done, N}.
void cpp_peer::source_loop() {
    const auto& a = atoms();
    for (;;) {
        auto r = source_.receive();
        if (!r) return;
        auto start = tagged(r->message, a.start, 4);
        if (start.empty()) continue;
        const term& to = start[1];
        const long n = as_long(start[2]);
        const long size = as_long(start[3]);
        if (n < 0 || size < 0) continue;
        const term payload = binary(payload_pattern(static_cast<std::size_t>(size)));
        for (long i = 1; i <= n; ++i)
            (void)source_.send_to(to, tuple(a.seq, i, payload));
        (void)source_.send_to(to, tuple(a.source_done, n));
    }
}

}  // namespace otp::cli::bench

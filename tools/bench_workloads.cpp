// The message workloads of the shared benchmark: send, receive, pingpong, bigbin, rpc.
#include "bench_workloads.hpp"

#include <cstring>
#include <string>
#include <vector>

#include "bench_async.hpp"
#include "bench_proto.hpp"
#include "otp/call.hpp"

namespace otp::cli::bench {
namespace {

long size_or(const client_setup& s, long fallback) {
    return s.size >= 0 ? s.size : fallback;
}

report start_report(std::string_view workload, const client_setup& s) {
    report r;
    r.workload = std::string(workload);
    r.n = s.n;
    return r;
}

}  // namespace

void echo_ping(mailbox& mb, const term& self, atom peer, long i,
               std::chrono::milliseconds timeout) {
    const auto& a = atoms();
    mb.send(a.echo, peer, tuple(a.ping, self, i));
    const term m = next_message(mb, timeout, "pong");
    auto pong = tagged(m, a.pong, 2);
    if (pong.empty() || as_long(pong[1]) != i)
        throw run_error("expected {pong," + std::to_string(i) + "}");
}

bool is_workload(std::string_view name) noexcept {
    for (std::string_view w : {"send", "receive", "pingpong", "bigbin", "rpc", "connect"})
        if (name == w) return true;
    return false;
}

report run_workload(std::string_view name, const client_setup& s) {
    report r;
    if (name == "connect") {
        r = run_connect(s);
    } else {
        if (auto ec = s.self->connect(s.peer, s.timeout))
            throw run_error("cannot connect to " + std::string(s.peer.name()) + ": " +
                            ec.message());
        mailbox mb = s.self->create_mailbox();
        echo_ping(mb, term(mb.self()), s.peer, 0, s.timeout);  // warm-up, untimed
        if (s.async && name == "rpc" && !s.rpc_raw)
            throw run_error("rpc_call blocks: the async style needs --rpc raw");
        if (name == "send") {
            r = run_send(s, mb);
        } else if (name == "receive") {
            r = run_receive(s, mb);
        } else if (name == "pingpong") {
            r = s.async ? run_pingpong_async(s, mb) : run_pingpong(s, mb);
        } else if (name == "bigbin") {
            r = s.async ? run_bigbin_async(s, mb) : run_bigbin(s, mb);
        } else if (name == "rpc") {
            r = s.async ? run_rpc_async(s, mb) : run_rpc(s, mb);
        } else {
            throw run_error("unknown workload " + std::string(name));
        }
    }
    r.workload = std::string(name);
    r.n = s.n;
    return r;
}

// W1: N x {seq, I, <<64 bytes>>} to {sink, Peer}, then {done, self(), N}, until
// {sink_done, N, _} arrives. The payload binary is built once and shared.
report run_send(const client_setup& s, mailbox& mb) {
    const auto& a = atoms();
    const long size = size_or(s, 64);
    const auto bytes = payload_pattern(static_cast<std::size_t>(size));
    const term payload = binary(bytes);
    const term self(mb.self());
    report r = start_report("send", s);
    stopwatch clock;
    for (long i = 1; i <= s.n; ++i)
        mb.send(a.sink, s.peer, tuple(a.seq, i, payload));
    mb.send(a.sink, s.peer, tuple(a.done, self, s.n));
    const term m = next_message(mb, s.timeout, "sink_done");
    r.secs = clock.secs();
    auto done = tagged(m, a.sink_done, 3);
    if (done.empty()) throw run_error("expected {sink_done, Count, Us}");
    const long count = as_long(done[1]);
    r.ok = count == s.n;
    r.add("msgs_per_s", static_cast<double>(s.n) / r.secs);
    r.add_int("payload", size);
    r.add_int("sink_count", count);
    r.add_int("sink_us", as_long(done[2]));
    return r;
}

// W2: {start, self(), N, Size} to source; every {seq, I, P} is checked for order and
// payload bytes, then {source_done, N}.
report run_receive(const client_setup& s, mailbox& mb) {
    const auto& a = atoms();
    const long size = size_or(s, 64);
    const auto expect = payload_pattern(static_cast<std::size_t>(size));
    const term self(mb.self());
    report r = start_report("receive", s);
    long count = 0, bad = 0, done_n = -1;
    stopwatch clock;
    mb.send(a.source, s.peer, tuple(a.start, self, s.n, size));
    for (;;) {
        const term m = next_message(mb, s.timeout, "seq or source_done");
        if (auto seq = tagged(m, a.seq, 3); !seq.empty()) {
            ++count;
            auto p = seq[2].as_binary();
            if (as_long(seq[1]) != count || !p || !p->is_binary() ||
                p->bytes.size() != expect.size() ||
                std::memcmp(p->bytes.data(), expect.data(), expect.size()) != 0)
                ++bad;
        } else if (auto fin = tagged(m, a.source_done, 2); !fin.empty()) {
            done_n = as_long(fin[1]);
            break;
        } else {
            throw run_error("unexpected message while receiving");
        }
    }
    r.secs = clock.secs();
    r.ok = count == s.n && bad == 0 && done_n == s.n;
    r.add("msgs_per_s", static_cast<double>(s.n) / r.secs);
    r.add_int("payload", size);
    r.add_int("received", count);
    r.add_int("bad", bad);
    return r;
}

// W3: N sequential {ping, self(), I} -> {pong, I}, each timed.
report run_pingpong(const client_setup& s, mailbox& mb) {
    const term self(mb.self());
    std::vector<double> rtt;
    rtt.reserve(static_cast<std::size_t>(s.n));
    report r = start_report("pingpong", s);
    stopwatch clock;
    for (long i = 1; i <= s.n; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        echo_ping(mb, self, s.peer, i, s.timeout);
        rtt.push_back(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                .count());
    }
    r.secs = clock.secs();
    r.ok = true;  // echo_ping threw on any wrong pong
    r.add("rt_per_s", static_cast<double>(s.n) / r.secs);
    r.add("rtt_median_us", percentile(rtt, 0.5), 3);
    r.add("rtt_p99_us", percentile(rtt, 0.99), 3);
    return r;
}

// W4: N x {bin, self(), <<1 MiB>>} to echo, each waiting for {bin_ack, 1048576}.
report run_bigbin(const client_setup& s, mailbox& mb) {
    const auto& a = atoms();
    const long size = size_or(s, 1 << 20);
    const term payload = binary(payload_pattern(static_cast<std::size_t>(size)));
    const term self(mb.self());
    report r = start_report("bigbin", s);
    long acks = 0;
    stopwatch clock;
    for (long i = 1; i <= s.n; ++i) {
        mb.send(a.echo, s.peer, tuple(a.bin, self, payload));
        const term m = next_message(mb, s.timeout, "bin_ack");
        auto ack = tagged(m, a.bin_ack, 2);
        if (!ack.empty() && as_long(ack[1]) == size) ++acks;
    }
    r.secs = clock.secs();
    r.ok = acks == s.n;
    r.add("mb_per_s", static_cast<double>(s.n) * static_cast<double>(size) / r.secs / 1e6);
    r.add_int("payload", size);
    return r;
}

namespace {

// One rpc call as ei_rpc makes it: `{Self, {call, M, F, A, user}}` to `{rex, Peer}`,
// then `{rex, Result}`.
term raw_rpc(mailbox& mb, const term& self, atom peer, atom m, atom f, const term& args,
             std::chrono::milliseconds timeout) {
    const auto& a = atoms();
    mb.send(a.rex, peer, tuple(self, tuple(a.call, m, f, args, a.user)));
    const term reply = next_message(mb, timeout, "rex reply");
    auto r = tagged(reply, a.rex, 2);
    if (r.empty()) throw run_error("expected {rex, Result}");
    return r[1];
}

// One rpc call of either style (see client_setup::rpc_raw).
term call_peer(const client_setup& s, mailbox& mb, const term& self, atom m, atom f,
               const term& args) {
    if (s.rpc_raw) return raw_rpc(mb, self, s.peer, m, f, args, s.timeout);
    auto res = rpc_call(mb, s.peer, m, f, args, s.timeout);
    if (!res) throw run_error("rpc failed: " + res.error().message());
    return std::move(*res);
}

}  // namespace

// W5: N sequential rpc calls of erlang:node() through the peer's rex, each result
// checked, after one untimed lists:reverse([1,2,3]) check.
report run_rpc(const client_setup& s, mailbox& mb) {
    const auto& a = atoms();
    const term self(mb.self());
    if (call_peer(s, mb, self, a.lists, a.reverse, list(list(1, 2, 3))) != list(3, 2, 1))
        throw run_error("rpc lists:reverse([1,2,3]) check failed");
    const term no_args = list();
    const term expect(s.peer);
    report r = start_report("rpc", s);
    long good = 0;
    stopwatch clock;
    for (long i = 0; i < s.n; ++i)
        if (call_peer(s, mb, self, a.erlang, a.node, no_args) == expect) ++good;
    r.secs = clock.secs();
    r.ok = good == s.n;
    r.add("calls_per_s", static_cast<double>(s.n) / r.secs);
    r.add_str("style", s.rpc_raw ? "raw" : "rpc_call");
    return r;
}

}  // namespace otp::cli::bench

// `otpcpp bench`: the benchmark client of ../shared/bench (see its README's client
// contract). One run, one JSON line on stdout, exit 0 only when the run verified.
//
//   otpcpp bench --workload W --peer NODE --cookie C --n N [--size BYTES] [--name ALIVE]
//
// W: send receive pingpong bigbin rpc connect (against the BEAM bench_peer);
//    cpp-<W> (the same workload between two otpcpp nodes in this process, no BEAM);
//    cpp-idle (memory of one node per idle connection and per idle mailbox: N client
//    nodes in a child process connect to it, then it creates --mailboxes M mailboxes);
//    tcp-bigbin tcp-stream tcp-pingpong (raw loopback TCP, the machine's ceiling).
// --raw-tcp runs the raw TCP pattern of bigbin or pingpong under the plain workload name
// and reports impl "rawtcp", so the harness can interleave it with the other clients
// (CLIENT_rawtcp="otpcpp bench --raw-tcp").
#include <sys/resource.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "bench_local.hpp"
#include "bench_report.hpp"
#include "bench_scale.hpp"
#include "bench_tcp.hpp"
#include "bench_workloads.hpp"
#include "commands.hpp"
#include "node_cli.hpp"

namespace otp::cli {
namespace {

struct bench_options {
    std::string workload;
    std::string peer;
    std::string cookie;
    long n = 0;
    long size = -1;
    long mailboxes = 100'000;  // cpp-idle
    std::string name = "otpcppclient";
    int epmd_port = 0;
    unsigned io_threads = 1;
    std::string connect_mode = "reuse";
    bool raw_tcp = false;
    std::string impl;  // empty: "otpcpp" ("rawtcp" with --raw-tcp)
    std::string rpc_style = "call";
    bool async = false;
    int timeout_s = 30;
    int verbosity = 0;
    std::string tls_file;         // distribution over TLS, as the peer's -ssl_dist_optfile
    std::size_t recv_buffer = 0;  // node_options::dist_recv_buffer
    long spin_wait_us = node_options{}.spin_wait.count();
};

// The client node's options: a hidden node with short names, like the anchors'.
node_cli_options node_flags(const bench_options& o) {
    node_cli_options c;
    c.sname = o.name;
    c.cookie = o.cookie;
    c.epmd_port = o.epmd_port;
    c.hidden = true;
    c.verbosity = o.verbosity;
    c.tls_file = o.tls_file;
    return c;
}

std::unique_ptr<node> client_node(const bench_options& o, bool register_with_epmd) {
    node_options opts = make_node_options(node_flags(o));
    opts.io_threads = o.io_threads;
    opts.register_with_epmd = register_with_epmd;
    opts.dist_recv_buffer = o.recv_buffer;
    opts.spin_wait = std::chrono::microseconds(o.spin_wait_us);
    std::error_code ec;
    auto n = std::make_unique<node>(opts, ec);
    if (ec) throw bench::run_error("cannot start the node: " + ec.message());
    return n;
}

bench::report run_against_peer(const bench_options& o) {
    if (o.peer.empty()) throw bench::run_error("--peer is required for " + o.workload);
    auto self = client_node(o, true);
    bench::client_setup s;
    s.self = self.get();
    s.peer = peer_name(o.peer, node_flags(o));
    s.n = o.n;
    s.size = o.size;
    s.timeout = std::chrono::seconds(o.timeout_s);
    s.connect = o.connect_mode == "fresh" ? bench::connect_mode::fresh : bench::connect_mode::reuse;
    // Fresh nodes do not register with epmd: a client needs no listener entry, and ei's
    // fresh incarnations do not register either.
    s.make_node = [&o] { return client_node(o, false); };
    s.rpc_raw = o.rpc_style == "raw";
    s.async = o.async;
    return bench::run_workload(o.workload, s);
}

bench::report run_raw_tcp(const bench_options& o, std::string_view workload) {
    if (workload == "bigbin") return bench::run_tcp_bigbin(o.n, o.size >= 0 ? o.size : 1 << 20);
    if (workload == "stream") return bench::run_tcp_stream(o.n, o.size >= 0 ? o.size : 1 << 20);
    if (workload == "pingpong") return bench::run_tcp_pingpong(o.n, o.size >= 0 ? o.size : 64);
    throw bench::run_error("no raw TCP variant of " + std::string(workload));
}

bench::report run(const bench_options& o) {
    const std::string_view w = o.workload;
    if (o.raw_tcp) {
        bench::report r = run_raw_tcp(o, w);
        r.workload = o.workload;
        return r;
    }
    if (w.starts_with("tcp-")) return run_raw_tcp(o, w.substr(4));
    if (w == "cpp-idle") {
        bench::idle_setup s;
        s.connections = o.n;
        s.mailboxes = o.mailboxes;
        if (!o.cookie.empty()) s.cookie = o.cookie;
        s.timeout = std::chrono::seconds(o.timeout_s);
        s.logger = stderr_logger(o.verbosity);
        return bench::run_idle(s);
    }
    if (w.starts_with("cpp-") && bench::is_workload(w.substr(4))) {
        bench::local_setup s;
        s.n = o.n;
        s.size = o.size;
        s.connect =
            o.connect_mode == "fresh" ? bench::connect_mode::fresh : bench::connect_mode::reuse;
        if (!o.cookie.empty()) s.cookie = o.cookie;
        s.io_threads = o.io_threads;
        s.rpc_raw = o.rpc_style == "raw";
        s.async = o.async;
        s.logger = stderr_logger(o.verbosity);
        return bench::run_local(w.substr(4), s);
    }
    if (bench::is_workload(w)) return run_against_peer(o);
    throw bench::run_error("unknown workload " + o.workload);
}

void run_and_print(const bench_options& o) {
    bench::report r;
    try {
        r = run(o);
    } catch (const std::exception& e) {
        r.workload = o.workload;
        r.ok = false;
        r.error = e.what();
    }
    r.impl = !o.impl.empty() ? o.impl : o.raw_tcp ? "rawtcp" : "otpcpp";
    r.n = o.n;
    rusage ru{};
    if (::getrusage(RUSAGE_SELF, &ru) == 0) {
        // CPU time of the whole process (both nodes for cpp-*), start-up included: a
        // cost per message that a loaded machine does not distort as much as rates.
        const auto secs = [](const timeval& t) {
            return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
        };
        r.add("cpu_user_s", secs(ru.ru_utime), 3);
        r.add("cpu_sys_s", secs(ru.ru_stime), 3);
        r.add_int("peak_rss_kb", ru.ru_maxrss);
    }
    std::cout << r.json() << std::endl;
    if (!r.ok) throw failure("bench: " + (r.error.empty() ? "the run did not verify" : r.error));
}

}  // namespace

void add_bench_command(CLI::App& app) {
    auto* sub = app.add_subcommand(
        "bench", "Benchmark client of ../shared/bench: one run, one JSON line on stdout");
    auto o = std::make_shared<bench_options>();
    sub->add_option("--workload", o->workload,
                    "send receive pingpong bigbin rpc connect; cpp-<that> (two otpcpp nodes "
                    "in-process); cpp-idle (memory per idle connection and mailbox); "
                    "tcp-bigbin tcp-stream tcp-pingpong (raw loopback TCP)")
        ->required();
    sub->add_option("--peer", o->peer, "The bench peer node (NAME or NAME@HOST)");
    sub->add_option("--cookie", o->cookie, "Cookie (default: $HOME/.erlang.cookie)");
    sub->add_option("--n", o->n, "Iterations (cpp-idle: connections)")
        ->required()
        ->check(CLI::PositiveNumber);
    sub->add_option("--size", o->size, "Payload bytes (default 64; bigbin 1048576)")
        ->check(CLI::NonNegativeNumber);
    sub->add_option("--mailboxes", o->mailboxes, "cpp-idle: idle mailboxes to create")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    sub->add_option("--name", o->name, "The client node's alive name (short names)")
        ->capture_default_str();
    sub->add_option("--epmd-port", o->epmd_port, "epmd's port (default: $ERL_EPMD_PORT, 4369)")
        ->check(CLI::Range(1, 65535));
    sub->add_option("--tls", o->tls_file,
                    "Distribution over TLS, set up by FILE (erl's -ssl_dist_optfile format)")
        ->type_name("FILE");
    sub->add_option("--recv-buffer", o->recv_buffer,
                    "Receive buffer of the client's distribution sockets, bytes (0: the "
                    "system's; see node_options::dist_recv_buffer)")
        ->capture_default_str();
    sub->add_option("--spin-wait", o->spin_wait_us,
                    "Microseconds a waiting thread (I/O thread, blocked receive) polls "
                    "before it sleeps (see node_options::spin_wait)")
        ->check(CLI::Range(0L, 1'000'000L))
        ->capture_default_str();
    sub->add_option("--io-threads", o->io_threads, "I/O threads per node")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    sub->add_option("--connect-mode", o->connect_mode,
                    "connect workload: reuse one node, or a fresh node per iteration")
        ->check(CLI::IsMember({"reuse", "fresh"}))
        ->capture_default_str();
    sub->add_option("--rpc", o->rpc_style,
                    "rpc workload: call (otp::rpc_call, guarded like gen:call) or raw (the "
                    "bare rex message ei_rpc sends)")
        ->check(CLI::IsMember({"call", "raw"}))
        ->capture_default_str();
    sub->add_flag("--async", o->async,
                  "pingpong, bigbin, rpc (with --rpc raw), connect: run the workload in "
                  "completion handlers on the node's I/O thread");
    sub->add_flag("--raw-tcp", o->raw_tcp,
                  "Run the raw loopback TCP pattern of bigbin or pingpong, as impl rawtcp");
    sub->add_option("--impl", o->impl,
                    "The impl name in the JSON line (default otpcpp, or rawtcp), so that "
                    "variants get their own rows in the harness's tables");
    sub->add_option("--timeout", o->timeout_s, "Longest wait for one reply, seconds")
        ->check(CLI::Range(1, 3600))
        ->capture_default_str();
    sub->add_flag("-v,--verbose", o->verbosity, "Log on stderr (twice: more)");
    sub->callback([o] { run_and_print(*o); });
}

}  // namespace otp::cli

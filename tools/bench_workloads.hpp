// The client side of the shared benchmark's workloads (../shared/bench/README.md):
// send, receive, pingpong, bigbin, rpc and connect, run from an otp::node against a
// peer that behaves like bench_peer.erl (the BEAM one, or the C++ stand-in of
// bench_peer.hpp). Each returns a report whose `ok` means what it means for the
// anchors; a run that cannot go on throws run_error.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string_view>

#include "bench_report.hpp"
#include "otp/node.hpp"

namespace otp::cli::bench {

/// How the connect workload gets a new connection per iteration.
enum class connect_mode {
    /// One node for the whole run: connect, ping, disconnect, wait for the nodedown
    /// (what the BEAM client does); nodeup events prove each reconnection.
    reuse,
    /// A fresh otp::node per iteration (like ei's fresh incarnation per iteration):
    /// start, connect, ping, close.
    fresh,
};

/// What a workload runs with.
struct client_setup {
    /// The client node (already started).
    node* self = nullptr;
    /// The bench peer's full node name.
    atom peer;
    /// Iterations (messages, round trips, calls, connections).
    long n = 0;
    /// Payload size; negative: the workload's default (64, or 1 MiB for bigbin).
    long size = -1;
    /// The connect workload's strategy, and how it starts fresh nodes.
    connect_mode connect = connect_mode::reuse;
    std::function<std::unique_ptr<node>()> make_node;
    /// rpc: false, otp::rpc_call (a guarded gen_server call to rex: monitor, alias,
    /// request, reply, demonitor); true, the bare `{Self, {call, M, F, A, user}}` to
    /// rex and its `{rex, Result}`, the exchange ei_rpc and jinterface's sendRPC make.
    bool rpc_raw = false;
    /// pingpong, bigbin, rpc with rpc_raw, and connect (reuse): drive the workload from
    /// the node's I/O thread with async_receive (bench_async.hpp, bench_connect.cpp)
    /// instead of blocking calls on the calling thread.
    bool async = false;
    /// The longest wait for any one reply.
    std::chrono::milliseconds timeout{30'000};
};

/// True for the names run_workload knows.
bool is_workload(std::string_view name) noexcept;

/// Runs one workload: connects and does the untimed warm-up ping (except connect),
/// then times the workload. Throws run_error when the run cannot go on.
report run_workload(std::string_view name, const client_setup& s);

// The workloads themselves (bench_workloads.cpp, bench_connect.cpp). Each fills the
// report's ok, secs and metrics; the warm-up has been done (except for connect).
report run_send(const client_setup& s, mailbox& mb);
report run_receive(const client_setup& s, mailbox& mb);
report run_pingpong(const client_setup& s, mailbox& mb);
report run_bigbin(const client_setup& s, mailbox& mb);
report run_rpc(const client_setup& s, mailbox& mb);
report run_connect(const client_setup& s);

/// One `{ping, Self, I}` to `{echo, Peer}` and its `{pong, I}`; throws run_error on a
/// wrong or missing reply.
void echo_ping(mailbox& mb, const term& self, atom peer, long i, std::chrono::milliseconds timeout);

}  // namespace otp::cli::bench

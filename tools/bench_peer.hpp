// A C++ stand-in for ../shared/bench/bench_peer.erl, so the same client workloads can
// run C++ to C++ (no BEAM): `sink`, `echo` and `source` behave as the Erlang ones,
// and erlang:node/0 and lists:reverse/1 answer rpc calls through the node's rex.
#pragma once

#include <thread>
#include <vector>

#include "otp/node.hpp"

namespace otp::cli::bench {

/// Registers sink, echo and source on `n` and serves each from its own thread with
/// blocking receives. Destroying it closes the mailboxes and joins the threads.
class cpp_peer {
  public:
    /// Throws run_error when a name is taken.
    explicit cpp_peer(node& n);
    cpp_peer(const cpp_peer&) = delete;
    cpp_peer& operator=(const cpp_peer&) = delete;
    ~cpp_peer();

  private:
    void sink_loop();
    void echo_loop();
    void source_loop();

    mailbox sink_, echo_, source_;
    std::vector<std::thread> threads_;
};

}  // namespace otp::cli::bench

// The C++-to-C++ variant of the benchmark: two otpcpp nodes in this process, talking
// over loopback TCP through an embedded epmd (otp::epmd::server on an ephemeral port),
// no BEAM. The peer node runs the C++ stand-in of bench_peer; the client node runs the
// very same workload code as against the BEAM. Shows the library's own ceiling.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "bench_report.hpp"
#include "bench_workloads.hpp"
#include "otp/epmd.hpp"

namespace otp::cli::bench {

/// An embedded epmd (otp::epmd::server) on an ephemeral port of every interface, run
/// by its own thread: the cpp-* workloads' nodes register and look up there.
class local_epmd {
  public:
    /// Starts the server; throws otp::system_error when it cannot listen.
    local_epmd();
    local_epmd(const local_epmd&) = delete;
    local_epmd& operator=(const local_epmd&) = delete;
    /// Stops the server and joins its thread.
    ~local_epmd();
    /// The port it listens on.
    std::uint16_t port() const noexcept;

  private:
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    std::unique_ptr<epmd::server> server_;
    std::thread thread_;
};

/// How the local pair is set up.
struct local_setup {
    long n = 0;
    long size = -1;  ///< negative: the workload's default
    connect_mode connect = connect_mode::reuse;
    std::string cookie = "benchcookie";
    bool rpc_raw = false;     ///< see client_setup::rpc_raw
    bool async = false;       ///< see client_setup::async
    unsigned io_threads = 1;  ///< per node
    logger_ptr logger;
};

/// Runs `workload` (send, receive, pingpong, bigbin, rpc, connect) from a client node
/// to a peer node, both in this process. The report's workload is "cpp-<workload>".
report run_local(std::string_view workload, const local_setup& s);

}  // namespace otp::cli::bench

// The cpp-idle workload: what idle connections and idle mailboxes cost one C++ node.
// One node (the hub) in this process accepts N connections from client nodes in a
// child process (bench_fleet.hpp), then creates M mailboxes; the heap and RSS growth
// of this process alone, divided by N and by M, are the figures.
#pragma once

#include <chrono>
#include <string>

#include "bench_report.hpp"
#include "otp/log.hpp"

namespace otp::cli::bench {

/// How the measurement runs.
struct idle_setup {
    long connections = 0;
    long mailboxes = 0;
    std::string cookie = "benchcookie";
    std::chrono::seconds timeout{30};  ///< for all connections to come up
    logger_ptr logger;
};

/// Runs cpp-idle. Must be called before this process starts any thread (it forks).
/// The report is ok only when the hub lists every client in nodes(), gets a ping
/// answer over each connection, and every mailbox receives a message sent to it.
report run_idle(const idle_setup& s);

}  // namespace otp::cli::bench

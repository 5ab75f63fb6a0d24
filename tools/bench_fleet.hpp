// The client side of the cpp-idle workload: N idle otpcpp nodes in a child process of
// their own, so that what they cost never shows in the measured node's figures. The
// child also runs the embedded epmd that both sides use. Parent and child talk over a
// socket pair, one text line per step.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "otp/log.hpp"

namespace otp::cli::bench {

/// What the child process runs.
struct fleet_options {
    long clients = 0;  ///< client nodes, named by client_fleet::client_name(1..clients)
    std::string cookie;
    std::chrono::milliseconds timeout{30'000};  ///< for each connect
    logger_ptr logger;
};

/// A child process with an embedded epmd and, once asked, `clients` hidden nodes that
/// each connect to one hub node and then stay idle. The nodes share one io_context run
/// by one thread; each node still starts one function thread of its own.
class client_fleet {
  public:
    /// Forks the child and waits for its epmd to listen. The calling process must have
    /// no other thread (fork copies only the caller); throws run_error otherwise and
    /// when the child does not start.
    explicit client_fleet(const fleet_options& o);
    client_fleet(const client_fleet&) = delete;
    client_fleet& operator=(const client_fleet&) = delete;
    /// Kills the child (SIGKILL, by its PID) and reaps it.
    ~client_fleet();

    /// The embedded epmd's port (on every interface of this machine).
    std::uint16_t epmd_port() const noexcept { return epmd_port_; }
    /// Asks the child to start its nodes and connect each to `hub`, and waits up to
    /// `timeout` for it to report that all are connected. Throws run_error with the
    /// child's reason when one fails.
    void connect_all(const std::string& hub, std::chrono::milliseconds timeout);

    /// The full name of client `i` (1-based): "c<i>@localhost".
    static std::string client_name(long i);

  private:
    // The next line from the child, without its newline; run_error on timeout or when
    // the child exits first.
    std::string read_line(std::chrono::milliseconds timeout);
    // Kills (SIGKILL, by PID) and reaps the child, closes our end; idempotent.
    void end_child() noexcept;

    pid_t pid_ = -1;
    int sock_ = -1;         // our end of the socket pair
    std::string buffered_;  // bytes read past the last line
    std::uint16_t epmd_port_ = 0;
};

}  // namespace otp::cli::bench

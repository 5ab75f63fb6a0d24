// Test support for integration tests that run real programs (epmd, erl, the otpcpp
// CLI): child processes killed by PID when the test ends, free ports, unique names,
// random cookies, polling with a deadline.
//
// Every helper is safe to use from tests that ctest runs in parallel: ports come from
// the kernel, names carry the test process's PID, and cookies are random.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "otp/log.hpp"

namespace otp::itest {

using namespace std::chrono_literals;

/// A TCP port on 127.0.0.1 that nothing listened on a moment ago (bind to port 0, read
/// it, close). Another program may still take it first; starters retry (see epmd).
std::uint16_t free_port();

/// A cookie nobody else uses: "c" and 16 random hex digits.
std::string random_cookie();

/// A node name unique to this test process and call: "<stem>_<pid>_<n>". Names stay
/// short and valid for erl -sname.
std::string unique_name(std::string_view stem);

/// The host part erl -sname uses: the host name up to its first dot.
std::string short_hostname();

/// Full path of a program found in PATH, or nullopt.
std::optional<std::string> find_program(const std::string& name);

/// Polls `pred` every `poll` until it is true or `timeout` passed; returns the last
/// value, so `EXPECT_TRUE(wait_until(...))` reads naturally.
bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll = 20ms);

/// Environment variables to set (or override) for a child.
using env_map = std::map<std::string, std::string>;

/// A child process in its own process group, with stdin from /dev/null and stdout and
/// stderr captured to temporary files. Destruction kills the whole group with SIGKILL
/// (by the child's PID, never by name) and reaps the child, so a failing test leaves
/// nothing behind; the child also gets SIGKILL if the test process dies.
/// Not thread-safe.
class process {
  public:
    /// Starts `argv[0]` (searched in PATH) with the parent's environment plus `env`.
    /// Throws std::runtime_error if it cannot be started.
    explicit process(std::vector<std::string> argv, const env_map& env = {});
    process(const process&) = delete;
    process& operator=(const process&) = delete;
    ~process();

    /// The child's PID (also its process group id).
    pid_t pid() const noexcept { return pid_; }
    /// True while the child has not exited.
    bool running();
    /// Sends a signal to the child only.
    void signal(int sig);
    /// Waits for the child to exit; its exit status, 128 + signal number if a signal
    /// ended it, or nullopt on timeout. Reaps it and kills what is left of its group.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout);
    /// Everything the child wrote to stdout / stderr so far.
    std::string out() const;
    std::string err() const;
    /// Waits until stdout contains `needle`; false on timeout or if the child exited
    /// without writing it.
    bool wait_for_output(std::string_view needle, std::chrono::milliseconds timeout);
    /// The command line, for failure messages.
    const std::string& command() const noexcept { return command_; }

  private:
    // Reaps the child if it exited, after killing its leftover group; true if it has.
    bool reap_if_exited();
    pid_t pid_ = -1;
    std::optional<int> status_;
    std::string out_path_;
    std::string err_path_;
    std::string command_;
};

/// A real `epmd -port P` (optionally -relaxed_command_check) on a free port, started
/// in the foreground and killed by PID on destruction. Retries other ports if the
/// chosen one is taken. Throws std::runtime_error if epmd cannot be started.
class real_epmd {
  public:
    explicit real_epmd(bool relaxed_command_check = false);
    /// The port it listens on.
    std::uint16_t port() const noexcept { return port_; }
    /// The child process (to check that KILL_REQ ended it).
    process& proc() noexcept { return *proc_; }
    /// {"ERL_EPMD_PORT": port} for children that should use this epmd.
    env_map env() const;

  private:
    std::uint16_t port_ = 0;
    std::unique_ptr<process> proc_;
};

/// Arguments for a real erl node that never starts its own epmd:
/// `erl -sname NAME -setcookie COOKIE -noinput -start_epmd false EXTRA...`.
std::vector<std::string> erl_args(const std::string& sname, const std::string& cookie,
                                  std::vector<std::string> extra = {});

/// A logger for the objects under test: stderr when OTPCPP_TEST_LOG is set (to
/// "debug", "info" or anything else for warnings), else null (quiet).
logger_ptr test_logger();

/// True if something accepts TCP connections on 127.0.0.1:port.
bool port_accepts(std::uint16_t port);

}  // namespace otp::itest

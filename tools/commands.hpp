// The otpcpp CLI's subcommands. Each lives in its own file and exposes one
// `add_*_command(CLI::App&)`; main.cpp calls every function listed in `commands`.
// To add a subcommand: write tools/<name>_cmd.cpp, declare its function here and
// append it to `commands`.
#pragma once

#include <array>
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>

#include "otp/log.hpp"

namespace otp::cli {

/// Thrown by a subcommand to end the program: main prints "otpcpp: <what>" as one
/// line on stderr and exits with the code.
class failure : public std::runtime_error {
  public:
    explicit failure(const std::string& what, int exit_code = 1)
        : std::runtime_error(what), exit_code_(exit_code) {}
    /// The process exit code (non-zero).
    int exit_code() const noexcept { return exit_code_; }

  private:
    int exit_code_;
};

/// A logger writing to stderr: warnings by default, info with one -v, debug with two.
logger_ptr stderr_logger(int verbosity);

/// `otpcpp epmd ...`: names, port, dump, kill, stop, serve.
void add_epmd_command(CLI::App& app);

/// `otpcpp call --node PEER -a 'Mod Fun [Args]' | -e`: RPC into a node, like erl_call.
void add_call_command(CLI::App& app);
/// `otpcpp send --node PEER --to NAME 'Term'`.
void add_send_command(CLI::App& app);
/// `otpcpp ping --node PEER`: pong or pang.
void add_ping_command(CLI::App& app);
/// `otpcpp mirror`: the interop server.
void add_mirror_command(CLI::App& app);
/// `otpcpp bench`: the benchmark client of ../shared/bench.
void add_bench_command(CLI::App& app);

/// Every subcommand, in the order `otpcpp --help` lists them.
inline constexpr std::array commands = {
    &add_call_command, &add_send_command,   &add_ping_command,
    &add_epmd_command, &add_mirror_command, &add_bench_command,
};

}  // namespace otp::cli

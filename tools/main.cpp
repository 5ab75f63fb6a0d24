// otpcpp: the command-line face of the library. Parses the command line with CLI11 and
// runs the chosen subcommand; failures become one stderr line and a non-zero exit.
#include <cstdio>
#include <iostream>

#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "commands.hpp"

namespace otp::cli {

logger_ptr stderr_logger(int verbosity) {
    auto log = std::make_shared<spdlog::logger>("otpcpp",
                                                std::make_shared<spdlog::sinks::stderr_sink_mt>());
    log->set_pattern("%Y-%m-%d %H:%M:%S.%e %l %v");
    log->set_level(verbosity >= 2   ? spdlog::level::debug
                   : verbosity == 1 ? spdlog::level::info
                                    : spdlog::level::warn);
    log->flush_on(spdlog::level::debug);
    return log;
}

}  // namespace otp::cli

int main(int argc, char** argv) {
    CLI::App app{"otpcpp: tools for Erlang distribution nodes", "otpcpp"};
    app.require_subcommand(1);
    app.set_version_flag("--version", OTPCPP_VERSION);
    for (auto add : otp::cli::commands)
        add(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help and --version are "errors" with exit code 0; CLI11 prints them.
        if (e.get_exit_code() == 0) return app.exit(e);
        std::cerr << "otpcpp: " << e.what() << " (see --help)\n";
        return 2;
    } catch (const otp::cli::failure& f) {
        std::fflush(stdout);
        std::cerr << "otpcpp: " << f.what() << "\n";
        return f.exit_code();
    } catch (const std::exception& e) {
        std::fflush(stdout);
        std::cerr << "otpcpp: " << e.what() << "\n";
        return 1;
    }
    return 0;
}

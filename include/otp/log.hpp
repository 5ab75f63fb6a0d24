// The logger otpcpp objects take. Library code never prints and never uses spdlog's
// default logger: each object logs to the logger given in its options, which defaults
// to one that discards everything.
#pragma once

#include <memory>

namespace spdlog {
class logger;
}

namespace otp {

/// The logger type otpcpp options take: spdlog's, so an application passes its own.
using logger_ptr = std::shared_ptr<spdlog::logger>;

/// A shared logger that discards everything. Thread-safe.
logger_ptr null_logger();

/// `l` when set, else null_logger(): what objects store so they never test for null.
logger_ptr logger_or_null(logger_ptr l);

}  // namespace otp

// The quiet default logger.
#include "otp/log.hpp"

#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

namespace otp {

logger_ptr null_logger() {
    // Not registered with spdlog's registry, so it never clashes with an application's
    // loggers and spdlog::get cannot hand it out.
    static const logger_ptr quiet = [] {
        auto l = std::make_shared<spdlog::logger>("otpcpp-null",
                                                  std::make_shared<spdlog::sinks::null_sink_mt>());
        l->set_level(spdlog::level::off);  // skips formatting messages nobody reads
        return l;
    }();
    return quiet;
}

logger_ptr logger_or_null(logger_ptr l) {
    return l ? std::move(l) : null_logger();
}

}  // namespace otp

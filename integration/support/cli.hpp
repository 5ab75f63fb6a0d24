// Where the otpcpp executable under test is.
#pragma once

#include <string>

namespace otp::itest {

/// The otpcpp executable the CLI tests run; empty when the tools were not built.
inline const std::string& cli_path() {
#ifdef OTPCPP_CLI_PATH
    static const std::string path = OTPCPP_CLI_PATH;
#else
    static const std::string path;
#endif
    return path;
}

}  // namespace otp::itest

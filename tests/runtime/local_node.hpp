// A node for runtime unit tests: no epmd, loopback only, quiet.
#pragma once

#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>

#include "otp/node.hpp"

namespace otp::test {

inline node_options local_options() {
    static std::atomic<int> n{0};
    node_options o;
    o.name = "rt" + std::to_string(::getpid()) + "_" + std::to_string(++n) + "@localhost";
    o.cookie = "unit-test-cookie";
    o.register_with_epmd = false;
    o.listen_address = "127.0.0.1";
    return o;
}

inline std::unique_ptr<node> local_node() {
    return std::make_unique<node>(local_options());
}

}  // namespace otp::test

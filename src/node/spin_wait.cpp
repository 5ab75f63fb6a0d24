#include "node/spin_wait.hpp"

namespace otp::node_detail {

void run_io_thread(boost::asio::io_context& io, std::chrono::microseconds spin) {
    if (spin.count() <= 0) {
        io.run();
        return;
    }
    while (!io.stopped()) {
        // poll() runs what is ready, the reactor's events included, without sleeping.
        if (io.poll() > 0) continue;
        const auto until = std::chrono::steady_clock::now() + spin;
        if (!spin_until(until, [&] { return io.poll() > 0 || io.stopped(); })) io.run_one();
    }
}

}  // namespace otp::node_detail

#include "node/spin_wait.hpp"

#include "io_traffic.hpp"

namespace otp::node_detail {

void run_io_thread(boost::asio::io_context& io, std::chrono::microseconds spin) {
    if (spin.count() <= 0) {
        io.run();
        return;
    }
    // Whether the handlers run since the thread last slept moved a peer's bytes: only
    // then is more traffic likely soon enough to be worth polling for.
    bool moved = false;
    auto run = [&](std::size_t ran) {
        moved = moved || detail::traffic_moved;
        detail::traffic_moved = false;
        return ran > 0;
    };
    detail::traffic_moved = false;
    while (!io.stopped()) {
        // poll() runs what is ready, the reactor's events included, without sleeping.
        if (run(io.poll())) continue;
        if (moved) {
            const auto until = std::chrono::steady_clock::now() + spin;
            if (spin_until(until, [&] { return run(io.poll()) || io.stopped(); })) continue;
        }
        moved = false;
        run(io.run_one());
    }
}

}  // namespace otp::node_detail

// The node's I/O thread, which polls for a while before it sleeps (spin.hpp).
#pragma once

#include <chrono>
#include <optional>

#include <boost/asio/io_context.hpp>

#include "spin.hpp"

namespace otp::node_detail {

using otp::detail::spin_end;
using otp::detail::spin_until;

/// Runs `io` on the calling thread until it is stopped. When it has nothing to do and
/// its handlers moved a peer's bytes since it last slept (io_traffic.hpp), it polls
/// for up to `spin` before it sleeps in the reactor; otherwise it sleeps (0: io.run()).
void run_io_thread(boost::asio::io_context& io, std::chrono::microseconds spin);

}  // namespace otp::node_detail

// Waiting by polling for a while before sleeping (node_options::spin_wait): a thread
// that sleeps and is woken again pays tens of microseconds on a virtual machine, more
// than a reply over loopback takes. Between polls the thread yields, so that another
// thread the awaited input needs can run on its processor.
#pragma once

#include <sched.h>

#include <chrono>
#include <optional>

#include <boost/asio/io_context.hpp>

namespace otp::node_detail {

/// Calls `attempt` until it returns true (what it waits for has come) or `until` has
/// passed, yielding the processor between calls; returns whether it succeeded.
template <class Attempt>
bool spin_until(std::chrono::steady_clock::time_point until, Attempt&& attempt) {
    for (;;) {
        if (attempt()) return true;
        if (std::chrono::steady_clock::now() >= until) return false;
        ::sched_yield();
    }
}

/// When a spin that starts now ends: after `spin`, or at the caller's `deadline` if that
/// comes first.
inline std::chrono::steady_clock::time_point spin_end(
    std::chrono::steady_clock::duration spin,
    std::optional<std::chrono::steady_clock::time_point> deadline) {
    const auto until = std::chrono::steady_clock::now() + spin;
    return deadline && *deadline < until ? *deadline : until;
}

/// Runs `io` on the calling thread until it is stopped. When it has nothing to do and
/// its handlers moved a peer's bytes since it last slept (io_traffic.hpp), it polls
/// for up to `spin` before it sleeps in the reactor; otherwise it sleeps (0: io.run()).
void run_io_thread(boost::asio::io_context& io, std::chrono::microseconds spin);

}  // namespace otp::node_detail

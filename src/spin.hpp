// Waiting by polling for a while before sleeping (node_options::spin_wait): a thread
// that sleeps and is woken again pays tens of microseconds on a virtual machine, more
// than a reply over loopback takes. Between polls the thread yields, so that another
// thread the awaited input needs can run on its processor.
#pragma once

#include <sched.h>

#include <chrono>
#include <optional>

namespace otp::detail {

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

}  // namespace otp::detail

// The monitors that guard calls to processes on other nodes, shared by the calls to
// one target. gen:call monitors its callee for each call; across a link that is a
// MONITOR_P and a DEMONITOR_P the callee's node must handle per call, a quarter of a
// sequential rpc's time. Here the calls to one target share one monitor, held while
// calls use it and until a sweep finds it unused (see runtime::call_guard_idle), and its
// 'DOWN' goes to every call waiting at that moment. Pure bookkeeping: the runtime
// sends the monitor's packets and delivers the 'DOWN's.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "node/monitor_table.hpp"

namespace otp::node_detail {

/// Not thread-safe: the runtime guards it.
class call_guard_table {
  public:
    /// A call's place under a guard.
    struct ticket {
        reference ref;           ///< the guard's monitor: its 'DOWN' carries this
        std::uint64_t token{0};  ///< this call's, for leave()
        bool created = false;    ///< the guard is new: its monitor is to be sent
    };
    /// `caller` waits for a call to `target`: it joins the guard there, which is made
    /// under `fresh_ref` when there is none.
    ticket join(const monitor_target& target, const pid& caller, const reference& fresh_ref);
    /// The call ended. False when the guard fired while the call waited (its caller
    /// was given the 'DOWN').
    bool leave(const ticket& t);

    /// What a fired guard leaves behind.
    struct fired {
        monitor_target target;
        std::vector<pid> callers;  ///< each to be given the 'DOWN'
    };
    /// The monitor `ref` fired: the guard is gone; nullopt when `ref` is no guard's.
    std::optional<fired> fire(const reference& ref);
    /// A sweep, made once per idle period: the guards no call has used since the last
    /// sweep are removed and returned as (ref, target), each to be demonitored.
    std::vector<std::pair<reference, monitor_target>> expire();

    /// Guards without waiting calls (expire() has work).
    std::size_t idle() const noexcept;
    std::size_t size() const noexcept { return by_ref_.size(); }

  private:
    struct target_less {
        bool operator()(const monitor_target& a, const monitor_target& b) const noexcept;
    };
    struct guard {
        monitor_target target;
        std::map<std::uint64_t, pid> waiting;  // by token
        bool used = true;                      // since the last sweep
    };
    std::map<reference, guard, ref_less> by_ref_;
    std::map<monitor_target, reference, target_less> by_target_;
    std::uint64_t next_token_ = 1;
};

}  // namespace otp::node_detail

// The runtime's side of the call guards (call_guards.hpp): their monitors sent and
// removed, their 'DOWN's handed to the waiting calls, idle ones dropped.
#include "node/runtime.hpp"

namespace otp::node_detail {
namespace {

const atom a_down("DOWN"), a_process("process");

}  // namespace

call_guard_table::ticket runtime::join_call_guard(const std::shared_ptr<mailbox_state>& caller,
                                                  const monitor_target& target) {
    reference fresh = ids_->make_ref();
    lock_t lock(mu_);
    auto t = guards_.join(target, caller->self, fresh);
    if (!t.created) return t;
    if (!guard_proc_ || !running_) {
        // Closing: nobody can hold the monitor, so the call fails as it would had the
        // node gone first.
        fire_call_guard_locked(t.ref, target.object(), atom("noconnection"));
        return t;
    }
    monitors_.add_outgoing(t.ref, guard_proc_->self, target);
    send_monitor_locked(guard_proc_->self, target, t.ref, true);
    return t;
}

bool runtime::leave_call_guard(const call_guard_table::ticket& t) {
    lock_t lock(mu_);
    if (!guards_.leave(t)) return false;
    time_call_guards_locked();
    return true;
}

void runtime::fire_call_guard_locked(const reference& ref, const term& object, const term& reason) {
    auto fired = guards_.fire(ref);
    if (!fired) return;
    for (const pid& caller : fired->callers)
        // A caller that closed meanwhile no longer waits: nothing to tell it.
        if (auto p = find_locked(caller))
            (void)p->deliver({tuple(a_down, ref, a_process, object, reason), std::nullopt});
}

void runtime::time_call_guards_locked() {
    if (guard_timer_armed_ || !guard_timer_ || !running_) return;
    guard_timer_armed_ = true;
    guard_timer_->expires_after(call_guard_idle);
    guard_timer_->async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
        if (auto self = weak.lock(); self && !ec) self->expire_call_guards();
    });
}

void runtime::expire_call_guards() {
    lock_t lock(mu_);
    guard_timer_armed_ = false;
    if (!running_) return;
    for (const auto& [ref, target] : guards_.expire()) {
        monitors_.remove_outgoing(ref, guard_proc_->self);
        send_monitor_locked(guard_proc_->self, target, ref, false);
    }
    if (guards_.idle() != 0) time_call_guards_locked();
}

}  // namespace otp::node_detail

// Monitors shared by the calls to one remote process.
#include "node/call_guards.hpp"

#include <tuple>

namespace otp::node_detail {

bool call_guard_table::target_less::operator()(const monitor_target& a,
                                               const monitor_target& b) const noexcept {
    if (a.what.index() != b.what.index()) return a.what.index() < b.what.index();
    if (const pid* p = std::get_if<pid>(&a.what)) return pid_less{}(*p, std::get<pid>(b.what));
    const auto& x = std::get<1>(a.what);
    const auto& y = std::get<1>(b.what);
    return std::tie(x.first, x.second) < std::tie(y.first, y.second);
}

call_guard_table::ticket call_guard_table::join(const monitor_target& target, const pid& caller,
                                                const reference& fresh_ref) {
    ticket t;
    t.token = next_token_++;
    auto it = by_target_.find(target);
    if (it == by_target_.end()) {
        it = by_target_.emplace(target, fresh_ref).first;
        by_ref_.emplace(fresh_ref, guard{target, {}, true});
        t.created = true;
    }
    t.ref = it->second;
    by_ref_.find(t.ref)->second.waiting.emplace(t.token, caller);
    return t;
}

bool call_guard_table::leave(const ticket& t) {
    auto it = by_ref_.find(t.ref);
    if (it == by_ref_.end() || it->second.waiting.erase(t.token) == 0) return false;
    it->second.used = true;
    return true;
}

std::optional<call_guard_table::fired> call_guard_table::fire(const reference& ref) {
    auto it = by_ref_.find(ref);
    if (it == by_ref_.end()) return std::nullopt;
    fired f{it->second.target, {}};
    f.callers.reserve(it->second.waiting.size());
    for (const auto& [token, caller] : it->second.waiting)
        f.callers.push_back(caller);
    by_target_.erase(it->second.target);
    by_ref_.erase(it);
    return f;
}

std::vector<std::pair<reference, monitor_target>> call_guard_table::expire() {
    std::vector<std::pair<reference, monitor_target>> gone;
    for (auto it = by_ref_.begin(); it != by_ref_.end();) {
        if (!it->second.waiting.empty() || it->second.used) {
            it->second.used = !it->second.waiting.empty();
            ++it;
            continue;
        }
        gone.emplace_back(it->first, it->second.target);
        by_target_.erase(it->second.target);
        it = by_ref_.erase(it);
    }
    return gone;
}

std::size_t call_guard_table::idle() const noexcept {
    std::size_t n = 0;
    for (const auto& [ref, g] : by_ref_)
        n += g.waiting.empty() ? 1 : 0;
    return n;
}

}  // namespace otp::node_detail

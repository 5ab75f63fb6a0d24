// Process monitors across the node boundary.
#include "node/monitor_table.hpp"

namespace otp::node_detail {

void monitor_table::add_outgoing(const reference& ref, const pid& watcher,
                                 const monitor_target& target) {
    out_.insert_or_assign(ref, std::make_pair(watcher, target));
}

std::optional<monitor_target> monitor_table::remove_outgoing(const reference& ref,
                                                             const pid& watcher) {
    auto it = out_.find(ref);
    if (it == out_.end() || !(it->second.first == watcher)) return std::nullopt;
    monitor_target t = it->second.second;
    out_.erase(it);
    return t;
}

std::optional<std::pair<pid, monitor_target>> monitor_table::fire_outgoing(const reference& ref) {
    auto it = out_.find(ref);
    if (it == out_.end()) return std::nullopt;
    auto v = it->second;
    out_.erase(it);
    return v;
}

void monitor_table::add_incoming(const reference& ref, const pid& watcher, const pid& target,
                                 std::optional<atom> by_name) {
    in_.insert_or_assign(ref, in_entry{watcher, target, by_name});
}

void monitor_table::remove_incoming(const reference& ref) {
    in_.erase(ref);
}

std::pair<std::vector<monitor_table::incoming>, std::vector<std::pair<reference, monitor_target>>>
monitor_table::remove_process(const pid& local) {
    std::pair<std::vector<incoming>, std::vector<std::pair<reference, monitor_target>>> out;
    for (auto it = in_.begin(); it != in_.end();) {
        if (it->second.target == local) {
            out.first.push_back({it->first, it->second.watcher, it->second.by_name});
            it = in_.erase(it);
        } else {
            ++it;
        }
    }
    for (auto it = out_.begin(); it != out_.end();) {
        if (it->second.first == local) {
            out.second.emplace_back(it->first, it->second.second);
            it = out_.erase(it);
        } else {
            ++it;
        }
    }
    return out;
}

std::vector<std::pair<reference, std::pair<pid, monitor_target>>> monitor_table::remove_node(
    atom node) {
    std::vector<std::pair<reference, std::pair<pid, monitor_target>>> fired;
    for (auto it = out_.begin(); it != out_.end();) {
        if (it->second.second.node() == node) {
            fired.emplace_back(it->first, it->second);
            it = out_.erase(it);
        } else {
            ++it;
        }
    }
    for (auto it = in_.begin(); it != in_.end();) {
        if (it->second.watcher.node == node) {
            it = in_.erase(it);
        } else {
            ++it;
        }
    }
    return fired;
}

}  // namespace otp::node_detail

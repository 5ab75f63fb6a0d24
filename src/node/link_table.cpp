// The OTP 26 link protocol's bookkeeping.
#include "node/link_table.hpp"

namespace otp::node_detail {

bool link_table::link(const pid& local, const pid& other) {
    auto [it, inserted] = entries_.try_emplace({local, other});
    if (!inserted && it->second.active) return false;
    it->second = state{true, 0};
    return true;
}

std::optional<std::uint64_t> link_table::unlink(const pid& local, const pid& other) {
    auto it = entries_.find({local, other});
    if (it == entries_.end() || !it->second.active) return std::nullopt;
    // Ids only need to be unique among one process's unacknowledged unlinks; a node-wide
    // counter that never yields 0 is simplest.
    if (next_unlink_id_ == 0) next_unlink_id_ = 1;
    it->second = state{false, next_unlink_id_++};
    return it->second.unlink_id;
}

void link_table::on_link(const pid& local, const pid& other) {
    entries_.try_emplace({local, other});
}

void link_table::on_unlink_id(const pid& local, const pid& other) {
    auto it = entries_.find({local, other});
    if (it != entries_.end() && it->second.active) entries_.erase(it);
}

void link_table::on_unlink_id_ack(const pid& local, const pid& other, std::uint64_t id) {
    auto it = entries_.find({local, other});
    if (it != entries_.end() && !it->second.active && it->second.unlink_id == id)
        entries_.erase(it);
}

bool link_table::on_link_exit(const pid& local, const pid& other) {
    auto it = entries_.find({local, other});
    if (it == entries_.end()) return false;
    const bool act = it->second.active;
    entries_.erase(it);
    return act;
}

bool link_table::linked(const pid& local, const pid& other) const {
    auto it = entries_.find({local, other});
    return it != entries_.end() && it->second.active;
}

std::vector<pid> link_table::remove_process(const pid& local) {
    std::vector<pid> out;
    auto it = entries_.lower_bound({local, pid{atom(), 0, 0, 0}});
    // Entries of one local pid are contiguous; the lowest `other` sorts first.
    while (it != entries_.end() && it->first.first == local) {
        if (it->second.active) out.push_back(it->first.second);
        it = entries_.erase(it);
    }
    return out;
}

std::vector<std::pair<pid, pid>> link_table::remove_node(atom node) {
    std::vector<std::pair<pid, pid>> out;
    for (auto it = entries_.begin(); it != entries_.end();) {
        if (it->first.second.node == node) {
            if (it->second.active) out.push_back(it->first);
            it = entries_.erase(it);
        } else {
            ++it;
        }
    }
    return out;
}

}  // namespace otp::node_detail

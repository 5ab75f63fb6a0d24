// Process monitors across the node boundary, both directions. Pure bookkeeping; the
// runtime sends MONITOR_P / DEMONITOR_P / MONITOR_P_EXIT and delivers 'DOWN'.
#pragma once

#include <map>
#include <optional>
#include <variant>
#include <vector>

#include "node/link_table.hpp"
#include "otp/term.hpp"

namespace otp::node_detail {

/// Orders references for use as map keys (missing words count as zero, as =:= does).
struct ref_less {
    bool operator()(const reference& a, const reference& b) const noexcept {
        if (a.node != b.node) return a.node < b.node;
        if (a.creation != b.creation) return a.creation < b.creation;
        for (std::size_t i = 5; i-- > 0;) {
            const std::uint32_t x = i < a.len ? a.ids[i] : 0, y = i < b.len ? b.ids[i] : 0;
            if (x != y) return x < y;
        }
        return false;
    }
};

/// What a monitor watches: a pid, or a registered name on a node ({Name, Node}).
struct monitor_target {
    std::variant<pid, std::pair<atom, atom>> what;
    /// The node the target lives on.
    atom node() const noexcept {
        return what.index() == 0 ? std::get<0>(what).node : std::get<1>(what).second;
    }
    /// What a 'DOWN' message names: the pid, or {Name, Node} for a monitor by name.
    term object() const {
        if (const pid* p = std::get_if<pid>(&what)) return term(*p);
        return tuple(std::get<1>(what).first, std::get<1>(what).second);
    }
};

/// Not thread-safe: the runtime guards it.
class monitor_table {
  public:
    /// One of our processes monitors `target` (on another node) under `ref`.
    void add_outgoing(const reference& ref, const pid& watcher, const monitor_target& target);
    /// Our process demonitors: the removed monitor's target (to send DEMONITOR_P), if
    /// the monitor existed and belongs to `watcher`.
    std::optional<monitor_target> remove_outgoing(const reference& ref, const pid& watcher);
    /// A MONITOR_P_EXIT arrived: the watcher to deliver 'DOWN' to, if the monitor existed.
    std::optional<std::pair<pid, monitor_target>> fire_outgoing(const reference& ref);

    /// A remote `watcher` monitors our process `target` (monitored as pid or by name).
    void add_incoming(const reference& ref, const pid& watcher, const pid& target,
                      std::optional<atom> by_name);
    /// A DEMONITOR_P arrived.
    void remove_incoming(const reference& ref);

    /// One monitor another node holds on one of our processes.
    struct incoming {
        reference ref;
        pid watcher;
        std::optional<atom> by_name;
    };
    /// Our process `local` ended: the monitors others held on it (each gets a
    /// MONITOR_P_EXIT), and the targets of the monitors it held (each gets a
    /// DEMONITOR_P, as (ref, target)). Both sets are removed.
    std::pair<std::vector<incoming>, std::vector<std::pair<reference, monitor_target>>>
    remove_process(const pid& local);
    /// The connection to `node` is gone: our monitors of processes there, as
    /// (ref, watcher, target), each to fire 'DOWN' with noconnection; the monitors
    /// that node's processes held on ours are dropped.
    std::vector<std::pair<reference, std::pair<pid, monitor_target>>> remove_node(atom node);

    std::size_t outgoing_count() const noexcept { return out_.size(); }
    std::size_t incoming_count() const noexcept { return in_.size(); }

  private:
    struct in_entry {
        pid watcher;
        pid target;
        std::optional<atom> by_name;
    };
    std::map<reference, std::pair<pid, monitor_target>, ref_less> out_;
    std::map<reference, in_entry, ref_less> in_;
};

}  // namespace otp::node_detail

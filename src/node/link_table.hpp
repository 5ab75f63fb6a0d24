// Links between our processes and any process, with the OTP 26 link protocol
// (LINK, UNLINK_ID, UNLINK_ID_ACK). Pure bookkeeping; the runtime sends the signals.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "otp/term.hpp"

namespace otp::node_detail {

/// Orders pids for use as map keys (Erlang's pid order).
struct pid_less {
    bool operator()(const pid& a, const pid& b) const noexcept {
        if (a.node != b.node) return a.node < b.node;
        if (a.id != b.id) return a.id < b.id;
        if (a.serial != b.serial) return a.serial < b.serial;
        return a.creation < b.creation;
    }
};

/// The link state of each (local process, other process) pair. A pair is linked only
/// while its entry is active; an inactive entry remembers an unlink we sent and await
/// the acknowledgement of. Not thread-safe: the runtime guards it.
class link_table {
  public:
    /// We link `local` to `other`. True when a LINK signal must be sent (the pair was
    /// not actively linked); a pending unlink is overridden, as in OTP.
    bool link(const pid& local, const pid& other);
    /// We unlink. The UNLINK_ID id to send, or nothing when the pair was not linked.
    std::optional<std::uint64_t> unlink(const pid& local, const pid& other);
    /// A LINK arrived: creates an active entry unless one exists (active or not).
    void on_link(const pid& local, const pid& other);
    /// An UNLINK_ID arrived: an active entry goes away; an inactive one (our own unlink
    /// pending) stays. The caller always answers UNLINK_ID_ACK with the same id.
    void on_unlink_id(const pid& local, const pid& other);
    /// An UNLINK_ID_ACK arrived: removes the entry if it awaits exactly this id.
    void on_unlink_id_ack(const pid& local, const pid& other, std::uint64_t id);
    /// An exit signal arrived over the link: true when it must be acted on (the entry
    /// was active); the entry is removed either way.
    bool on_link_exit(const pid& local, const pid& other);
    /// True while the pair is actively linked.
    bool linked(const pid& local, const pid& other) const;
    /// `local` ended: the processes it was actively linked to (each must get an exit
    /// signal); all its entries are removed.
    std::vector<pid> remove_process(const pid& local);
    /// The connection to `node` is gone: every active pair across it, as (local, other),
    /// each to receive `noconnection`; all entries across it are removed.
    std::vector<std::pair<pid, pid>> remove_node(atom node);
    /// Number of entries (active and pending).
    std::size_t size() const noexcept { return entries_.size(); }

  private:
    struct state {
        bool active = true;
        std::uint64_t unlink_id = 0;
    };
    using key = std::pair<pid, pid>;
    struct key_less {
        bool operator()(const key& a, const key& b) const noexcept {
            pid_less l;
            if (l(a.first, b.first)) return true;
            if (l(b.first, a.first)) return false;
            return l(a.second, b.second);
        }
    };
    std::map<key, state, key_less> entries_;
    std::uint64_t next_unlink_id_ = 1;
};

}  // namespace otp::node_detail

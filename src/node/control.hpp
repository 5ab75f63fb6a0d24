// Distribution control messages: typed signals parsed from control tuples, checked
// as strictly as OTP checks them, and the packets we send. Pure.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "node/packet_decoder.hpp"
#include "otp/term.hpp"
#include "term/etf_atom_refs.hpp"
#include "term/etf_splice.hpp"

namespace otp::dist {

/// Control message operation codes.
enum class op : std::int64_t {
    link = 1,
    send = 2,
    exit = 3,
    unlink = 4,
    node_link = 5,
    reg_send = 6,
    group_leader = 7,
    exit2 = 8,
    send_tt = 12,
    exit_tt = 13,
    reg_send_tt = 16,
    exit2_tt = 18,
    monitor_p = 19,
    demonitor_p = 20,
    monitor_p_exit = 21,
    send_sender = 22,
    send_sender_tt = 23,
    payload_exit = 24,
    payload_exit_tt = 25,
    payload_exit2 = 26,
    payload_exit2_tt = 27,
    payload_monitor_p_exit = 28,
    spawn_request = 29,
    spawn_request_tt = 30,
    spawn_reply = 31,
    spawn_reply_tt = 32,
    alias_send = 33,
    alias_send_tt = 34,
    unlink_id = 35,
    unlink_id_ack = 36,
    altact_sig_send = 37,
};

/// A process addressed by pid or by registered name (monitors by name).
using process_ref = std::variant<pid, atom>;

struct link_signal {
    pid from;
    pid to;
};
/// SEND (no sender) and SEND_SENDER; trace tokens are dropped.
struct send_signal {
    std::optional<pid> from;
    pid to;
    term message;
};
struct reg_send_signal {
    pid from;
    atom to;
    term message;
};
/// A message to a process alias (ALIAS_SEND, or ALTACT_SIG_SEND with the alias flag).
struct alias_send_signal {
    pid from;
    reference alias;
    term message;
};
/// EXIT / PAYLOAD_EXIT (a link broke: `link` true) and EXIT2 / PAYLOAD_EXIT2 (exit/2).
struct exit_signal {
    pid from;
    pid to;
    term reason;
    bool link;
};
struct monitor_signal {
    pid from;
    process_ref target;
    reference ref;
};
struct demonitor_signal {
    pid from;
    process_ref target;
    reference ref;
};
/// MONITOR_P_EXIT / PAYLOAD_MONITOR_P_EXIT: `from` is the pid or the name monitored.
struct monitor_exit_signal {
    process_ref from;
    pid to;
    reference ref;
    term reason;
};
struct spawn_request_signal {
    reference req_id;
    pid from;
    term group_leader;
    atom module;
    atom function;
    std::uint32_t arity;
    term options;
    term args;
};
struct spawn_reply_signal {
    reference req_id;
    pid to;
    std::int64_t flags;
    term result;
};
struct unlink_id_signal {
    std::uint64_t id;
    pid from;
    pid to;
};
struct unlink_id_ack_signal {
    std::uint64_t id;
    pid from;
    pid to;
};
struct group_leader_signal {
    pid leader;
    pid to;
};

/// Every signal a peer may send us.
using signal =
    std::variant<link_signal, send_signal, reg_send_signal, alias_send_signal, exit_signal,
                 monitor_signal, demonitor_signal, monitor_exit_signal, spawn_request_signal,
                 spawn_reply_signal, unlink_id_signal, unlink_id_ack_signal, group_leader_signal>;

/// Parses a received message. Like OTP, anything malformed is a connection error
/// (dist_errc::bad_control): an unknown or obsolete op (UNLINK, NODE_LINK), a wrong
/// arity or element type, a missing or unexpected payload, a `From` pid that is not
/// of `peer` (for the signals OTP checks), or an UNLINK_ID with id 0.
result<signal> parse_signal(const message& m, atom peer);

/// Encodes outgoing packets in the negotiated format (131 68 header or pass-through),
/// for one connection. Thread-safe: packets may be encoded on several threads at once.
class packet_encoder {
  public:
    /// `atom_cache` (the peer set DIST_HDR_ATOM_CACHE; needs the header format): atoms
    /// go out as references to the connection's atom cache, see etf_atom_refs.hpp. The
    /// connection must then call packets_queued() as its packets take their place in
    /// the wire order.
    explicit packet_encoder(bool header_format, bool atom_cache = false) noexcept
        : header_(header_format), atom_cache_(header_format && atom_cache) {}
    ~packet_encoder();
    packet_encoder(const packet_encoder&) = delete;
    packet_encoder& operator=(const packet_encoder&) = delete;
    /// Appends one packet (u32 length included) carrying `control` and an optional
    /// payload; too_deep when a term nests deeper than the encoder allows.
    std::error_code append(std::vector<std::uint8_t>& out, const term& control,
                           const term* payload = nullptr) const;
    /// The per-message packets, written without building a control tuple (the same
    /// bytes as append() of make::send_sender, or make::send when `from` is null).
    std::error_code append_send(std::vector<std::uint8_t>& out, const pid* from, const pid& to,
                                const term& message) const;
    /// As append() of make::reg_send.
    std::error_code append_reg_send(std::vector<std::uint8_t>& out, const pid& from, atom to,
                                    const term& message) const;
    /// As append() of make::alias_send.
    std::error_code append_alias_send(std::vector<std::uint8_t>& out, const pid& from,
                                      const reference& alias, const term& message) const;

    /// While one lives, payloads this thread encodes leave their large binaries out of
    /// the packet, recorded in `splices` for a gathered write (the u32 length counts
    /// them). Not nestable.
    class splicing {
      public:
        explicit splicing(etf_detail::splice_list& splices) noexcept;
        ~splicing();
        splicing(const splicing&) = delete;
        splicing& operator=(const splicing&) = delete;
    };

    /// The calling thread's packets so far are queued in wire order (atom cache: what
    /// they defined may now be referred to without its text).
    void packets_queued() const noexcept {
        if (auto* c = cache_.load(std::memory_order_acquire)) c->confirm_queued();
    }
    /// The calling thread's packets since the last packets_queued() were dropped.
    void packets_dropped() const noexcept {
        if (auto* c = cache_.load(std::memory_order_acquire)) c->forget_unqueued();
    }

  private:
    // Frames what `write_control(out)` and the payload append: length, header, terms.
    template <class WriteControl>
    std::error_code append_packet(std::vector<std::uint8_t>& out, WriteControl&& write_control,
                                  const term* payload) const;

    // The atom cache, made by the first packet (16 KiB: an idle link goes without).
    etf_detail::out_atom_cache* atom_cache() const;

    bool header_;
    bool atom_cache_;
    mutable std::atomic<etf_detail::out_atom_cache*> cache_{nullptr};
};

/// Control tuples of the signals we send.
namespace make {
term link(const pid& from, const pid& to);
term send_sender(const pid& from, const pid& to);          ///< payload: the message
term send(const pid& to);                                  ///< no sender; payload: the message
term reg_send(const pid& from, atom to);                   ///< payload: the message
term alias_send(const pid& from, const reference& alias);  ///< payload: the message
term payload_exit(const pid& from, const pid& to);         ///< payload: the reason
term payload_exit2(const pid& from, const pid& to);        ///< payload: the reason
/// EXIT and EXIT2 with the reason inside, for peers without EXIT_PAYLOAD.
term exit(const pid& from, const pid& to, const term& reason);
term exit2(const pid& from, const pid& to, const term& reason);
/// MONITOR_P_EXIT with the reason inside, for peers without EXIT_PAYLOAD.
term monitor_p_exit(const process_ref& from, const pid& to, const reference& ref,
                    const term& reason);
term monitor_p(const pid& from, const process_ref& target, const reference& ref);
term demonitor_p(const pid& from, const process_ref& target, const reference& ref);
term payload_monitor_p_exit(const process_ref& from, const pid& to, const reference& ref);
term spawn_reply(const reference& req_id, const pid& to, std::int64_t flags, const term& result);
term unlink_id(std::uint64_t id, const pid& from, const pid& to);
term unlink_id_ack(std::uint64_t id, const pid& from, const pid& to);
}  // namespace make

}  // namespace otp::dist

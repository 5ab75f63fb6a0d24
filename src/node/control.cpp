// Parsing and encoding of distribution control messages.
#include "node/control.hpp"

#include <memory>

#include "term/etf_primitives.hpp"

namespace otp::dist {
namespace {

struct parser {
    std::span<const term> t;
    atom peer;
    bool ok = true;

    pid get_pid(std::size_t i) {
        auto p = t[i].as_pid();
        if (!p) ok = false;
        return p ? *p : pid{};
    }
    // A pid the peer sends as the origin of a signal must be one of its own.
    pid from_pid(std::size_t i) {
        pid p = get_pid(i);
        if (ok && p.node != peer) ok = false;
        return p;
    }
    reference get_ref(std::size_t i) {
        auto r = t[i].as_ref();
        if (!r) ok = false;
        return r ? *r : reference{};
    }
    atom get_atom(std::size_t i) {
        auto a = t[i].as_atom();
        if (!a) ok = false;
        return a ? *a : atom();
    }
    process_ref get_proc(std::size_t i) {
        if (t[i].is_atom()) return t[i].raw_atom();
        return get_pid(i);
    }
    process_ref from_proc(std::size_t i) {
        if (t[i].is_atom()) return t[i].raw_atom();
        return from_pid(i);
    }
};

}  // namespace

result<signal> parse_signal(const message& m, atom peer) {
    const auto bad = make_error_code(dist_errc::bad_control);
    if (m.direct) {
        // The same checks as below for these three ops: a payload, and a sender of
        // the peer's own.
        const message_control& d = *m.direct;
        const op kind = static_cast<op>(d.op);
        if (!m.payload || (kind != op::send && d.from.node != peer)) return bad;
        if (kind == op::send) return signal(send_signal{std::nullopt, d.to, *m.payload});
        if (kind == op::send_sender) return signal(send_signal{d.from, d.to, *m.payload});
        return signal(reg_send_signal{d.from, d.to_name, *m.payload});
    }
    auto tup = m.control.as_tuple();
    if (!tup || tup->empty()) return bad;
    auto code = (*tup)[0].as_int64();
    if (!code) return bad;
    parser p{*tup, peer};
    const std::size_t n = tup->size();
    const bool has_payload = m.payload.has_value();
    const auto arity = [&](std::size_t want, bool payload) {
        return n == want && has_payload == payload;
    };
    const term payload = has_payload ? *m.payload : term();
    signal out;
    switch (static_cast<op>(*code)) {
        case op::link:
            if (!arity(3, false)) return bad;
            out = link_signal{p.from_pid(1), p.get_pid(2)};
            break;
        case op::send:
        case op::send_tt:
            if (!arity(*code == 2 ? 3 : 4, true)) return bad;
            out = send_signal{std::nullopt, p.get_pid(2), payload};
            break;
        case op::send_sender:
        case op::send_sender_tt:
            if (!arity(*code == 22 ? 3 : 4, true)) return bad;
            out = send_signal{p.from_pid(1), p.get_pid(2), payload};
            break;
        case op::reg_send:
        case op::reg_send_tt:
            if (!arity(*code == 6 ? 4 : 5, true)) return bad;
            out = reg_send_signal{p.from_pid(1), p.get_atom(3), payload};
            break;
        case op::exit:
        case op::exit2:
            if (!arity(4, false)) return bad;
            out = exit_signal{p.from_pid(1), p.get_pid(2), (*tup)[3], *code == 3};
            break;
        case op::exit_tt:
        case op::exit2_tt:
            if (!arity(5, false)) return bad;
            out = exit_signal{p.from_pid(1), p.get_pid(2), (*tup)[4], *code == 13};
            break;
        case op::payload_exit:
        case op::payload_exit2:
        case op::payload_exit_tt:
        case op::payload_exit2_tt: {
            const bool tt = *code == 25 || *code == 27;
            if (!arity(tt ? 4 : 3, true)) return bad;
            out = exit_signal{p.from_pid(1), p.get_pid(2), payload, *code == 24 || *code == 25};
            break;
        }
        case op::monitor_p:
        case op::demonitor_p: {
            if (!arity(4, false)) return bad;
            const pid from = p.from_pid(1);
            const process_ref target = p.get_proc(2);
            const reference ref = p.get_ref(3);
            if (*code == 19) {
                out = monitor_signal{from, target, ref};
            } else {
                out = demonitor_signal{from, target, ref};
            }
            break;
        }
        case op::monitor_p_exit:
            if (!arity(5, false)) return bad;
            out = monitor_exit_signal{p.from_proc(1), p.get_pid(2), p.get_ref(3), (*tup)[4]};
            break;
        case op::payload_monitor_p_exit:
            if (!arity(4, true)) return bad;
            out = monitor_exit_signal{p.from_proc(1), p.get_pid(2), p.get_ref(3), payload};
            break;
        case op::spawn_request:
        case op::spawn_request_tt: {
            if (!arity(*code == 29 ? 6 : 7, true)) return bad;
            auto mfa = (*tup)[4].as_tuple();
            if (!mfa || mfa->size() != 3 || !payload.is_list()) return bad;
            parser q{*mfa, peer};
            const atom mod = q.get_atom(0);
            const atom fun = q.get_atom(1);
            auto ar = (*mfa)[2].as_int<std::uint32_t>();
            if (!q.ok || !ar || *ar > 255) return bad;
            out = spawn_request_signal{p.get_ref(1), p.from_pid(2), (*tup)[3], mod,
                                       fun,          *ar,           (*tup)[5], payload};
            break;
        }
        case op::spawn_reply:
        case op::spawn_reply_tt: {
            if (!arity(*code == 31 ? 5 : 6, false)) return bad;
            auto flags = (*tup)[3].as_int64();
            if (!flags) return bad;
            out = spawn_reply_signal{p.get_ref(1), p.get_pid(2), *flags, (*tup)[4]};
            break;
        }
        case op::alias_send:
        case op::alias_send_tt:
            if (!arity(*code == 33 ? 3 : 4, true)) return bad;
            out = alias_send_signal{p.from_pid(1), p.get_ref(2), payload};
            break;
        case op::unlink_id:
        case op::unlink_id_ack: {
            if (!arity(4, false)) return bad;
            auto id = (*tup)[1].as_int<std::uint64_t>();
            if (!id || *id == 0) return bad;
            if (*code == 35) {
                out = unlink_id_signal{*id, p.from_pid(2), p.get_pid(3)};
            } else {
                out = unlink_id_ack_signal{*id, p.from_pid(2), p.get_pid(3)};
            }
            break;
        }
        case op::group_leader:
            if (!arity(3, false)) return bad;
            out = group_leader_signal{p.get_pid(1), p.get_pid(2)};
            break;
        case op::altact_sig_send: {
            // OTP 28: {37, Flags, From, To} or {37, Flags, From, To, Token}; the tuple may
            // grow and unknown flag bits are ignored.
            if (n < 4 || !has_payload) return bad;
            const term& fl = (*tup)[1];
            if (!fl.is_integer()) return bad;
            const std::int64_t bits = fl.as_int64().value_or(0) & 0x1F;  // a bignum: low bits
            const pid from = p.from_pid(2);
            if (bits & 16) {
                out = exit_signal{from, p.get_pid(3), payload, false};
            } else if (bits & 4) {
                out = alias_send_signal{from, p.get_ref(3), payload};
            } else if (bits & 8) {
                out = reg_send_signal{from, p.get_atom(3), payload};
            } else {
                out = send_signal{from, p.get_pid(3), payload};
            }
            break;
        }
        default:
            return bad;  // UNLINK, NODE_LINK and unknown ops, as OTP 26+
    }
    if (!p.ok) return bad;
    return out;
}

namespace {
const encode_options dist_terms{2, -1, 1000};
thread_local etf_detail::splice_list* splicing_into = nullptr;
// An op as the SMALL_INTEGER_EXT of a control tuple.
constexpr std::uint8_t code(op o) noexcept {
    return static_cast<std::uint8_t>(o);
}
}  // namespace

packet_encoder::~packet_encoder() {
    delete cache_.load(std::memory_order_relaxed);
}

etf_detail::out_atom_cache* packet_encoder::atom_cache() const {
    if (!atom_cache_) return nullptr;
    etf_detail::out_atom_cache* c = cache_.load(std::memory_order_acquire);
    if (c != nullptr) return c;
    auto made = std::make_unique<etf_detail::out_atom_cache>();
    // Two threads' first packets at once: one cache wins, the other is thrown away.
    if (cache_.compare_exchange_strong(c, made.get(), std::memory_order_acq_rel))
        return made.release();
    return c;
}

template <class WriteControl>
std::error_code packet_encoder::append_packet(std::vector<std::uint8_t>& out,
                                              WriteControl&& write_control,
                                              const term* payload) const {
    const std::size_t start = out.size();
    const std::size_t had = splicing_into != nullptr ? splicing_into->items.size() : 0;
    // With the atom cache, the terms' atoms become references of `scope.refs`, and the
    // header is known only once they are written: room is left for the size it had
    // last time on this thread.
    struct refs_scope {
        etf_detail::packet_atom_refs* refs;
        bool sent = false;
        ~refs_scope() {
            if (refs) refs->end(sent);
        }
    } scope{nullptr};
    if (etf_detail::out_atom_cache* cache = atom_cache())
        scope.refs = &etf_detail::packet_atom_refs::begin(*cache);
    const std::size_t room = scope.refs != nullptr ? scope.refs->header_guess() : header_ ? 3 : 2;
    out.resize(start + 4 + room);
    if (scope.refs == nullptr) {
        std::uint8_t* p = out.data() + start + 4;
        if (header_) {
            // No atom cache references: atoms inline.
            p[0] = 131;
            p[1] = 68;
            p[2] = 0;
        } else {
            p[0] = 112;
            p[1] = 131;
        }
    }
    std::error_code ec = write_control(out, scope.refs);
    if (!ec && payload != nullptr) {
        if (!header_) out.push_back(131);
        ec = etf_detail::encode_body_append_dist(*payload, out, dist_terms, splicing_into,
                                                 scope.refs)
                 .error();
    }
    if (ec) {
        out.resize(start);
        return ec;
    }
    if (scope.refs != nullptr) {
        const std::size_t size = scope.refs->header_size();
        const auto at = out.begin() + static_cast<std::ptrdiff_t>(start + 4 + room);
        if (size > room) {
            out.insert(at, size - room, 0);
        } else if (size < room) {
            out.erase(at - static_cast<std::ptrdiff_t>(room - size), at);
        }
        scope.refs->write_header(out.data() + start + 4);
        if (splicing_into != nullptr && size != room)
            for (std::size_t i = had; i < splicing_into->items.size(); ++i)
                splicing_into->items[i].at += size - room;  // modulo 2^64 when smaller
    }
    scope.sent = true;
    const std::size_t len =
        out.size() - start - 4 + (splicing_into ? splicing_into->bytes_since(had) : 0);
    out[start] = static_cast<std::uint8_t>(len >> 24);
    out[start + 1] = static_cast<std::uint8_t>(len >> 16);
    out[start + 2] = static_cast<std::uint8_t>(len >> 8);
    out[start + 3] = static_cast<std::uint8_t>(len);
    return {};
}

packet_encoder::splicing::splicing(etf_detail::splice_list& splices) noexcept {
    splicing_into = &splices;
}

packet_encoder::splicing::~splicing() {
    splicing_into = nullptr;
}

std::error_code packet_encoder::append(std::vector<std::uint8_t>& out, const term& control,
                                       const term* payload) const {
    return append_packet(
        out,
        [&](std::vector<std::uint8_t>& o, etf_detail::packet_atom_refs* refs) {
            return etf_detail::encode_body_append_dist(control, o, dist_terms, nullptr, refs)
                .error();
        },
        payload);
}

std::error_code packet_encoder::append_send(std::vector<std::uint8_t>& out, const pid* from,
                                            const pid& to, const term& message) const {
    return append_packet(
        out,
        [&](std::vector<std::uint8_t>& o, etf_detail::packet_atom_refs* refs) {
            if (from)
                etf_detail::append_small_tuple(o, {code(op::send_sender), from, &to}, refs);
            else
                etf_detail::append_small_tuple(o, {code(op::send), atom(), &to}, refs);
            return std::error_code{};
        },
        &message);
}

std::error_code packet_encoder::append_reg_send(std::vector<std::uint8_t>& out, const pid& from,
                                                atom to, const term& message) const {
    return append_packet(
        out,
        [&](std::vector<std::uint8_t>& o, etf_detail::packet_atom_refs* refs) {
            etf_detail::append_small_tuple(o, {code(op::reg_send), &from, atom(), to}, refs);
            return std::error_code{};
        },
        &message);
}

std::error_code packet_encoder::append_alias_send(std::vector<std::uint8_t>& out, const pid& from,
                                                  const reference& alias,
                                                  const term& message) const {
    return append_packet(
        out,
        [&](std::vector<std::uint8_t>& o, etf_detail::packet_atom_refs* refs) {
            etf_detail::append_small_tuple(o, {code(op::alias_send), &from, &alias}, refs);
            return std::error_code{};
        },
        &message);
}

namespace make {
namespace {
term proc(const process_ref& r) {
    return std::visit([](const auto& v) { return term(v); }, r);
}
const term& unused() {
    static const term t{atom()};
    return t;
}
}  // namespace
term link(const pid& from, const pid& to) {
    return tuple(1, from, to);
}
term send_sender(const pid& from, const pid& to) {
    return tuple(22, from, to);
}
term send(const pid& to) {
    return tuple(2, unused(), to);
}
term reg_send(const pid& from, atom to) {
    return tuple(6, from, unused(), to);
}
term alias_send(const pid& from, const reference& alias) {
    return tuple(33, from, alias);
}
term payload_exit(const pid& from, const pid& to) {
    return tuple(24, from, to);
}
term payload_exit2(const pid& from, const pid& to) {
    return tuple(26, from, to);
}
term exit(const pid& from, const pid& to, const term& reason) {
    return tuple(3, from, to, reason);
}
term exit2(const pid& from, const pid& to, const term& reason) {
    return tuple(8, from, to, reason);
}
term monitor_p_exit(const process_ref& from, const pid& to, const reference& ref,
                    const term& reason) {
    return tuple(21, proc(from), to, ref, reason);
}
term monitor_p(const pid& from, const process_ref& target, const reference& ref) {
    return tuple(19, from, proc(target), ref);
}
term demonitor_p(const pid& from, const process_ref& target, const reference& ref) {
    return tuple(20, from, proc(target), ref);
}
term payload_monitor_p_exit(const process_ref& from, const pid& to, const reference& ref) {
    return tuple(28, proc(from), to, ref);
}
term spawn_reply(const reference& req_id, const pid& to, std::int64_t flags, const term& result) {
    return tuple(31, req_id, to, static_cast<long>(flags), result);
}
term unlink_id(std::uint64_t id, const pid& from, const pid& to) {
    return tuple(35, static_cast<unsigned long>(id), from, to);
}
term unlink_id_ack(std::uint64_t id, const pid& from, const pid& to) {
    return tuple(36, static_cast<unsigned long>(id), from, to);
}
}  // namespace make

}  // namespace otp::dist

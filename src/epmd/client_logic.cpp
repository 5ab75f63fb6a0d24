// The epmd client's decisions: port choice and reply reading.
#include "epmd/client_logic.hpp"

#include <charconv>

namespace otp::epmd::detail {

std::optional<std::uint16_t> parse_port(std::string_view text) noexcept {
    unsigned value = 0;
    const char* end = text.data() + text.size();
    const auto [p, err] = std::from_chars(text.data(), end, value);
    if (text.empty() || err != std::errc{} || p != end || value == 0 || value > 65535)
        return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

std::uint16_t choose_port(std::optional<std::uint16_t> configured, const char* env) noexcept {
    if (configured) return *configured;
    if (env != nullptr)
        if (const auto p = parse_port(env)) return *p;
    return default_port;
}

namespace {

// A fixed-size reply that stopped short: nothing at all means epmd hung up on us (as
// it does for requests it will not serve), a partial reply is broken.
parse_status cut_short(std::span<const std::uint8_t> in, std::error_code& ec) {
    ec = in.empty() ? make_error_code(epmd_errc::closed)
                    : make_error_code(epmd_errc::malformed_reply);
    return parse_status::error;
}

parse_status extra_bytes(std::error_code& ec) {
    ec = epmd_errc::malformed_reply;
    return parse_status::error;
}

}  // namespace

parse_status read_reply(request_kind kind, std::span<const std::uint8_t> in, bool at_eof,
                        reply_value& out, std::error_code& ec) {
    std::size_t used = 0;
    switch (kind) {
        case request_kind::alive2: {
            alive2_result r;
            const parse_status st = parse_alive2_reply(in, r, used, ec);
            if (st == parse_status::need_more) return at_eof ? cut_short(in, ec) : st;
            if (st == parse_status::done) {
                // epmd stays silent on a registration after its answer; anything more is
                // not epmd speaking.
                if (used != in.size()) return extra_bytes(ec);
                out = r;
            }
            return st;
        }
        case request_kind::port_please2: {
            node_entry n;
            const parse_status st = parse_port2_reply(in, n, used, ec);
            if (st == parse_status::need_more) return at_eof ? cut_short(in, ec) : st;
            if (st == parse_status::done) {
                if (used != in.size()) return extra_bytes(ec);
                if (!ec) out = std::move(n);
            }
            return st;
        }
        case request_kind::names:
        case request_kind::dump: {
            if (at_eof && in.empty()) return cut_short(in, ec);
            std::uint32_t port = 0;
            std::string text;
            const parse_status st = parse_text_reply(in, at_eof, port, text, ec);
            if (st != parse_status::done) return st;
            if (kind == request_kind::dump) {
                out = dump_reply{port, std::move(text)};
                return st;
            }
            auto nodes = parse_names_text(text);
            if (!nodes) {
                ec = nodes.error();
                return parse_status::error;
            }
            out = names_reply{port, std::move(*nodes)};
            return st;
        }
        case request_kind::kill:
        case request_kind::stop: {
            const parse_status st = kind == request_kind::kill ? parse_kill_reply(in, at_eof, ec)
                                                               : parse_stop_reply(in, at_eof, ec);
            if (st == parse_status::done)
                out = std::string(reinterpret_cast<const char*>(in.data()), in.size());
            return st;
        }
    }
    ec = epmd_errc::malformed_reply;
    return parse_status::error;
}

}  // namespace otp::epmd::detail

// epmd message encoders and incremental parsers.
#include "otp/epmd_protocol.hpp"

#include <charconv>
#include <cstring>

#include "term/utf8.hpp"

namespace otp {
namespace {

class epmd_category_impl final : public std::error_category {
  public:
    const char* name() const noexcept override { return "otp.epmd"; }
    std::string message(int ev) const override {
        switch (static_cast<epmd_errc>(ev)) {
            case epmd_errc::unreachable:
                return "no epmd answered";
            case epmd_errc::name_taken:
                return "epmd refused the registration (name taken)";
            case epmd_errc::not_found:
                return "node not registered with epmd";
            case epmd_errc::malformed_reply:
                return "malformed epmd reply";
            case epmd_errc::malformed_request:
                return "malformed epmd request";
            case epmd_errc::request_too_large:
                return "epmd request length out of range";
            case epmd_errc::timeout:
                return "epmd did not answer in time";
            case epmd_errc::closed:
                return "epmd closed the connection";
            case epmd_errc::invalid_name:
                return "invalid node name for epmd";
            case epmd_errc::refused:
                return "epmd refused the request";
        }
        return "unknown otp.epmd error";
    }
};

}  // namespace

const std::error_category& epmd_category() noexcept {
    static const epmd_category_impl cat;
    return cat;
}

namespace epmd {
namespace {

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}
void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    put16(out, static_cast<std::uint16_t>(v >> 16));
    put16(out, static_cast<std::uint16_t>(v));
}
std::uint16_t get16(const std::uint8_t* p) noexcept {
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
std::uint32_t get32(const std::uint8_t* p) noexcept {
    return (std::uint32_t{get16(p)} << 16) | get16(p + 2);
}
void put_bytes(std::vector<std::uint8_t>& out, std::string_view s) {
    out.insert(out.end(), s.begin(), s.end());
}

// The checks epmd applies before storing a name (epmd_srv.c): an empty name or a
// NUL byte is dropped silently; invalid UTF-8 or more than 255 characters refused.
bool acceptable_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > max_name_bytes) return false;
    if (name.find('\0') != std::string_view::npos) return false;
    const detail::utf8_info info = detail::inspect_utf8(name);
    return info.valid && info.chars <= 255;
}

// Wraps a request body with its u16 length.
std::vector<std::uint8_t> framed(std::vector<std::uint8_t> body) {
    std::vector<std::uint8_t> out;
    out.reserve(body.size() + 2);
    put16(out, static_cast<std::uint16_t>(body.size()));
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

}  // namespace

result<std::vector<std::uint8_t>> encode_alive2_request(const node_entry& node) {
    if (!acceptable_name(node.name) || node.extra.size() > max_name_bytes)
        return epmd_errc::invalid_name;
    std::vector<std::uint8_t> body;
    body.reserve(13 + node.name.size() + node.extra.size());
    body.push_back(static_cast<std::uint8_t>(code::alive2_req));
    put16(body, node.port);
    body.push_back(node.node_type);
    body.push_back(node.protocol);
    put16(body, node.highest_version);
    put16(body, node.lowest_version);
    put16(body, static_cast<std::uint16_t>(node.name.size()));
    put_bytes(body, node.name);
    put16(body, static_cast<std::uint16_t>(node.extra.size()));
    put_bytes(body, node.extra);
    if (body.size() > max_request_size) return epmd_errc::request_too_large;
    return framed(std::move(body));
}

result<std::vector<std::uint8_t>> encode_port_please2_request(std::string_view name) {
    if (!acceptable_name(name)) return epmd_errc::invalid_name;
    std::vector<std::uint8_t> body{static_cast<std::uint8_t>(code::port_please2_req)};
    put_bytes(body, name);
    return framed(std::move(body));
}

std::vector<std::uint8_t> encode_simple_request(code c) {
    return framed({static_cast<std::uint8_t>(c)});
}

result<std::vector<std::uint8_t>> encode_stop_request(std::string_view name) {
    if (!acceptable_name(name)) return epmd_errc::invalid_name;
    std::vector<std::uint8_t> body{static_cast<std::uint8_t>(code::stop_req)};
    put_bytes(body, name);
    return framed(std::move(body));
}

parse_status parse_alive2_reply(std::span<const std::uint8_t> in, alive2_result& out,
                                std::size_t& used, std::error_code& ec) {
    if (in.empty()) return parse_status::need_more;
    const auto c = static_cast<code>(in[0]);
    if (c != code::alive2_x_resp && c != code::alive2_resp) {
        ec = epmd_errc::malformed_reply;
        return parse_status::error;
    }
    const bool extended = c == code::alive2_x_resp;
    const std::size_t size = extended ? 6 : 4;
    if (in.size() < size) return parse_status::need_more;
    out.extended = extended;
    out.creation = extended ? get32(&in[2]) : get16(&in[2]);
    used = size;
    if (in[1] != 0) ec = epmd_errc::name_taken;
    return parse_status::done;
}

parse_status parse_port2_reply(std::span<const std::uint8_t> in, node_entry& out, std::size_t& used,
                               std::error_code& ec) {
    if (in.empty()) return parse_status::need_more;
    if (static_cast<code>(in[0]) != code::port2_resp) {
        ec = epmd_errc::malformed_reply;
        return parse_status::error;
    }
    if (in.size() < 2) return parse_status::need_more;
    if (in[1] != 0) {
        used = 2;
        ec = epmd_errc::not_found;
        return parse_status::done;
    }
    // 119, result, port u16, type, proto, high u16, low u16, nlen u16, name, elen u16, extra
    constexpr std::size_t fixed = 12;
    if (in.size() < fixed) return parse_status::need_more;
    const std::size_t nlen = get16(&in[10]);
    if (in.size() < fixed + nlen + 2) return parse_status::need_more;
    const std::size_t elen = get16(&in[fixed + nlen]);
    const std::size_t total = fixed + nlen + 2 + elen;
    if (in.size() < total) return parse_status::need_more;
    out.port = get16(&in[2]);
    out.node_type = in[4];
    out.protocol = in[5];
    out.highest_version = get16(&in[6]);
    out.lowest_version = get16(&in[8]);
    out.name.assign(reinterpret_cast<const char*>(&in[fixed]), nlen);
    out.extra.assign(reinterpret_cast<const char*>(&in[fixed + nlen + 2]), elen);
    used = total;
    return parse_status::done;
}

parse_status parse_text_reply(std::span<const std::uint8_t> in, bool at_eof,
                              std::uint32_t& epmd_port, std::string& text, std::error_code& ec) {
    if (!at_eof) return parse_status::need_more;
    if (in.size() < 4) {
        ec = epmd_errc::malformed_reply;
        return parse_status::error;
    }
    epmd_port = get32(in.data());
    text.assign(reinterpret_cast<const char*>(in.data() + 4), in.size() - 4);
    return parse_status::done;
}

namespace {
// KILL and STOP replies are bare ASCII words; epmd writes them in one go but TCP may
// split them, so a prefix of an expected word means "wait for more".
bool is_prefix_of(std::span<const std::uint8_t> in, std::string_view word) noexcept {
    return in.size() <= word.size() &&
           (in.empty() || std::memcmp(in.data(), word.data(), in.size()) == 0);
}
bool equals(std::span<const std::uint8_t> in, std::string_view word) noexcept {
    return in.size() == word.size() && is_prefix_of(in, word);
}
}  // namespace

parse_status parse_kill_reply(std::span<const std::uint8_t> in, bool at_eof, std::error_code& ec) {
    if (equals(in, "OK")) return parse_status::done;
    if (equals(in, "NO")) {
        ec = epmd_errc::refused;
        return parse_status::done;
    }
    if (in.empty() && at_eof) {
        ec = epmd_errc::refused;
        return parse_status::error;
    }
    if (!at_eof && (is_prefix_of(in, "OK") || is_prefix_of(in, "NO")))
        return parse_status::need_more;
    ec = epmd_errc::malformed_reply;
    return parse_status::error;
}

parse_status parse_stop_reply(std::span<const std::uint8_t> in, bool at_eof, std::error_code& ec) {
    constexpr std::string_view stopped = "STOPPED";
    constexpr std::string_view missing = "NOEXISTSTOPPED";
    if (equals(in, stopped)) return parse_status::done;
    // epmd sends NOEXIST and STOPPED as two writes; a close right after NOEXIST still
    // tells us all we need.
    if (equals(in, missing) || (at_eof && equals(in, missing.substr(0, 7)))) {
        ec = epmd_errc::not_found;
        return parse_status::done;
    }
    if (in.empty() && at_eof) {
        ec = epmd_errc::refused;
        return parse_status::error;
    }
    if (!at_eof && (is_prefix_of(in, stopped) || is_prefix_of(in, missing)))
        return parse_status::need_more;
    ec = epmd_errc::malformed_reply;
    return parse_status::error;
}

result<std::vector<name_port>> parse_names_text(std::string_view text) {
    std::vector<name_port> out;
    constexpr std::string_view prefix = "name ";
    constexpr std::string_view middle = " at port ";
    while (!text.empty()) {
        const std::size_t eol = text.find('\n');
        if (eol == std::string_view::npos) return epmd_errc::malformed_reply;
        std::string_view line = text.substr(0, eol);
        text.remove_prefix(eol + 1);
        // Names may contain spaces, so the port is found from the end of the line.
        const std::size_t at = line.rfind(middle);
        if (!line.starts_with(prefix) || at == std::string_view::npos || at < prefix.size())
            return epmd_errc::malformed_reply;
        const std::string_view digits = line.substr(at + middle.size());
        std::uint16_t port = 0;
        const auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
        if (err != std::errc{} || end != digits.data() + digits.size() || digits.empty())
            return epmd_errc::malformed_reply;
        out.push_back({std::string(line.substr(prefix.size(), at - prefix.size())), port});
    }
    return out;
}

parse_status parse_request(std::span<const std::uint8_t> in, request& out, std::size_t& used,
                           std::error_code& ec) {
    if (in.size() < 2) return parse_status::need_more;
    const std::size_t len = get16(in.data());
    if (len == 0 || len > max_request_size) {
        ec = epmd_errc::request_too_large;
        return parse_status::error;
    }
    if (in.size() < 2 + len) return parse_status::need_more;
    const std::uint8_t* b = in.data() + 2;
    const auto rest_name = [&] {
        std::string_view n(reinterpret_cast<const char*>(b + 1), len - 1);
        if (!n.empty() && n.back() == '\0') n.remove_suffix(1);  // epmd tolerates one
        return n;
    };
    used = 2 + len;
    switch (static_cast<code>(b[0])) {
        case code::alive2_req: {
            if (len < 13) break;
            alive2_request r;
            r.node.port = get16(b + 1);
            r.node.node_type = b[3];
            r.node.protocol = b[4];
            r.node.highest_version = get16(b + 5);
            r.node.lowest_version = get16(b + 7);
            const std::size_t nlen = get16(b + 9);
            if (11 + nlen + 2 > len) break;
            const std::size_t elen = get16(b + 11 + nlen);
            if (11 + nlen + 2 + elen > len) break;
            r.node.name.assign(reinterpret_cast<const char*>(b + 11), nlen);
            r.node.extra.assign(reinterpret_cast<const char*>(b + 13 + nlen), elen);
            if (nlen == 0 || r.node.name.find('\0') != std::string::npos) {
                ec = epmd_errc::invalid_name;
                return parse_status::error;
            }
            out = std::move(r);
            return parse_status::done;
        }
        case code::port_please2_req: {
            const std::string_view n = rest_name();
            if (n.empty()) {
                ec = epmd_errc::invalid_name;
                return parse_status::error;
            }
            out = port_please2_request{std::string(n)};
            return parse_status::done;
        }
        case code::names_req:
            out = names_request{};
            return parse_status::done;
        case code::dump_req:
            out = dump_request{};
            return parse_status::done;
        case code::kill_req:
            out = kill_request{};
            return parse_status::done;
        case code::stop_req:
            out = stop_request{std::string(rest_name())};
            return parse_status::done;
        default:
            break;
    }
    ec = epmd_errc::malformed_request;
    return parse_status::error;
}

std::vector<std::uint8_t> encode_alive2_reply(bool ok, std::uint32_t creation, bool extended) {
    std::vector<std::uint8_t> out;
    out.push_back(static_cast<std::uint8_t>(extended ? code::alive2_x_resp : code::alive2_resp));
    out.push_back(ok ? 0 : 1);
    if (extended) {
        put32(out, creation);
    } else {
        put16(out, static_cast<std::uint16_t>(creation));
    }
    return out;
}

std::vector<std::uint8_t> encode_port2_reply(const node_entry* node) {
    std::vector<std::uint8_t> out{static_cast<std::uint8_t>(code::port2_resp)};
    if (node == nullptr) {
        out.push_back(1);
        return out;
    }
    out.push_back(0);
    put16(out, node->port);
    out.push_back(node->node_type);
    out.push_back(node->protocol);
    put16(out, node->highest_version);
    put16(out, node->lowest_version);
    put16(out, static_cast<std::uint16_t>(node->name.size()));
    put_bytes(out, node->name);
    put16(out, static_cast<std::uint16_t>(node->extra.size()));
    put_bytes(out, node->extra);
    return out;
}

std::vector<std::uint8_t> encode_text_reply(std::uint32_t epmd_port, std::string_view text) {
    std::vector<std::uint8_t> out;
    out.reserve(4 + text.size());
    put32(out, epmd_port);
    put_bytes(out, text);
    return out;
}

}  // namespace epmd
}  // namespace otp

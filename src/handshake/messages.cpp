// Handshake message encoders and parsers.
#include "handshake/messages.hpp"

#include <algorithm>

namespace otp::handshake {
namespace {

void put(std::vector<std::uint8_t>& out, std::uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i)
        out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
std::uint64_t get(const std::uint8_t* p, int bytes) noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i)
        v = (v << 8) | p[i];
    return v;
}
void put_text(std::vector<std::uint8_t>& out, std::string_view s) {
    out.insert(out.end(), s.begin(), s.end());
}
std::string text(const std::uint8_t* p, std::size_t n) {
    return std::string(reinterpret_cast<const char*>(p), n);
}

}  // namespace

std::vector<std::uint8_t> encode(const name_msg& m) {
    std::vector<std::uint8_t> out{'N'};
    put(out, m.flags, 8);
    put(out, m.creation.value_or(0), 4);
    put(out, m.name.size(), 2);
    put_text(out, m.name);
    return out;
}

std::vector<std::uint8_t> encode(const challenge_msg& m) {
    std::vector<std::uint8_t> out{'N'};
    put(out, m.flags, 8);
    put(out, m.challenge, 4);
    put(out, m.creation, 4);
    put(out, m.name.size(), 2);
    put_text(out, m.name);
    return out;
}

std::vector<std::uint8_t> encode(const complement_msg& m) {
    std::vector<std::uint8_t> out{'c'};
    put(out, m.flags_high, 4);
    put(out, m.creation, 4);
    return out;
}

std::vector<std::uint8_t> encode(const reply_msg& m) {
    std::vector<std::uint8_t> out{'r'};
    put(out, m.challenge, 4);
    out.insert(out.end(), m.sum.begin(), m.sum.end());
    return out;
}

std::vector<std::uint8_t> encode(const status_msg& m) {
    std::vector<std::uint8_t> out{'s'};
    if (m.named) {
        put_text(out, "named:");
        put(out, m.named->first.size(), 2);
        put_text(out, m.named->first);
        put(out, m.named->second, 4);
    } else {
        put_text(out, m.text);
    }
    return out;
}

std::vector<std::uint8_t> encode_ack(const digest& d) {
    std::vector<std::uint8_t> out{'a'};
    out.insert(out.end(), d.begin(), d.end());
    return out;
}

std::optional<name_msg> parse_name(std::span<const std::uint8_t> b) {
    if (b.empty()) return std::nullopt;
    if (b[0] == 'N') {
        // Extra bytes after the name are allowed and ignored, as OTP does.
        if (b.size() < 15) return std::nullopt;
        const std::size_t nlen = get(&b[13], 2);
        if (b.size() < 15 + nlen) return std::nullopt;
        return name_msg{get(&b[1], 8), static_cast<std::uint32_t>(get(&b[9], 4)),
                        text(&b[15], nlen)};
    }
    if (b[0] == 'n') {
        // Version u16 (5), flags u32, then the name fills the rest of the message.
        if (b.size() < 7 || get(&b[1], 2) != 5) return std::nullopt;
        return name_msg{get(&b[3], 4), std::nullopt, text(&b[7], b.size() - 7)};
    }
    return std::nullopt;
}

std::optional<challenge_msg> parse_challenge(std::span<const std::uint8_t> b) {
    if (b.size() < 19 || b[0] != 'N') return std::nullopt;
    const std::size_t nlen = get(&b[17], 2);
    if (b.size() < 19 + nlen) return std::nullopt;
    return challenge_msg{get(&b[1], 8), static_cast<std::uint32_t>(get(&b[9], 4)),
                         static_cast<std::uint32_t>(get(&b[13], 4)), text(&b[19], nlen)};
}

std::optional<complement_msg> parse_complement(std::span<const std::uint8_t> b) {
    if (b.size() != 9 || b[0] != 'c') return std::nullopt;
    return complement_msg{static_cast<std::uint32_t>(get(&b[1], 4)),
                          static_cast<std::uint32_t>(get(&b[5], 4))};
}

std::optional<reply_msg> parse_reply(std::span<const std::uint8_t> b) {
    if (b.size() != 21 || b[0] != 'r') return std::nullopt;
    reply_msg m;
    m.challenge = static_cast<std::uint32_t>(get(&b[1], 4));
    std::copy(b.begin() + 5, b.end(), m.sum.begin());
    return m;
}

std::optional<status_msg> parse_status(std::span<const std::uint8_t> b) {
    if (b.empty() || b[0] != 's') return std::nullopt;
    const std::string t = text(b.data() + 1, b.size() - 1);
    if (t.rfind("named:", 0) == 0) {
        if (t.size() < 8) return std::nullopt;
        const std::size_t nlen = get(&b[7], 2);
        if (b.size() < 9 + nlen + 4) return std::nullopt;
        status_msg m;
        m.named.emplace(text(&b[9], nlen), static_cast<std::uint32_t>(get(&b[9 + nlen], 4)));
        return m;
    }
    return status_msg{t, std::nullopt};
}

std::optional<digest> parse_ack(std::span<const std::uint8_t> b) {
    if (b.size() != 17 || b[0] != 'a') return std::nullopt;
    digest d;
    std::copy(b.begin() + 1, b.end(), d.begin());
    return d;
}

std::vector<std::uint8_t> frame(std::span<const std::uint8_t> body, std::size_t width) {
    std::vector<std::uint8_t> out;
    out.reserve(width + body.size());
    put(out, body.size(), static_cast<int>(width));
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

message_reader::status message_reader::next(std::span<const std::uint8_t>& body) {
    const std::size_t avail = buf_.size() - pos_;
    if (avail < width_) return status::need_more;
    const std::size_t len = get(&buf_[pos_], static_cast<int>(width_));
    // 0x16 0x03: a ClientHello (a TLS node dialling us); 0x15 0x03: an alert (a TLS
    // node refusing our plain handshake). Only the very first bytes can be these.
    if (width_ == 2 && pos_ == 0 && (buf_[0] == 0x16 || buf_[0] == 0x15) && buf_[1] == 0x03)
        return status::tls_record;
    if (len > max_) return status::too_large;
    if (avail < width_ + len) return status::need_more;
    body = std::span<const std::uint8_t>(&buf_[pos_ + width_], len);
    pos_ += width_ + len;
    return status::message;
}

std::vector<std::uint8_t> message_reader::take_rest() {
    std::vector<std::uint8_t> rest(buf_.begin() + static_cast<std::ptrdiff_t>(pos_), buf_.end());
    buf_.clear();
    pos_ = 0;
    return rest;
}

}  // namespace otp::handshake

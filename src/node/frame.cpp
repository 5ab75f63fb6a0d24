// The u32-length framing of an established connection.
#include "node/frame.hpp"

namespace otp::dist {

frame_parser::status frame_parser::next(std::span<const std::uint8_t> in,
                                        std::span<const std::uint8_t>& body, std::size_t& used,
                                        std::size_t& needed) const noexcept {
    if (in.size() < 4) {
        needed = 4;
        return status::need_more;
    }
    const std::size_t len =
        (std::size_t{in[0]} << 24) | (std::size_t{in[1]} << 16) | (std::size_t{in[2]} << 8) | in[3];
    if (len > max_) return status::too_large;
    needed = 4 + len;
    if (in.size() < needed) return status::need_more;
    body = in.subspan(4, len);
    used = needed;
    return status::packet;
}

}  // namespace otp::dist

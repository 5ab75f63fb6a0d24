// Splits the byte stream of an established connection into packets (u32 length).
#pragma once

#include <cstdint>
#include <span>
#include <system_error>

namespace otp::dist {

/// Finds whole packets in a contiguous buffer; a length 0 packet is a tick. Pure and
/// stateless between calls: the caller keeps unconsumed bytes and calls again with
/// more, so many packets are parsed per read without copying.
class frame_parser {
  public:
    explicit frame_parser(std::size_t max_packet) noexcept : max_(max_packet) {}
    enum class status { packet, need_more, too_large };
    /// Looks at `in`; on `packet`, `body` is the packet (empty for a tick) and `used`
    /// the bytes it took with its length. On `need_more`, `needed` is the total number
    /// of bytes the next packet occupies when known (so a reader can size its buffer).
    status next(std::span<const std::uint8_t> in, std::span<const std::uint8_t>& body,
                std::size_t& used, std::size_t& needed) const noexcept;

  private:
    std::size_t max_;
};

}  // namespace otp::dist

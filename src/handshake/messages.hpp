// Handshake messages <-> bytes (pure). Bodies exclude the length prefix; frame()
// adds it, 2 bytes on plain TCP and 4 inside TLS.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "handshake/digest.hpp"

namespace otp::handshake {

/// 'N' send_name (version 6), or 'n' (version 5, from OTP 23/24 initiators).
struct name_msg {
    std::uint64_t flags = 0;
    std::optional<std::uint32_t> creation;  ///< absent in a version 5 'n' message
    std::string name;                       ///< alive@host, or host only with NAME_ME
};
/// 'N' challenge (version 6).
struct challenge_msg {
    std::uint64_t flags = 0;
    std::uint32_t challenge = 0;
    std::uint32_t creation = 0;
    std::string name;
};
/// 'c' complement: the flag bits 32-63 and the creation an 'n' message lacked.
struct complement_msg {
    std::uint32_t flags_high = 0;
    std::uint32_t creation = 0;
};
/// 'r' challenge_reply.
struct reply_msg {
    std::uint32_t challenge = 0;
    digest sum{};
};
/// 's' status; `named` carries the name and creation given to a NAME_ME initiator.
struct status_msg {
    std::string text;  ///< "ok", "nok", "alive", "true", ... (empty when named)
    std::optional<std::pair<std::string, std::uint32_t>> named;
};

std::vector<std::uint8_t> encode(const name_msg& m);  // always 'N'
std::vector<std::uint8_t> encode(const challenge_msg& m);
std::vector<std::uint8_t> encode(const complement_msg& m);
std::vector<std::uint8_t> encode(const reply_msg& m);
std::vector<std::uint8_t> encode(const status_msg& m);
/// 'a' challenge_ack.
std::vector<std::uint8_t> encode_ack(const digest& d);

// Parsers return nullopt when the body is not a well-formed message of that kind.
std::optional<name_msg> parse_name(std::span<const std::uint8_t> body);
std::optional<challenge_msg> parse_challenge(std::span<const std::uint8_t> body);
std::optional<complement_msg> parse_complement(std::span<const std::uint8_t> body);
std::optional<reply_msg> parse_reply(std::span<const std::uint8_t> body);
std::optional<status_msg> parse_status(std::span<const std::uint8_t> body);
std::optional<digest> parse_ack(std::span<const std::uint8_t> body);

/// Prefixes a body with its length in `width` (2 or 4) bytes.
std::vector<std::uint8_t> frame(std::span<const std::uint8_t> body, std::size_t width);

/// Splits a byte stream into length-prefixed handshake messages; bounded.
class message_reader {
  public:
    message_reader(std::size_t width, std::size_t max_body) : width_(width), max_(max_body) {}
    /// Appends received bytes.
    void feed(std::span<const std::uint8_t> bytes) {
        buf_.insert(buf_.end(), bytes.begin(), bytes.end());
    }
    /// tls_record: the stream starts with a TLS record (a TLS peer on a plain-TCP
    /// link), told apart because no 2-byte-framed first message is that long.
    enum class status { message, need_more, too_large, tls_record };
    /// The next whole message body (valid until the next call), or why there is none.
    status next(std::span<const std::uint8_t>& body);
    /// Bytes received after the last message taken.
    std::vector<std::uint8_t> take_rest();

  private:
    std::size_t width_;
    std::size_t max_;
    std::vector<std::uint8_t> buf_;
    std::size_t pos_ = 0;
};

}  // namespace otp::handshake

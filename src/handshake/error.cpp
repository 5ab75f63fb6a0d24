// The "otp.handshake" error category and OTP's flag names.
#include <cstdio>
#include <string>

#include "otp/dist_flags.hpp"
#include "otp/handshake.hpp"

namespace otp {
namespace {

class handshake_category_impl final : public std::error_category {
  public:
    const char* name() const noexcept override { return "otp.handshake"; }
    std::string message(int ev) const override {
        switch (static_cast<handshake_errc>(ev)) {
            case handshake_errc::bad_message:
                return "malformed or unexpected handshake message";
            case handshake_errc::message_too_large:
                return "handshake message too large";
            case handshake_errc::bad_name:
                return "invalid node name in handshake";
            case handshake_errc::missing_flags:
                return "peer lacks required distribution flags";
            case handshake_errc::wrong_peer:
                return "challenge came from another node than dialled";
            case handshake_errc::bad_cookie:
                return "invalid challenge digest (wrong cookie)";
            case handshake_errc::not_allowed:
                return "connection not allowed";
            case handshake_errc::nok:
                return "simultaneous connect: the other attempt wins";
            case handshake_errc::alive_refused:
                return "peer gave up replacing a live connection";
            case handshake_errc::bad_status:
                return "unexpected handshake status";
            case handshake_errc::timeout:
                return "handshake step timed out";
            case handshake_errc::closed:
                return "connection closed during handshake";
            case handshake_errc::peer_uses_tls:
                return "the peer speaks TLS (this node is not configured for TLS distribution)";
        }
        return "unknown otp.handshake error";
    }
};

}  // namespace

const std::error_category& handshake_category() noexcept {
    static const handshake_category_impl cat;
    return cat;
}

namespace dflag {

std::string names(std::uint64_t flags) {
    static constexpr const char* table[64] = {"PUBLISHED",
                                              "ATOM_CACHE",
                                              "EXTENDED_REFERENCES",
                                              "DIST_MONITOR",
                                              "FUN_TAGS",
                                              "DIST_MONITOR_NAME",
                                              "HIDDEN_ATOM_CACHE",
                                              "NEW_FUN_TAGS",
                                              "EXTENDED_PIDS_PORTS",
                                              "EXPORT_PTR_TAG",
                                              "BIT_BINARIES",
                                              "NEW_FLOATS",
                                              "UNICODE_IO",
                                              "DIST_HDR_ATOM_CACHE",
                                              "SMALL_ATOM_TAGS",
                                              nullptr,
                                              "UTF8_ATOMS",
                                              "MAP_TAG",
                                              "BIG_CREATION",
                                              "SEND_SENDER",
                                              "BIG_SEQTRACE_LABELS",
                                              nullptr,
                                              "EXIT_PAYLOAD",
                                              "FRAGMENTS",
                                              "HANDSHAKE_23",
                                              "UNLINK_ID",
                                              "MANDATORY_25_DIGEST",
                                              nullptr,
                                              nullptr,
                                              nullptr,
                                              nullptr,
                                              nullptr,
                                              "SPAWN",
                                              "NAME_ME",
                                              "V4_NC",
                                              "ALIAS",
                                              nullptr,
                                              "ALTACT_SIG"};
    std::string out = "[";
    for (int bit = 63; bit >= 0; --bit) {
        if (!(flags & (1ull << bit))) continue;
        if (out.size() > 1) out += ',';
        out += '"';
        if (table[bit] != nullptr) {
            out += table[bit];
        } else {
            char buf[32];
            std::snprintf(buf, sizeof buf, "UNKNOWN<%llX>", 1ull << bit);
            out += buf;
        }
        out += '"';
    }
    return out + "]";
}

}  // namespace dflag
}  // namespace otp

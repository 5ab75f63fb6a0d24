// The "otp.dist" error category.
#include <string>

#include "otp/dist_error.hpp"

namespace otp {
namespace {

class dist_category_impl final : public std::error_category {
  public:
    const char* name() const noexcept override { return "otp.dist"; }
    std::string message(int ev) const override {
        switch (static_cast<dist_errc>(ev)) {
            case dist_errc::packet_too_large:
                return "distribution packet too large";
            case dist_errc::bad_packet:
                return "malformed distribution packet";
            case dist_errc::bad_atom_cache:
                return "malformed atom cache section";
            case dist_errc::fragment_limit:
                return "too many or too large unfinished fragments";
            case dist_errc::bad_fragment:
                return "unexpected message fragment";
            case dist_errc::bad_control:
                return "invalid distribution control message";
            case dist_errc::bad_term:
                return "undecodable term in a distribution message";
            case dist_errc::tick_timeout:
                return "peer silent for net_ticktime";
            case dist_errc::closed:
                return "connection closed by peer";
        }
        return "unknown otp.dist error";
    }
};

}  // namespace

const std::error_category& dist_category() noexcept {
    static const dist_category_impl cat;
    return cat;
}

}  // namespace otp

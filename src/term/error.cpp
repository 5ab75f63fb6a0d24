// The "otp.term" error category.
#include "otp/error.hpp"

namespace otp {
namespace {

class term_category_impl final : public std::error_category {
  public:
    const char* name() const noexcept override { return "otp.term"; }
    std::string message(int ev) const override {
        switch (static_cast<term_errc>(ev)) {
            case term_errc::truncated:
                return "input ends inside a term";
            case term_errc::bad_version:
                return "external term format does not start with 131";
            case term_errc::bad_tag:
                return "unknown or unsupported term tag";
            case term_errc::too_deep:
                return "term nesting exceeds the depth limit";
            case term_errc::too_large:
                return "size exceeds a limit or the input";
            case term_errc::invalid_utf8:
                return "invalid UTF-8";
            case term_errc::atom_too_long:
                return "atom longer than 255 characters";
            case term_errc::atom_table_full:
                return "atom table is full";
            case term_errc::duplicate_map_key:
                return "duplicate map key";
            case term_errc::bad_compressed:
                return "corrupt compressed term";
            case term_errc::atom_cache_ref:
                return "atom cache reference without an atom cache";
            case term_errc::local_ext:
                return "LOCAL_EXT term without a resolver";
            case term_errc::trailing_bytes:
                return "bytes after the end of the term";
            case term_errc::bad_value:
                return "field value not allowed for its tag";
            case term_errc::wrong_type:
                return "term has another type";
            case term_errc::out_of_range:
                return "value out of range";
            case term_errc::improper_list:
                return "improper list";
            case term_errc::syntax_error:
                return "syntax error";
            case term_errc::not_literal:
                return "not a literal term";
        }
        return "unknown otp.term error";
    }
};

}  // namespace

const std::error_category& term_category() noexcept {
    static const term_category_impl cat;
    return cat;
}

}  // namespace otp

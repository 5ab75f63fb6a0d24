// The non-template parts of otp/convert.hpp.
#include "otp/convert.hpp"

#include "term/utf8.hpp"

namespace otp::detail {

result<std::string> string_from_term(const term& t) {
    if (t.is_bitstring()) {
        auto b = binary_bytes(t);
        if (!b) return b.error();
        return std::string(reinterpret_cast<const char*>(b->data()), b->size());
    }
    auto list = t.as_list();
    if (!list) return list.error();
    if (!list->is_proper()) return term_errc::improper_list;
    std::string out;
    // Most Erlang strings are ASCII: one byte per element is the likely size.
    out.reserve(list->size());
    for (const term& e : *list) {
        auto cp = e.as_int64();
        if (!cp) return cp.error();
        if (!is_unicode_scalar(*cp)) return term_errc::out_of_range;
        append_utf8(out, static_cast<std::uint32_t>(*cp));
    }
    return out;
}

}  // namespace otp::detail

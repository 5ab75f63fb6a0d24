// Error codes and the result<T> type used across otpcpp for expected failures.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace otp {

/// Errors of the term layer: decoding, encoding, typed access, text parsing.
/// All are non-fatal to the process; they concern one term or one input buffer.
enum class term_errc {
    truncated = 1,      ///< input ended inside a term
    bad_version,        ///< external format does not start with 131
    bad_tag,            ///< unknown or unsupported tag at the reported offset
    too_deep,           ///< nesting exceeds decode_options::max_depth
    too_large,          ///< a size exceeds a limit or the bytes left in the input
    invalid_utf8,       ///< an atom's or string's bytes are not valid UTF-8
    atom_too_long,      ///< an atom has more than 255 characters
    atom_table_full,    ///< the process-wide atom table reached its limit
    duplicate_map_key,  ///< a map holds the same key twice
    bad_compressed,     ///< zlib data is corrupt or inflates to the wrong size
    atom_cache_ref,     ///< ATOM_CACHE_REF without a resolver for it
    local_ext,          ///< LOCAL_EXT without a resolver for it
    trailing_bytes,     ///< bytes follow a complete term where none may
    bad_value,          ///< a field holds a value its tag forbids (e.g. bits 0 in BIT_BINARY)
    wrong_type,         ///< typed access to a term of another type
    out_of_range,       ///< a number does not fit the requested C++ type, or an index
    improper_list,      ///< a proper list was required
    syntax_error,       ///< Erlang text could not be parsed
    not_literal,        ///< the text parsed but is not a literal term (e.g. unbound variable)
};

/// The category of term_errc values; its name is "otp.term".
const std::error_category& term_category() noexcept;
inline std::error_code make_error_code(term_errc e) noexcept {
    return {static_cast<int>(e), term_category()};
}

/// Thrown by the throwing forms of otpcpp functions; carries the error code.
class system_error : public std::system_error {
  public:
    using std::system_error::system_error;
};

/// A value or an error_code, for expected failures (a minimal std::expected).
/// Not thread-safe for concurrent mutation; const access from many threads is fine.
template <class T>
class [[nodiscard]] result {
  public:
    result(const T& v) : v_(std::in_place_index<0>, v) {}
    result(T&& v) : v_(std::in_place_index<0>, std::move(v)) {}
    result(std::error_code ec) : v_(std::in_place_index<1>, ec) {}
    template <class E, class = std::enable_if_t<std::is_error_code_enum_v<E>>>
    result(E e) : v_(std::in_place_index<1>, make_error_code(e)) {}

    /// True when a value is held.
    bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    /// The value; throws otp::system_error when an error is held.
    T& value() & {
        check();
        return std::get<0>(v_);
    }
    const T& value() const& {
        check();
        return std::get<0>(v_);
    }
    /// From a temporary, the value itself (moved out), so that
    /// `for (auto& e : t.as_list().value())` iterates a live object rather than a
    /// member of a destroyed temporary.
    T value() && {
        check();
        return std::get<0>(std::move(v_));
    }

    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    /// The value, or `other` when an error is held.
    template <class U>
    T value_or(U&& other) const& {
        return has_value() ? std::get<0>(v_) : static_cast<T>(std::forward<U>(other));
    }
    /// The error held, or a default (success) error_code when a value is held.
    std::error_code error() const noexcept {
        return has_value() ? std::error_code{} : std::get<1>(v_);
    }

  private:
    void check() const {
        if (!has_value()) throw system_error(std::get<1>(v_));
    }
    std::variant<T, std::error_code> v_;
};

}  // namespace otp

template <>
struct std::is_error_code_enum<otp::term_errc> : std::true_type {};

// Conversion between Erlang terms and C++ values, extensible through otp::convert.
//
// Mappings (C++ -> Erlang; from_term accepts what is listed, anything else is
// term_errc::wrong_type):
//
//   integral types (not bool)   integer. from_term range-checks (out_of_range) and
//                               does not accept floats, not even 1.0.
//   float, double               float. from_term also accepts integers, rounded to
//                               the nearest value (out_of_range beyond the type's range).
//   bool                        the atoms true / false
//   otp::atom, pid, port, reference, export_fun, big_int, otp::term   themselves
//                               (big_int: any integer; term: anything)
//   std::string                 binary (the bytes as they are). from_term also takes
//                               a proper list of Unicode code points (an Erlang string),
//                               encoded as UTF-8; a non-code point is out_of_range.
//   std::string_view            from_term: a binary only, viewed without copying
//                               (see borrows_from_term); to_term: a binary
//   const char*, char[N]        to_term only: binary up to the first NUL
//   std::vector<std::uint8_t>   binary (bytes, not a list of small integers)
//   std::vector<T>              proper list (an improper list is improper_list)
//   std::map, std::unordered_map   map. Erlang keys that become one C++ key (1 and
//                               1.0 as double) give duplicate_map_key, never a silent loss.
//   std::pair, std::tuple       tuple of the same arity (another arity: wrong_type)
//   std::optional<T>            nullopt <-> the atom undefined (the Erlang convention
//                               for an absent value), otherwise T's mapping
//   std::monostate              the atom undefined
//   std::variant<Ts...>         to_term: the active alternative; from_term: the first
//                               alternative, in declaration order, that converts
//
// Bitstrings whose size is not a whole number of bytes are never taken as bytes.
// Conversions recurse as deep as the C++ type nests (for a recursive user type, as
// deep as the term: decode with a max_depth to bound it).
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "otp/atom.hpp"
#include "otp/error.hpp"
#include "otp/term.hpp"

namespace otp {

/// How a C++ type `T` converts to and from an Erlang term. Specialise it for your own
/// types with
///
///     static otp::term to_term(const T&);
///     static otp::result<T> from_term(const otp::term&);
///
/// (either may be left out for a one-way conversion). from_term reports failures as
/// term_errc values (wrong_type, out_of_range, improper_list, ...) and must not throw
/// for malformed input, since terms often come from other nodes.
template <class T>
struct convert;

/// Satisfied when `T` has an otp::convert specialisation with a to_term.
template <class T>
concept to_term_convertible = requires(const T& v) {
    { convert<T>::to_term(v) } -> std::same_as<term>;
};

/// Satisfied when `T` has an otp::convert specialisation with a from_term.
template <class T>
concept from_term_convertible = std::same_as<T, std::remove_cvref_t<T>> && requires(const term& t) {
    { convert<T>::from_term(t) } -> std::same_as<result<T>>;
};

/// True when a `T` made by from_term may point into the term it came from
/// (std::string_view, and containers of such), so the term must outlive it.
/// otp::from_term refuses a temporary term for such types at compile time.
/// Specialise it as true for a user type that holds views.
template <class T>
inline constexpr bool borrows_from_term = false;

/// The term for a C++ value, e.g. `otp::to_term(std::map<std::string, int>{{"a", 1}})`
/// is `#{<<"a">> => 1}`. Throws only what building the term throws (std::bad_alloc,
/// or otp::system_error for an otp::reference of bad length).
template <to_term_convertible T>
term to_term(const T& value) {
    return convert<T>::to_term(value);
}

/// The C++ value for a term, e.g. `otp::from_term<std::vector<int>>(t)`, or the
/// reason it does not convert (wrong_type, out_of_range, improper_list, ...).
template <from_term_convertible T>
result<T> from_term(const term& t) {
    return convert<T>::from_term(t);
}

namespace detail {
/// A type whose from_term result views into the term (see borrows_from_term).
template <class T>
concept borrowing_from_term = from_term_convertible<T> && borrows_from_term<T>;
}  // namespace detail

/// Deleted: the result would view into a term that dies at the end of the statement.
template <detail::borrowing_from_term T>
result<T> from_term(const term&& t) = delete;

namespace detail {

/// The integral types that map to Erlang integers: bool is an atom, and 128-bit
/// integers have no term constructor.
template <class T>
concept convert_integer = std::integral<T> && !std::same_as<T, bool> && sizeof(T) <= 8;

/// Every T converts to a term (for the members of containers and products).
template <class... Ts>
concept all_to_term = (to_term_convertible<Ts> && ...);

/// Every T converts from a term.
template <class... Ts>
concept all_from_term = (from_term_convertible<Ts> && ...);

/// The floating-point types that map to Erlang floats; long double is left out
/// because a double term would silently lose its extra range and precision.
template <class T>
concept convert_float = std::same_as<T, float> || std::same_as<T, double>;

/// True for the atom undefined, Erlang's conventional "no value".
inline bool is_undefined(const term& t) noexcept {
    auto a = t.as_atom();
    return a && *a == atoms::undefined();
}

/// from_term for std::string: a binary, or an Erlang string (list of code points).
result<std::string> string_from_term(const term& t);

/// The bytes of a term that must be a binary of whole bytes.
inline result<std::span<const std::uint8_t>> binary_bytes(const term& t) noexcept {
    auto b = t.as_binary();
    if (!b || !b->is_binary()) return term_errc::wrong_type;
    return b->bytes;
}

/// Shared by std::map and std::unordered_map.
template <class M, class K, class V>
struct map_convert {
    static term to_term(const M& m) requires all_to_term<K, V> {
        std::vector<std::pair<term, term>> pairs;
        pairs.reserve(m.size());
        for (const auto& [k, v] : m)
            pairs.emplace_back(convert<K>::to_term(k), convert<V>::to_term(v));
        return otp::make_map(std::move(pairs));
    }

    static result<M> from_term(const term& t) requires all_from_term<K, V> {
        auto view = t.as_map();
        if (!view) return view.error();
        M out;
        if constexpr (requires { out.reserve(view->size()); }) out.reserve(view->size());
        for (const auto& [k, v] : *view) {
            auto key = convert<K>::from_term(k);
            if (!key) return key.error();
            auto value = convert<V>::from_term(v);
            if (!value) return value.error();
            if (!out.try_emplace(std::move(*key), std::move(*value)).second)
                return term_errc::duplicate_map_key;
        }
        return out;
    }
};

}  // namespace detail

// --- scalars ---------------------------------------------------------------------

/// Integral types except bool: Erlang integers, range-checked on the way back.
template <detail::convert_integer T>
struct convert<T> {
    static term to_term(T v) {
        if constexpr (std::is_signed_v<T>) {
            return term(static_cast<long>(v));
        } else {
            return term(static_cast<unsigned long>(v));
        }
    }
    static result<T> from_term(const term& t) noexcept { return t.as_int<T>(); }
};

/// float and double: Erlang floats. from_term takes integers as well, because a C++
/// floating-point target rarely means "reject 3 but accept 3.0".
template <detail::convert_float T>
struct convert<T> {
    static term to_term(T v) noexcept { return term(static_cast<double>(v)); }
    static result<T> from_term(const term& t) noexcept {
        auto d = t.as_number();
        if (!d) return d.error();
        if constexpr (std::is_same_v<T, float>) {
            // A finite double beyond float's range has no defined conversion.
            // Infinities and NaN (possible in locally built terms) carry over under IEEE.
            static_assert(std::numeric_limits<float>::is_iec559);
            const double x = *d;
            if (std::isfinite(x) && std::fabs(x) > std::numeric_limits<float>::max())
                return term_errc::out_of_range;
            return static_cast<float>(x);
        } else {
            return *d;
        }
    }
};

/// bool: the atoms true and false (Erlang has no separate boolean type).
template <>
struct convert<bool> {
    static term to_term(bool v) noexcept { return term(v); }
    static result<bool> from_term(const term& t) noexcept { return t.as_bool(); }
};

/// otp::atom: an atom.
template <>
struct convert<atom> {
    static term to_term(atom v) noexcept { return term(v); }
    static result<atom> from_term(const term& t) noexcept { return t.as_atom(); }
};

/// otp::pid: a pid.
template <>
struct convert<pid> {
    static term to_term(const pid& v) { return term(v); }
    static result<pid> from_term(const term& t) noexcept { return t.as_pid(); }
};

/// otp::port: a port.
template <>
struct convert<port> {
    static term to_term(const port& v) { return term(v); }
    static result<port> from_term(const term& t) noexcept { return t.as_port(); }
};

/// otp::reference: a reference.
template <>
struct convert<reference> {
    static term to_term(const reference& v) { return term(v); }
    static result<reference> from_term(const term& t) noexcept { return t.as_ref(); }
};

/// otp::export_fun: an external fun `fun M:F/A`.
template <>
struct convert<export_fun> {
    static term to_term(const export_fun& v) { return term(v); }
    static result<export_fun> from_term(const term& t) noexcept { return t.as_export_fun(); }
};

/// otp::big_int: any integer, at any size.
template <>
struct convert<big_int> {
    static term to_term(const big_int& v) { return term(v); }
    static result<big_int> from_term(const term& t) { return t.as_big_int(); }
};

/// otp::term: itself, so that containers of raw terms convert too.
template <>
struct convert<term> {
    static term to_term(const term& v) noexcept { return v; }
    static result<term> from_term(const term& t) noexcept { return t; }
};

/// std::monostate: the atom undefined, so that variant<monostate, ...> reads like optional.
template <>
struct convert<std::monostate> {
    static term to_term(std::monostate) noexcept { return term(atoms::undefined()); }
    static result<std::monostate> from_term(const term& t) noexcept {
        if (detail::is_undefined(t)) return std::monostate{};
        return term_errc::wrong_type;
    }
};

// --- strings and bytes -----------------------------------------------------------

/// std::string: a binary; from_term also takes an Erlang string (list of code points).
/// Binary bytes are copied as they are, without UTF-8 validation, because binaries
/// routinely carry non-text data.
template <>
struct convert<std::string> {
    static term to_term(const std::string& v) { return term(std::string_view(v)); }
    static result<std::string> from_term(const term& t) { return detail::string_from_term(t); }
};

/// std::string_view: a binary, viewed in place. The view is valid while the term (or a
/// copy of it, or any term sharing its binary) lives.
template <>
struct convert<std::string_view> {
    static term to_term(std::string_view v) { return term(v); }
    static result<std::string_view> from_term(const term& t) noexcept {
        auto b = detail::binary_bytes(t);
        if (!b) return b.error();
        return std::string_view(reinterpret_cast<const char*>(b->data()), b->size());
    }
};
template <>
inline constexpr bool borrows_from_term<std::string_view> = true;

/// const char*: to_term only, a binary of the bytes up to the NUL. Throws
/// std::invalid_argument for nullptr rather than reading through it.
template <>
struct convert<const char*> {
    static term to_term(const char* v) {
        if (v == nullptr) throw std::invalid_argument("otp::to_term: null const char*");
        return term(std::string_view(v));
    }
};

/// char[N] (string literals): to_term only, a binary of the bytes up to the first NUL,
/// or all N bytes if there is none.
template <std::size_t N>
struct convert<char[N]> {
    static term to_term(const char (&v)[N]) {
        return term(std::string_view(v, static_cast<std::size_t>(std::find(v, v + N, '\0') - v)));
    }
};

/// std::vector<std::uint8_t>: a binary, the usual C++ spelling of a byte buffer.
template <class A>
struct convert<std::vector<std::uint8_t, A>> {
    static term to_term(const std::vector<std::uint8_t, A>& v) {
        return otp::binary(std::span<const std::uint8_t>(v.data(), v.size()));
    }
    static result<std::vector<std::uint8_t, A>> from_term(const term& t) {
        auto b = detail::binary_bytes(t);
        if (!b) return b.error();
        return std::vector<std::uint8_t, A>(b->begin(), b->end());
    }
};

// --- containers ------------------------------------------------------------------

/// std::vector<T>: a proper list.
template <class T, class A>
struct convert<std::vector<T, A>> {
    static term to_term(const std::vector<T, A>& v) requires to_term_convertible<T> {
        std::vector<term> elems;
        elems.reserve(v.size());
        for (const auto& e : v)
            elems.push_back(convert<T>::to_term(e));
        return otp::make_list(std::move(elems));
    }
    static result<std::vector<T, A>> from_term(const term& t) requires from_term_convertible<T> {
        auto list = t.as_list();
        if (!list) return list.error();
        // Checked first so an improper list reports improper_list whatever its elements.
        if (!list->is_proper()) return term_errc::improper_list;
        std::vector<T, A> out;
        out.reserve(list->size());
        for (const term& e : *list) {
            auto r = convert<T>::from_term(e);
            if (!r) return r.error();
            out.push_back(std::move(*r));
        }
        return out;
    }
};
template <class T, class A>
inline constexpr bool borrows_from_term<std::vector<T, A>> = borrows_from_term<T>;

/// std::map<K, V>: a map.
template <class K, class V, class C, class A>
struct convert<std::map<K, V, C, A>> : detail::map_convert<std::map<K, V, C, A>, K, V> {};
template <class K, class V, class C, class A>
inline constexpr bool borrows_from_term<std::map<K, V, C, A>> =
    borrows_from_term<K> || borrows_from_term<V>;

/// std::unordered_map<K, V>: a map.
template <class K, class V, class H, class E, class A>
struct convert<std::unordered_map<K, V, H, E, A>>
    : detail::map_convert<std::unordered_map<K, V, H, E, A>, K, V> {};
template <class K, class V, class H, class E, class A>
inline constexpr bool borrows_from_term<std::unordered_map<K, V, H, E, A>> =
    borrows_from_term<K> || borrows_from_term<V>;

/// std::tuple<Ts...>: a tuple of exactly sizeof...(Ts) elements.
template <class... Ts>
struct convert<std::tuple<Ts...>> {
    static term to_term(const std::tuple<Ts...>& v) requires detail::all_to_term<Ts...> {
        return std::apply(
            [](const Ts&... e) {
                std::vector<term> elems{convert<Ts>::to_term(e)...};
                return otp::make_tuple(std::move(elems));
            },
            v);
    }
    static result<std::tuple<Ts...>> from_term(
        const term& t) requires detail::all_from_term<Ts...> {
        auto elems = t.as_tuple();
        if (!elems) return elems.error();
        if (elems->size() != sizeof...(Ts)) return term_errc::wrong_type;
        return from_elements(*elems, std::index_sequence_for<Ts...>{});
    }

  private:
    template <std::size_t... I>
    static result<std::tuple<Ts...>> from_elements([[maybe_unused]] std::span<const term> elems,
                                                   std::index_sequence<I...>) {
        // Parts are held in optionals so element types need no default constructor,
        // and the && fold stops at the first element that fails.
        std::tuple<std::optional<Ts>...> parts;
        std::error_code ec;
        const bool ok = ([&] {
            auto r = convert<Ts>::from_term(elems[I]);
            if (!r) {
                ec = r.error();
                return false;
            }
            std::get<I>(parts).emplace(std::move(*r));
            return true;
        }() && ...);
        if (!ok) return ec;
        return std::tuple<Ts...>(std::move(*std::get<I>(parts))...);
    }
};
template <class... Ts>
inline constexpr bool borrows_from_term<std::tuple<Ts...>> = (borrows_from_term<Ts> || ...);

/// std::pair<A, B>: a 2-tuple.
template <class A, class B>
struct convert<std::pair<A, B>> {
    static term to_term(const std::pair<A, B>& v) requires detail::all_to_term<A, B> {
        const term elems[] = {convert<A>::to_term(v.first), convert<B>::to_term(v.second)};
        return otp::make_tuple(std::span<const term>(elems));
    }
    static result<std::pair<A, B>> from_term(const term& t) requires detail::all_from_term<A, B> {
        auto r = convert<std::tuple<A, B>>::from_term(t);
        if (!r) return r.error();
        return std::pair<A, B>(std::move(std::get<0>(*r)), std::move(std::get<1>(*r)));
    }
};
template <class A, class B>
inline constexpr bool borrows_from_term<std::pair<A, B>> =
    borrows_from_term<A> || borrows_from_term<B>;

/// std::optional<T>: the atom undefined for nullopt, otherwise T's term. So for
/// optional<atom> (or any T that may itself be 'undefined'), 'undefined' reads as nullopt.
template <class T>
struct convert<std::optional<T>> {
    static term to_term(const std::optional<T>& v) requires to_term_convertible<T> {
        return v ? convert<T>::to_term(*v) : term(atoms::undefined());
    }
    static result<std::optional<T>> from_term(const term& t) requires from_term_convertible<T> {
        if (detail::is_undefined(t)) return std::optional<T>();
        auto r = convert<T>::from_term(t);
        if (!r) return r.error();
        return std::optional<T>(std::move(*r));
    }
};
template <class T>
inline constexpr bool borrows_from_term<std::optional<T>> = borrows_from_term<T>;

/// std::variant<Ts...>: to_term converts the active alternative (throws
/// std::bad_variant_access if valueless); from_term takes the first alternative in
/// declaration order that converts, so list narrower types first (int before double).
/// When none converts, the error is the first one more specific than wrong_type (say
/// out_of_range from an integer alternative), else wrong_type.
template <class... Ts>
struct convert<std::variant<Ts...>> {
    static term to_term(const std::variant<Ts...>& v) requires detail::all_to_term<Ts...> {
        return std::visit(
            [](const auto& alt) {
                return convert<std::remove_cvref_t<decltype(alt)>>::to_term(alt);
            },
            v);
    }
    static result<std::variant<Ts...>> from_term(
        const term& t) requires detail::all_from_term<Ts...> {
        return try_from<0>(t, make_error_code(term_errc::wrong_type));
    }

  private:
    template <std::size_t I>
    static result<std::variant<Ts...>> try_from(const term& t, std::error_code best) {
        if constexpr (I == sizeof...(Ts)) {
            return best;
        } else {
            using Alt = std::variant_alternative_t<I, std::variant<Ts...>>;
            auto r = convert<Alt>::from_term(t);
            // By index, so a variant that repeats a type still gets the right alternative.
            if (r) return std::variant<Ts...>(std::in_place_index<I>, std::move(*r));
            if (best == term_errc::wrong_type) best = r.error();
            return try_from<I + 1>(t, best);
        }
    }
};
template <class... Ts>
inline constexpr bool borrows_from_term<std::variant<Ts...>> = (borrows_from_term<Ts> || ...);

}  // namespace otp

// Erlang atoms: interned, immutable names compared in O(1) for equality.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

#include "otp/error.hpp"

namespace otp {

namespace detail {
/// One interned atom. Entries live until the process exits, like atoms in the BEAM.
struct atom_entry {
    std::uint32_t index;  ///< position in the atom table, unique per name
    std::uint32_t hash;   ///< hash of the UTF-8 bytes
    std::uint16_t size;   ///< UTF-8 byte length (<= 1020)
    std::uint16_t chars;  ///< code points (<= 255)
    bool latin1;          ///< every code point is below 256
    char text[1];         ///< UTF-8 bytes, NUL-terminated; really `size + 1` bytes
};
/// Every entry's text is followed by at least this many zero bytes, so the name may be
/// read a word at a time.
inline constexpr std::size_t atom_text_padding = 8;

/// Interns a UTF-8 name already known to be valid and at most 255 characters.
const atom_entry* intern_atom(std::string_view utf8, std::error_code& ec) noexcept;
/// The entry of the empty atom ''.
const atom_entry* empty_atom() noexcept;
}  // namespace detail

/// Limits of the process-wide atom table (bounded, so a peer sending endless new
/// atoms gets an error instead of exhausting memory).
struct atom_table_limits {
    std::size_t max_atoms = 1'048'576;  ///< like the BEAM's default +t
};
/// Sets the atom table limit; takes effect for later interning. Thread-safe.
void set_atom_table_limits(const atom_table_limits& limits) noexcept;
/// Number of atoms interned so far. Thread-safe.
std::size_t atom_count() noexcept;

/// An Erlang atom. A small handle (one pointer) to an interned entry: copies are free,
/// equality is pointer equality and ordering compares the names code point by code
/// point, as Erlang does. Thread-safe: atoms are immutable and the table is locked.
class atom {
  public:
    /// The empty atom ''.
    atom() noexcept : e_(detail::empty_atom()) {}
    /// Interns a UTF-8 name; throws otp::system_error if it is not valid UTF-8, has more
    /// than 255 characters, or the atom table is full.
    explicit atom(std::string_view utf8_name);
    /// Interns a UTF-8 name, reporting errors instead of throwing.
    static result<atom> make(std::string_view utf8_name) noexcept;
    /// Interns a Latin-1 name (each byte one code point), as ATOM_EXT carries it.
    static result<atom> from_latin1(std::string_view latin1_name) noexcept;

    /// The name as UTF-8.
    std::string_view name() const noexcept { return {e_->text, e_->size}; }
    /// The name as a NUL-terminated UTF-8 C string.
    const char* c_str() const noexcept { return e_->text; }
    /// Number of characters (code points).
    std::size_t length() const noexcept { return e_->chars; }
    /// True when every character is below 256 (encodable as ATOM_EXT).
    bool is_latin1() const noexcept { return e_->latin1; }
    /// Hash of the name, stable for the process lifetime.
    std::size_t hash() const noexcept { return e_->hash; }
    /// The interned entry; internal.
    const detail::atom_entry* entry() const noexcept { return e_; }
    /// Wraps an interned entry; internal.
    static atom from_entry(const detail::atom_entry* e) noexcept { return atom(e); }

    friend bool operator==(atom a, atom b) noexcept { return a.e_ == b.e_; }
    friend std::strong_ordering operator<=>(atom a, atom b) noexcept {
        if (a.e_ == b.e_) return std::strong_ordering::equal;
        // UTF-8 byte order equals code point order.
        const std::size_t n = a.e_->size < b.e_->size ? a.e_->size : b.e_->size;
        const int c = std::memcmp(a.e_->text, b.e_->text, n);
        if (c != 0) return c < 0 ? std::strong_ordering::less : std::strong_ordering::greater;
        return a.e_->size <=> b.e_->size;
    }

  private:
    explicit atom(const detail::atom_entry* e) noexcept : e_(e) {}
    const detail::atom_entry* e_;
};

/// Atoms every layer uses, interned once.
namespace atoms {
atom ok() noexcept;
atom error() noexcept;
atom true_() noexcept;
atom false_() noexcept;
atom undefined() noexcept;
atom nonode_nohost() noexcept;
}  // namespace atoms

}  // namespace otp

template <>
struct std::hash<otp::atom> {
    std::size_t operator()(otp::atom a) const noexcept { return a.hash(); }
};

// Parser for Erlang term syntax and patterns: an AST whose literal subtrees are
// already folded into terms, plus the bit-level helpers binaries need.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "otp/term.hpp"
#include "otp/text.hpp"

namespace otp::detail::text {

/// The type of a binary segment (`/integer`, `/float`, `/binary`, ...).
enum class seg_type : std::uint8_t { integer, float_, binary, bitstring, utf8, utf16, utf32 };

/// The type specifiers and size of one binary segment.
struct seg_spec {
    seg_type type = seg_type::integer;
    bool is_signed = false;
    bool little = false;    ///< little (or native on a little-endian host) byte order
    int unit = 0;           ///< 0: the type's default (8 for binary, else 1)
    bool has_size = false;  ///< a `:Size` was given
    std::int64_t size = 0;  ///< literal size, when size_var is empty
    std::string size_var;   ///< pattern variable holding the size
    int size_slot = -1;     ///< that variable's slot, set when a pattern is compiled
    int line = 0;
    int col = 0;

    /// The unit in effect.
    int effective_unit() const noexcept {
        return unit != 0 ? unit : (type == seg_type::binary ? 8 : 1);
    }
};

/// A node of a parsed term or pattern.
struct node {
    enum class kind : std::uint8_t {
        literal,   ///< a constant term (`value`)
        var,       ///< a variable (`name`; `slot` after compilation)
        wildcard,  ///< `_`
        tuple,     ///< `elems`
        list,      ///< `elems`, the last being the tail if `has_tail`
        map,       ///< `elems` = key, value, key, value, ... (keys literal in patterns)
        binary,    ///< `elems` = segment values, `segs` = their specs
        alias,     ///< `elems[0] = elems[1]`
    };
    kind k = kind::literal;
    bool from_unary = false;      ///< a number produced by unary minus/plus
    bool string_literal = false;  ///< a string literal (binary segments expand it)
    int line = 0;
    int col = 0;
    int slot = -1;
    term value;
    std::string name;
    std::vector<node> elems;
    bool has_tail = false;
    std::vector<seg_spec> segs;
};

/// What the parser accepts.
struct parse_config {
    bool pattern = false;  ///< allow variables, `:=` map fields, `=` aliases, `"..." ++ T`
    parse_options limits;
};

/// Parses `text` (one term or pattern, optional trailing '.'); fills `err` and returns
/// false on failure.
bool parse_text(std::string_view text, const parse_config& cfg, node& out, parse_error_info& err);

/// Appends bits to a growing bitstring.
class bit_writer {
  public:
    /// Appends the low `n` (<= 64) bits of `v`, most significant first.
    void put_bits(std::uint64_t v, unsigned n);
    /// Appends `n` bits of `bytes` starting at bit `from` (bits numbered MSB first).
    void put_bitstring(const binary_view& src, std::size_t from, std::size_t n);
    /// Size in bits so far.
    std::size_t bit_size() const noexcept { return bits_; }
    /// The bitstring built.
    term finish() const;

  private:
    std::vector<std::uint8_t> bytes_;
    std::size_t bits_ = 0;
};

/// Reads bits from a bitstring, most significant bit first.
class bit_reader {
  public:
    explicit bit_reader(const term& bits) : src_(bits), view_(bits.as_binary().value()) {}
    /// Bits not read yet.
    std::size_t remaining() const noexcept { return view_.bit_size() - pos_; }
    /// Reads `n` (<= 64) bits as an unsigned number; the caller checks remaining().
    std::uint64_t get_bits(unsigned n) noexcept;
    /// Reads `n` bits as a sub-bitstring (shares storage when byte-aligned).
    term get_bitstring(std::size_t n);

  private:
    const term& src_;
    binary_view view_;
    std::size_t pos_ = 0;
};

/// Writes an integer segment of `bits` bits (two's complement, truncated like Erlang).
void put_integer(bit_writer& w, const term& value, std::size_t bits, bool little);
/// Reads an integer segment of `bits` bits.
term get_integer(bit_reader& r, std::size_t bits, bool little, bool is_signed);
/// Writes a float segment of 16, 32 or 64 bits (too large values become infinity, as
/// in Erlang); false for NaN or infinity.
bool put_float(bit_writer& w, double value, std::size_t bits, bool little);
/// Reads a float segment; false for NaN or infinity, which Erlang never matches.
bool get_float(bit_reader& r, std::size_t bits, bool little, double& out);
/// Writes a code point as UTF-8/16/32; false if it is not a valid code point.
bool put_utf(bit_writer& w, seg_type type, std::int64_t cp, bool little);
/// Reads a UTF-8/16/32 code point; false if the bits do not hold a valid one.
bool get_utf(bit_reader& r, seg_type type, bool little, std::int64_t& cp);

}  // namespace otp::detail::text

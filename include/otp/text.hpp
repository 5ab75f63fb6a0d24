// Erlang text syntax for terms: printing like io_lib's ~p / ~w and parsing like
// erl_parse:parse_term/1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <system_error>

#include "otp/atom.hpp"
#include "otp/error.hpp"
#include "otp/term.hpp"

namespace otp {

/// Which characters make a list or binary print as a string; like the emulator flag
/// `+pc latin1|unicode` (erl's default is latin1).
enum class printable_range : std::uint8_t {
    latin1,   ///< only Latin-1 printable characters
    unicode,  ///< any printable Unicode character
};

/// How to_string() prints a term.
struct print_options {
    /// true: like ~p (strings, line breaking at line_width); false: like ~w (one line,
    /// lists of integers stay lists, binaries stay bytes).
    bool pretty = true;
    /// true: like ~tp / ~tw (Unicode atoms and strings printed as they are);
    /// false: like ~p / ~w (characters above 255 escaped, only Latin-1 strings).
    bool unicode = true;
    /// Printable range used by the Unicode mode (latin1 mode always uses Latin-1).
    printable_range printable = printable_range::unicode;
    /// Line length for pretty printing; 0 prints everything on one line.
    int line_width = 80;
    /// Column (1-based) where the output starts; continuation lines are indented to it.
    int column = 1;
    /// 0: unlimited; otherwise elide deeper parts with `...` like ~P / ~W with this depth.
    std::size_t max_depth = 0;
    /// Pids, ports and references of this node print with node number 0; other nodes
    /// are numbered 1, 2, ... in the order they are first seen within one call.
    atom local_node = atoms::nonode_nohost();
};

/// The term in Erlang syntax; by default like io_lib:format("~tp") with `+pc unicode`.
/// Every term without pids, ports, references or local funs parses back to an equal term.
/// Output equals erl's (OTP 25) except: maps print in map-key order also above 32 keys
/// (erl then uses its hash order); pid/port/ref node numbers are per call; terms nested
/// more than 256 containers deep are pretty printed on one line (the layout is recursive).
std::string to_string(const term& t, const print_options& options = {});

/// The term on one line without string detection, like io_lib:format("~tw").
std::string to_string_compact(const term& t);

/// Writes the term like ~tp on a single line.
std::ostream& operator<<(std::ostream& os, const term& t);

/// An atom as Erlang writes it: quoted when needed (reserved words, capitals, special
/// characters). With unicode = false, characters above 255 are escaped as \x{...}.
std::string quoted_atom(atom a, bool unicode = true);

/// A float as Erlang prints it (float_to_list(F, [short])): the shortest text that
/// reads back as the same double, in the shorter of the plain and the exponent form.
std::string format_float(double d);

/// Where and why parsing failed.
struct parse_error_info {
    std::error_code code;  ///< term_errc::syntax_error, too_deep, not_literal, ...
    int line = 0;          ///< 1-based line of the offending token
    int column = 0;        ///< 1-based column, counted in characters
    std::string message;   ///< e.g. "1:7: expected ',' or '}' but found 'foo'"
};

/// Limits applied while parsing untrusted text.
struct parse_options {
    /// Deepest nesting of tuples, lists, maps, binaries, parentheses and unary operators;
    /// deeper input fails with term_errc::too_deep instead of exhausting the stack
    /// (each level takes about 0.4 KB of stack).
    std::size_t max_depth = 512;
    /// Largest binary one literal may build (a size field can ask for huge ones).
    std::size_t max_binary_bytes = std::size_t{64} << 20;
    /// Longest integer literal in digits (bignum conversion is quadratic).
    std::size_t max_integer_digits = 100'000;
};

/// Parses one Erlang term written as a literal (what erl_parse:parse_term accepts): an
/// optional trailing '.', whitespace and % comments are allowed around it.
result<term> parse(std::string_view text);
/// As parse(text), filling `err` on failure.
result<term> parse(std::string_view text, parse_error_info& err);
/// As parse(text), with explicit limits.
result<term> parse(std::string_view text, const parse_options& options, parse_error_info& err);

}  // namespace otp

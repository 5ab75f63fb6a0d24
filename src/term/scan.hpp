// Tokenizer for Erlang term syntax (the subset of erl_scan that literal terms and
// patterns need, with erl_scan's rules for numbers, escapes, atoms and variables).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "otp/term.hpp"

namespace otp::detail::text {

/// Kinds of token.
enum class tok : std::uint8_t {
    eof,      ///< end of input
    atom,     ///< unquoted or quoted atom; `text` is the name (UTF-8)
    var,      ///< variable; `text` is the name
    keyword,  ///< reserved word (`fun`, `case`, ...); `text` is the word
    integer,  ///< integer; `int_value` unless `is_big`
    float_,   ///< float; `float_value`
    char_,    ///< character literal `$c`; `int_value` is the code point
    string,   ///< string literal; `text` is the value (UTF-8)
    punct,    ///< punctuation or operator; `text` is its spelling
    dot,      ///< the full stop ending a form
    error,    ///< lexical error; see scanner::error()
};

/// One token with its position (1-based line and column counted in characters).
struct token {
    tok kind = tok::eof;
    int line = 1;
    int col = 1;
    std::size_t offset = 0;  ///< byte offset of the first character
    std::size_t length = 0;  ///< byte length of the source text
    bool quoted = false;     ///< atom written in quotes
    std::string text;
    std::int64_t int_value = 0;
    bool is_big = false;
    big_int big_value;
    double float_value = 0.0;

    /// True for punctuation spelled `s`.
    bool is(std::string_view s) const noexcept {
        return kind == tok::punct && text.size() == s.size() && text.compare(0, s.size(), s) == 0;
    }
};

/// A lexical error: what went wrong and where.
struct scan_error {
    std::error_code code;
    int line = 0;
    int col = 0;
    std::string message;
};

/// Produces tokens one at a time from UTF-8 source text.
class scanner {
  public:
    explicit scanner(std::string_view src, std::size_t max_integer_digits = 100'000) noexcept
        : src_(src), max_digits_(max_integer_digits) {}

    /// The next token; tok::error (and error() filled) on a lexical error, after which
    /// the scanner keeps returning errors.
    token next();
    /// The last lexical error.
    const scan_error& error() const noexcept { return err_; }
    /// The source text.
    std::string_view source() const noexcept { return src_; }

  private:
    char32_t peek(std::size_t ahead = 0) const noexcept;
    std::size_t peek_len() const noexcept;
    void advance() noexcept;
    token fail(std::error_code code, int line, int col, std::string msg);
    bool skip_blanks();
    token scan_number(token t);
    token scan_name(token t, bool variable);
    token scan_quoted(token t, char32_t quote);
    token scan_char(token t);
    // Reads one escape sequence after '\'; returns false (error set) on failure.
    bool scan_escape(char32_t& value, int line, int col);

    std::string_view src_;
    std::size_t max_digits_;
    std::size_t pos_ = 0;
    int line_ = 1;
    int col_ = 1;
    bool failed_ = false;
    scan_error err_;
};

/// Decodes one UTF-8 character at `p` (strict: no overlongs or surrogates); returns its
/// byte length, 0 if invalid or `n` is 0.
std::size_t decode_utf8(const char* p, std::size_t n, char32_t& c) noexcept;
/// Appends a code point as UTF-8.
void append_utf8(std::string& out, char32_t c);
/// True for Erlang's reserved words (which must be quoted to be atoms).
bool is_reserved_word(std::string_view s) noexcept;

}  // namespace otp::detail::text

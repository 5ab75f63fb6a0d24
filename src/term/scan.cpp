// Tokenizer for Erlang term syntax; follows erl_scan (OTP 25) for what it accepts.
#include "term/scan.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

#include "term/utf8.hpp"

namespace otp::detail::text {
namespace {

bool is_digit(char32_t c) {
    return c >= '0' && c <= '9';
}

// erl_scan's white space: control characters, space, and U+0080..U+00A0.
bool is_white(char32_t c) {
    return c <= ' ' || (c >= 0x80 && c <= 0xA0);
}

bool atom_start(char32_t c) {
    return (c >= 'a' && c <= 'z') || (c >= 223 && c <= 255 && c != 247);
}

bool var_start(char32_t c) {
    return (c >= 'A' && c <= 'Z') || c == '_' || (c >= 192 && c <= 222 && c != 215);
}

bool name_char(char32_t c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' ||
           c == '@' || (c >= 223 && c <= 255 && c != 247) || (c >= 192 && c <= 222 && c != 215);
}

int digit_value(char32_t c) {
    if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
    if (c >= 'a' && c <= 'z') return static_cast<int>(c - 'a' + 10);
    if (c >= 'A' && c <= 'Z') return static_cast<int>(c - 'A' + 10);
    return 99;
}

bool based_digit(char32_t c, int base) {
    return digit_value(c) < base;
}

bool is_hex(char32_t c) {
    return based_digit(c, 16);
}

std::string at(int line, int col) {
    return std::to_string(line) + ":" + std::to_string(col) + ": ";
}

// Converts digits (no separators) in `base` to an integer token value.
void set_integer(token& t, std::string_view digits, int base) {
    std::int64_t v = 0;
    const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
    if (r.ec == std::errc{} && r.ptr == digits.data() + digits.size()) {
        t.int_value = v;
        return;
    }
    // Too large for int64: accumulate in chunks small enough for a uint64 so the
    // bignum work is one multiply-add per chunk.
    std::uint64_t chunk_mul = 1;
    std::size_t chunk_len = 0;
    while (chunk_mul <= std::numeric_limits<std::uint64_t>::max() / static_cast<unsigned>(base) /
                            static_cast<unsigned>(base)) {
        chunk_mul *= static_cast<unsigned>(base);
        ++chunk_len;
    }
    big_int acc = 0;
    std::size_t i = 0;
    while (i < digits.size()) {
        const std::size_t n = std::min(chunk_len, digits.size() - i);
        std::uint64_t chunk = 0;
        std::uint64_t mul = 1;
        for (std::size_t k = 0; k < n; ++k) {
            chunk = chunk * static_cast<unsigned>(base) +
                    static_cast<unsigned>(digit_value(digits[i + k]));
            mul *= static_cast<unsigned>(base);
        }
        acc = acc * mul + chunk;
        i += n;
    }
    t.is_big = true;
    t.big_value = std::move(acc);
}

// Whether a float literal that does not fit a double is too small (rounds to 0.0,
// as list_to_float does) rather than too large (an error).
bool float_underflows(std::string_view s) {
    const std::size_t e = s.find_first_of("eE");
    const std::string_view mant = s.substr(0, e);
    long exp = 0;
    if (e != std::string_view::npos) {
        std::string_view es = s.substr(e + 1);
        bool neg = false;
        if (!es.empty() && (es[0] == '+' || es[0] == '-')) {
            neg = es[0] == '-';
            es.remove_prefix(1);
        }
        for (const char c : es) {
            exp = exp * 10 + (c - '0');
            if (exp > 100000) break;
        }
        if (neg) exp = -exp;
    }
    const std::size_t dot = mant.find('.');
    const std::string_view ip = mant.substr(0, dot);
    const std::size_t nz = ip.find_first_not_of('0');
    if (nz != std::string_view::npos) return exp + static_cast<long>(ip.size() - nz - 1) < 0;
    return true;  // integer part is zero: the value is below 1 * 10^exp
}

}  // namespace

std::size_t decode_utf8(const char* s, std::size_t n, char32_t& c) noexcept {
    if (n == 0) return 0;
    std::size_t i = 0;
    const std::int32_t cp = next_code_point(std::string_view(s, n), i);
    if (cp < 0) return 0;
    c = static_cast<char32_t>(cp);
    return i;
}

void append_utf8(std::string& out, char32_t c) {
    detail::append_utf8(out, c);
}

bool is_reserved_word(std::string_view s) noexcept {
    static constexpr std::array<std::string_view, 27> words = {
        "after", "and",  "andalso", "band",   "begin",   "bnot", "bor", "bsl",  "bsr",
        "bxor",  "case", "catch",   "cond",   "div",     "end",  "fun", "if",   "let",
        "not",   "of",   "or",      "orelse", "receive", "rem",  "try", "when", "xor"};
    return std::find(words.begin(), words.end(), s) != words.end();
}

// Returns the code point at the current position plus `ahead` characters; U+FFFFFFFF
// at the end or at invalid UTF-8.
char32_t scanner::peek(std::size_t ahead) const noexcept {
    std::size_t p = pos_;
    // ASCII fast path: most source text is ASCII.
    if (p + ahead < src_.size()) {
        bool ascii = true;
        for (std::size_t i = 0; i <= ahead && ascii; ++i)
            ascii = static_cast<unsigned char>(src_[p + i]) < 0x80;
        if (ascii) return static_cast<unsigned char>(src_[p + ahead]);
    }
    char32_t c = 0;
    for (std::size_t i = 0;; ++i) {
        const std::size_t n = decode_utf8(src_.data() + p, src_.size() - p, c);
        if (n == 0) return 0xFFFFFFFF;
        if (i == ahead) return c;
        p += n;
    }
}

std::size_t scanner::peek_len() const noexcept {
    char32_t c;
    return decode_utf8(src_.data() + pos_, src_.size() - pos_, c);
}

void scanner::advance() noexcept {
    if (pos_ < src_.size() && static_cast<unsigned char>(src_[pos_]) < 0x80) {
        if (src_[pos_++] == '\n') {
            ++line_;
            col_ = 1;
        } else {
            ++col_;
        }
        return;
    }
    char32_t c = 0;
    const std::size_t n = decode_utf8(src_.data() + pos_, src_.size() - pos_, c);
    if (n == 0) return;
    pos_ += n;
    if (c == '\n') {
        ++line_;
        col_ = 1;
    } else {
        ++col_;
    }
}

token scanner::fail(std::error_code code, int line, int col, std::string msg) {
    failed_ = true;
    err_.code = code;
    err_.line = line;
    err_.col = col;
    err_.message = at(line, col) + msg;
    token t;
    t.kind = tok::error;
    t.line = line;
    t.col = col;
    t.offset = pos_;
    return t;
}

// Skips white space and comments; false if invalid UTF-8 stopped it.
bool scanner::skip_blanks() {
    for (;;) {
        if (pos_ >= src_.size()) return true;
        const char32_t c = peek();
        if (c == 0xFFFFFFFF) return false;
        if (is_white(c)) {
            advance();
        } else if (c == '%') {
            while (pos_ < src_.size() && src_[pos_] != '\n') {
                if (peek_len() == 0) return false;
                advance();
            }
        } else {
            return true;
        }
    }
}

token scanner::next() {
    if (failed_) {
        token t;
        t.kind = tok::error;
        t.line = err_.line;
        t.col = err_.col;
        return t;
    }
    if (!skip_blanks())
        return fail(make_error_code(term_errc::invalid_utf8), line_, col_, "invalid UTF-8");
    token t;
    t.line = line_;
    t.col = col_;
    t.offset = pos_;
    if (pos_ >= src_.size()) {
        t.kind = tok::eof;
        return t;
    }
    const char32_t c = peek();
    token r;
    if (atom_start(c)) {
        r = scan_name(std::move(t), false);
    } else if (var_start(c)) {
        r = scan_name(std::move(t), true);
    } else if (is_digit(c)) {
        r = scan_number(std::move(t));
    } else if (c == '"') {
        r = scan_quoted(std::move(t), '"');
    } else if (c == '\'') {
        r = scan_quoted(std::move(t), '\'');
    } else if (c == '$') {
        r = scan_char(std::move(t));
    } else {
        // Punctuation: longest operator first, as erl_scan does.
        static constexpr std::array<std::string_view, 20> ops = {
            "=:=", "=/=", "...", "<<", ">>", "<-", "<=", ">=", "->", "--",
            "++",  "=<",  "=>",  "==", "/=", "||", ":=", "::", "..", "?="};
        const std::string_view rest = src_.substr(pos_);
        // Only characters that start some operator need the table.
        static constexpr std::string_view op_starts = "=.<>-+|:/?";
        if (c == '.' && (rest.size() == 1 || rest[1] == '%' || [&] {
                char32_t n = 0;
                return decode_utf8(rest.data() + 1, rest.size() - 1, n) != 0 && is_white(n);
            }())) {
            advance();
            t.kind = tok::dot;
            t.text = ".";
            t.length = 1;
            return t;
        }
        if (op_starts.find(rest[0]) != std::string_view::npos) {
            for (const std::string_view op : ops) {
                if (rest.substr(0, op.size()) == op) {
                    for (std::size_t i = 0; i < op.size(); ++i)
                        advance();
                    t.kind = tok::punct;
                    t.text = std::string(op);
                    t.length = op.size();
                    return t;
                }
            }
        }
        if (c == 0xFFFFFFFF)
            return fail(make_error_code(term_errc::invalid_utf8), line_, col_, "invalid UTF-8");
        if (c > 255)
            return fail(make_error_code(term_errc::syntax_error), line_, col_, "illegal character");
        const std::size_t n = peek_len();
        t.kind = tok::punct;
        t.text = std::string(src_.substr(pos_, n));
        t.length = n;
        advance();
        return t;
    }
    if (r.kind != tok::error) r.length = pos_ - r.offset;
    return r;
}

token scanner::scan_name(token t, bool variable) {
    std::string name;
    while (pos_ < src_.size()) {
        const char32_t c = peek();
        if (c == 0xFFFFFFFF || !name_char(c)) break;
        append_utf8(name, c);
        advance();
    }
    if (variable) {
        t.kind = tok::var;
    } else {
        t.kind = is_reserved_word(name) ? tok::keyword : tok::atom;
    }
    t.text = std::move(name);
    return t;
}

token scanner::scan_number(token t) {
    // Digits with single '_' separators between digits (OTP 23+).
    auto digits = [this](std::string& out, int base) {
        for (;;) {
            const char32_t c = peek();
            if (c != 0xFFFFFFFF && based_digit(c, base)) {
                out += static_cast<char>(c);
                advance();
            } else if (c == '_' && !out.empty() &&
                       based_digit(static_cast<unsigned char>(out.back()), base) &&
                       based_digit(peek(1), base)) {
                advance();
            } else {
                return;
            }
        }
    };
    std::string ds;
    digits(ds, 10);
    if (peek() == '#') {
        int base = 0;
        const auto r = std::from_chars(ds.data(), ds.data() + ds.size(), base);
        if (r.ec != std::errc{} || r.ptr != ds.data() + ds.size() || base < 2 || base > 36)
            return fail(make_error_code(term_errc::syntax_error), t.line, t.col,
                        "invalid base " + ds + " (must be 2..36)");
        advance();
        std::string bds;
        digits(bds, base);
        if (bds.empty())
            return fail(make_error_code(term_errc::syntax_error), t.line, t.col,
                        "illegal integer: no digits after '" + ds + "#'");
        if (bds.size() > max_digits_)
            return fail(make_error_code(term_errc::too_large), t.line, t.col,
                        "integer literal too long");
        t.kind = tok::integer;
        set_integer(t, bds, base);
        return t;
    }
    if (peek() == '.' && is_digit(peek(1))) {
        std::string fs = ds;
        fs += '.';
        advance();
        digits(fs, 10);
        const char32_t e = peek();
        if (e == 'e' || e == 'E') {
            fs += 'e';
            advance();
            const char32_t sign = peek();
            if (sign == '+' || sign == '-') {
                fs += static_cast<char>(sign);
                advance();
            }
            const std::size_t before = fs.size();
            digits(fs, 10);
            if (fs.size() == before)
                return fail(make_error_code(term_errc::syntax_error), t.line, t.col,
                            "illegal float: missing exponent digits");
        }
        if (fs.size() > max_digits_)
            return fail(make_error_code(term_errc::too_large), t.line, t.col,
                        "float literal too long");
        double v = 0.0;
        const auto r = std::from_chars(fs.data(), fs.data() + fs.size(), v);
        if (r.ec == std::errc::result_out_of_range) {
            if (!float_underflows(fs))
                return fail(make_error_code(term_errc::syntax_error), t.line, t.col,
                            "illegal float: out of range");
            v = 0.0;
        } else if (r.ec != std::errc{}) {
            return fail(make_error_code(term_errc::syntax_error), t.line, t.col, "illegal float");
        }
        t.kind = tok::float_;
        t.float_value = v;
        return t;
    }
    if (ds.size() > max_digits_)
        return fail(make_error_code(term_errc::too_large), t.line, t.col,
                    "integer literal too long");
    t.kind = tok::integer;
    set_integer(t, ds, 10);
    return t;
}

bool scanner::scan_escape(char32_t& value, int line, int col) {
    const char32_t c = peek();
    if (pos_ >= src_.size() || c == 0xFFFFFFFF) {
        if (pos_ < src_.size())
            fail(make_error_code(term_errc::invalid_utf8), line_, col_, "invalid UTF-8");
        else
            fail(make_error_code(term_errc::syntax_error), line, col,
                 "unterminated escape sequence");
        return false;
    }
    if (c >= '0' && c <= '7') {
        value = 0;
        for (int i = 0; i < 3; ++i) {
            const char32_t o = peek();
            if (o < '0' || o > '7') break;
            value = value * 8 + (o - '0');
            advance();
        }
        return true;
    }
    if (c == 'x') {
        advance();
        if (peek() == '{') {
            advance();
            std::uint64_t v = 0;
            int n = 0;
            while (is_hex(peek())) {
                v = v * 16 + static_cast<unsigned>(digit_value(peek()));
                if (v > 0x10FFFF) v = 0x110000;  // stays invalid, cannot overflow
                ++n;
                advance();
            }
            if (peek() != '}' || n == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
                fail(
                    make_error_code(term_errc::syntax_error), line, col,
                    "illegal \\x{...} escape: expected hex digits of a Unicode code point and '}'");
                return false;
            }
            advance();
            value = static_cast<char32_t>(v);
            return true;
        }
        if (is_hex(peek()) && is_hex(peek(1))) {
            value = static_cast<char32_t>(digit_value(peek()) * 16 + digit_value(peek(1)));
            advance();
            advance();
            return true;
        }
        fail(make_error_code(term_errc::syntax_error), line, col,
             "illegal \\x escape: expected two hex digits or '{'");
        return false;
    }
    if (c == '^') {
        advance();
        const char32_t k = peek();
        if (pos_ >= src_.size() || k == 0xFFFFFFFF) {
            fail(make_error_code(term_errc::syntax_error), line, col,
                 "unterminated escape sequence");
            return false;
        }
        value = k & 31;
        advance();
        return true;
    }
    switch (c) {
        case 'n':
            value = '\n';
            break;
        case 'r':
            value = '\r';
            break;
        case 't':
            value = '\t';
            break;
        case 'v':
            value = '\v';
            break;
        case 'b':
            value = '\b';
            break;
        case 'f':
            value = '\f';
            break;
        case 'e':
            value = 27;
            break;
        case 's':
            value = ' ';
            break;
        case 'd':
            value = 127;
            break;
        default:
            value = c;
            break;
    }
    advance();
    return true;
}

token scanner::scan_quoted(token t, char32_t quote) {
    advance();  // the opening quote
    std::string value;
    std::size_t chars = 0;
    for (;;) {
        if (pos_ >= src_.size())
            return fail(make_error_code(term_errc::syntax_error), t.line, t.col,
                        quote == '"' ? "unterminated string" : "unterminated quoted atom");
        const char32_t c = peek();
        if (c == 0xFFFFFFFF)
            return fail(make_error_code(term_errc::invalid_utf8), line_, col_, "invalid UTF-8");
        if (c == quote) {
            advance();
            break;
        }
        char32_t v = c;
        if (c == '\\') {
            const int l = line_, k = col_;
            advance();
            if (!scan_escape(v, l, k)) {
                token e;
                e.kind = tok::error;
                return e;
            }
        } else {
            advance();
        }
        append_utf8(value, v);
        ++chars;
    }
    if (quote == '\'') {
        if (chars > 255)
            return fail(make_error_code(term_errc::atom_too_long), t.line, t.col,
                        "atom has more than 255 characters");
        t.kind = tok::atom;
        t.quoted = true;
    } else {
        t.kind = tok::string;
    }
    t.text = std::move(value);
    return t;
}

token scanner::scan_char(token t) {
    advance();  // '$'
    if (pos_ >= src_.size())
        return fail(make_error_code(term_errc::syntax_error), t.line, t.col,
                    "unterminated character literal");
    const char32_t c = peek();
    if (c == 0xFFFFFFFF)
        return fail(make_error_code(term_errc::invalid_utf8), line_, col_, "invalid UTF-8");
    char32_t v = c;
    if (c == '\\') {
        const int l = line_, k = col_;
        advance();
        if (!scan_escape(v, l, k)) {
            token e;
            e.kind = tok::error;
            return e;
        }
    } else {
        advance();
    }
    t.kind = tok::char_;
    t.int_value = v;
    return t;
}

}  // namespace otp::detail::text

// Parsing Erlang term syntax (what erl_parse:parse_term accepts) and patterns.
#include "term/parse.hpp"

#include <bit>
#include <cmath>
#include <iterator>
#include <limits>
#include <utility>

#include <boost/multiprecision/cpp_int.hpp>

#include "term/scan.hpp"

namespace otp::detail::text {
namespace {

// Thrown inside the parser and turned into parse_error_info at its boundary.
struct parse_failure {
    std::error_code code;
    int line;
    int col;
    std::string message;
};

std::string position(int line, int col) {
    return std::to_string(line) + ":" + std::to_string(col) + ": ";
}

[[noreturn]] void fail_at(term_errc code, int line, int col, const std::string& msg) {
    throw parse_failure{make_error_code(code), line, col, position(line, col) + msg};
}

bool is_number(const node& n) {
    return n.k == node::kind::literal && n.value.is_number();
}

term make_integer(const token& t) {
    if (!t.is_big) return term(static_cast<long>(t.int_value));
    return term(t.big_value);
}

term negate(const term& v) {
    if (v.is_float()) return term(-v.raw_float());
    if (auto i = v.as_int64()) {
        if (*i != std::numeric_limits<std::int64_t>::min()) return term(static_cast<long>(-*i));
    }
    const big_int b = -v.as_big_int().value();
    if (b >= std::numeric_limits<std::int64_t>::min() &&
        b <= std::numeric_limits<std::int64_t>::max())
        return term(static_cast<long>(b.convert_to<std::int64_t>()));
    return term(b);
}

std::vector<char32_t> utf8_code_points(std::string_view s) {
    std::vector<char32_t> out;
    std::size_t i = 0;
    while (i < s.size()) {
        char32_t c = 0;
        const std::size_t n = decode_utf8(s.data() + i, s.size() - i, c);
        if (n == 0) break;  // cannot happen: the scanner produced valid UTF-8
        out.push_back(c);
        i += n;
    }
    return out;
}

term make_charlist(std::string_view utf8) {
    const auto cps = utf8_code_points(utf8);
    std::vector<term> elems;
    elems.reserve(cps.size());
    for (const char32_t c : cps)
        elems.emplace_back(static_cast<long>(c));
    return make_list(std::move(elems));
}

class parser {
  public:
    parser(std::string_view text, const parse_config& cfg)
        : sc_(text, cfg.limits.max_integer_digits), cfg_(cfg) {
        advance();
    }

    node parse_top() {
        // Depth counts enclosing containers, parentheses and unary operators;
        // elements are parsed at their container's depth.
        node n = expr(0);
        if (cur_.kind == tok::dot) advance();
        if (cur_.kind != tok::eof) {
            if (prev_dot_) expected("end of input after '.'");
            expected("end of input or '.'");
        }
        return n;
    }

  private:
    [[gnu::noinline]] void advance() {
        prev_dot_ = cur_.kind == tok::dot;
        cur_ = sc_.next();
        if (cur_.kind == tok::error) {
            const scan_error& e = sc_.error();
            throw parse_failure{e.code, e.line, e.col, e.message};
        }
    }

    // Source text of a token for messages, shortened at a character boundary.
    std::string describe(const token& t) const {
        if (t.kind == tok::eof) return "end of input";
        std::string_view s = sc_.source().substr(t.offset, t.length);
        std::string out = t.kind == tok::string ? "string " : "'";
        if (s.size() > 24) {
            std::size_t cut = 20;
            while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
                --cut;
            out += s.substr(0, cut);
            out += "...";
        } else {
            out += s;
        }
        if (t.kind != tok::string) out += '\'';
        return out;
    }

    [[noreturn, gnu::noinline]] void expected(std::string_view what) const {
        fail_at(term_errc::syntax_error, cur_.line, cur_.col,
                "expected " + std::string(what) + " but found " + describe(cur_));
    }

    void expect(std::string_view p, const char* what) {
        if (!cur_.is(p)) expected(what);
        advance();
    }

    void check_depth(std::size_t depth) const {
        if (depth > cfg_.limits.max_depth) too_deep();
    }

    [[noreturn, gnu::noinline]] void too_deep() const {
        fail_at(term_errc::too_deep, cur_.line, cur_.col,
                "nesting deeper than " + std::to_string(cfg_.limits.max_depth) + " levels");
    }

    static node literal(term v, int line, int col) {
        node n;
        n.k = node::kind::literal;
        n.value = std::move(v);
        n.line = line;
        n.col = col;
        return n;
    }

    static bool all_literal(const std::vector<node>& ns) {
        for (const node& n : ns)
            if (n.k != node::kind::literal) return false;
        return true;
    }

    // The recursive descent below is kept to thin dispatchers plus containers, with
    // the locals of rare cases in helpers that are never inlined: stack use per
    // nesting level bounds how deep input can go on a small thread stack.

    // expr: in patterns also `P = P` and `"prefix" ++ P`.
    node expr(std::size_t depth) {
        check_depth(depth);
        if (cfg_.pattern) return pattern_expr(depth);
        return unary(depth);
    }

    [[gnu::noinline]] node pattern_expr(std::size_t depth) {
        node lhs = unary(depth);
        if (cur_.is("++")) return string_prefix(std::move(lhs), depth);
        if (cur_.is("=")) return alias(std::move(lhs), depth);
        return lhs;
    }

    [[gnu::noinline]] node alias(node&& lhs, std::size_t depth) {
        advance();
        node a;
        a.k = node::kind::alias;
        a.line = lhs.line;
        a.col = lhs.col;
        a.elems.push_back(std::move(lhs));
        a.elems.push_back(expr(depth + 1));
        return a;
    }

    [[gnu::noinline]] node string_prefix(node&& lhs, std::size_t depth) {
        const int line = cur_.line, col = cur_.col;
        if (lhs.k != node::kind::literal || !lhs.value.is_list() ||
            !list_view(lhs.value).is_proper())
            fail_at(term_errc::syntax_error, line, col,
                    "the left side of '++' in a pattern must be a string or proper list literal");
        advance();
        node rhs = expr(depth + 1);
        node l;
        l.k = node::kind::list;
        l.line = lhs.line;
        l.col = lhs.col;
        for (const term& e : list_view(lhs.value))
            l.elems.push_back(literal(e, line, col));
        if (l.elems.empty()) return rhs;
        l.elems.push_back(std::move(rhs));
        l.has_tail = true;
        return fold_list(std::move(l));
    }

    node unary(std::size_t depth) {
        if (cur_.is("-") || cur_.is("+")) return signed_number(depth);
        return primary(depth);
    }

    [[gnu::noinline]] node signed_number(std::size_t depth) {
        const bool minus = cur_.text == "-";
        const int line = cur_.line, col = cur_.col;
        advance();
        check_depth(depth + 1);
        node operand = primary(depth + 1);
        if (!is_number(operand) || operand.from_unary)
            fail_at(term_errc::syntax_error, line, col,
                    std::string("unary '") + (minus ? "-" : "+") +
                        "' applies only to a number literal");
        if (minus) operand.value = negate(operand.value);
        operand.from_unary = true;
        operand.line = line;
        operand.col = col;
        return operand;
    }

    node primary(std::size_t depth) {
        switch (cur_.kind) {
            case tok::punct:
                if (cur_.is("{")) return tuple(depth + 1);
                if (cur_.is("[")) return list(depth + 1);
                if (cur_.is("#")) return map(depth + 1);
                if (cur_.is("<<")) return binary(depth + 1);
                if (cur_.is("(")) return parenthesized(depth + 1);
                break;
            case tok::integer:
            case tok::float_:
            case tok::char_:
            case tok::atom:
                return simple_literal();
            case tok::string:
                return strings();
            case tok::keyword:
                return keyword();
            case tok::var:
                return variable();
            default:
                break;
        }
        expected("a term");
    }

    [[gnu::noinline]] node parenthesized(std::size_t depth) {
        advance();
        node n = expr(depth);
        expect(")", "')'");
        return n;
    }

    [[gnu::noinline]] node simple_literal() {
        const int line = cur_.line, col = cur_.col;
        term v;
        switch (cur_.kind) {
            case tok::integer:
                v = make_integer(cur_);
                break;
            case tok::float_:
                v = term(cur_.float_value);
                break;
            case tok::char_:
                v = term(static_cast<long>(cur_.int_value));
                break;
            default:
                v = term(make_atom(cur_.text, line, col));
                break;
        }
        advance();
        return literal(std::move(v), line, col);
    }

    // Adjacent strings concatenate, as in "abc" "def".
    [[gnu::noinline]] node strings() {
        const int line = cur_.line, col = cur_.col;
        std::string s = std::move(cur_.text);
        advance();
        while (cur_.kind == tok::string) {
            s += cur_.text;
            advance();
        }
        node n = literal(make_charlist(s), line, col);
        n.string_literal = true;
        return n;
    }

    [[gnu::noinline]] node keyword() {
        if (cur_.text == "fun") return parse_export_fun(cur_.line, cur_.col);
        fail_at(term_errc::syntax_error, cur_.line, cur_.col,
                "expected a term but found reserved word '" + cur_.text +
                    "' (quote it to make an atom)");
    }

    static atom make_atom(const std::string& name, int line, int col) {
        auto a = atom::make(name);
        if (!a) {
            const std::error_code ec = a.error();
            throw parse_failure{ec, line, col,
                                position(line, col) + "cannot make atom: " + ec.message()};
        }
        return *a;
    }

    [[gnu::noinline]] node variable() {
        const int line = cur_.line, col = cur_.col;
        if (!cfg_.pattern)
            fail_at(term_errc::not_literal, line, col,
                    "variable '" + cur_.text + "' is not a literal term");
        node n;
        n.line = line;
        n.col = col;
        if (cur_.text == "_") {
            n.k = node::kind::wildcard;
        } else {
            n.k = node::kind::var;
            n.name = cur_.text;
        }
        advance();
        return n;
    }

    // fun Module:Function/Arity
    node parse_export_fun(int line, int col) {
        advance();
        if (cur_.kind != tok::atom) expected("a module name after 'fun'");
        const atom m = make_atom(cur_.text, cur_.line, cur_.col);
        advance();
        expect(":", "':' in fun M:F/A");
        if (cur_.kind != tok::atom) expected("a function name in fun M:F/A");
        const atom f = make_atom(cur_.text, cur_.line, cur_.col);
        advance();
        expect("/", "'/' in fun M:F/A");
        if (cur_.kind != tok::integer || cur_.is_big || cur_.int_value < 0 || cur_.int_value > 255)
            expected("an arity 0..255 in fun M:F/A");
        const otp::export_fun v{m, f, static_cast<std::uint8_t>(cur_.int_value)};
        advance();
        return literal(term(v), line, col);
    }

    [[gnu::noinline]] node tuple(std::size_t depth) {
        check_depth(depth);
        node n;
        n.k = node::kind::tuple;
        n.line = cur_.line;
        n.col = cur_.col;
        advance();
        if (!cur_.is("}")) {
            for (;;) {
                n.elems.push_back(expr(depth));
                if (cur_.is(",")) {
                    advance();
                    continue;
                }
                if (cur_.is("}")) break;
                expected("',' or '}'");
            }
        }
        advance();
        if (!all_literal(n.elems)) return n;
        return fold_tuple(std::move(n));
    }

    [[gnu::noinline]] static node fold_tuple(node&& n) {
        std::vector<term> vals;
        vals.reserve(n.elems.size());
        for (node& e : n.elems)
            vals.push_back(std::move(e.value));
        return literal(make_tuple(std::move(vals)), n.line, n.col);
    }

    [[gnu::noinline]] static node fold_list(node&& n) {
        if (!all_literal(n.elems)) return n;
        term tail;
        if (n.has_tail) {
            tail = std::move(n.elems.back().value);
            n.elems.pop_back();
        }
        std::vector<term> vals;
        vals.reserve(n.elems.size());
        for (node& e : n.elems)
            vals.push_back(std::move(e.value));
        return literal(make_list(std::move(vals), std::move(tail)), n.line, n.col);
    }

    [[gnu::noinline]] node list(std::size_t depth) {
        check_depth(depth);
        node n;
        n.k = node::kind::list;
        n.line = cur_.line;
        n.col = cur_.col;
        advance();
        if (cur_.is("]")) {
            advance();
            return literal(term(), n.line, n.col);
        }
        for (;;) {
            n.elems.push_back(expr(depth));
            if (cur_.is(",")) {
                advance();
                continue;
            }
            if (cur_.is("|")) {
                advance();
                n.elems.push_back(expr(depth));
                n.has_tail = true;
                expect("]", "']' after the tail of a list");
                break;
            }
            if (cur_.is("]")) {
                advance();
                break;
            }
            expected("',', '|' or ']'");
        }
        return fold_list(std::move(n));
    }

    [[gnu::noinline]] node map(std::size_t depth) {
        check_depth(depth);
        node n;
        n.k = node::kind::map;
        n.line = cur_.line;
        n.col = cur_.col;
        advance();
        expect("{", "'{' after '#'");
        if (!cur_.is("}")) {
            for (;;) {
                n.elems.push_back(expr(depth));
                map_arrow(n.elems.back());
                n.elems.push_back(expr(depth));
                if (cur_.is(",")) {
                    advance();
                    continue;
                }
                if (cur_.is("}")) break;
                expected("',' or '}'");
            }
        }
        advance();
        // A map pattern matches any map holding at least its keys, so only map
        // expressions fold into a literal.
        if (cfg_.pattern) return n;
        return fold_map(std::move(n));
    }

    // The `=>` of a map expression or the `:=` of a map pattern after `key`.
    [[gnu::noinline]] void map_arrow(const node& key) {
        if (cfg_.pattern) {
            if (cur_.is("=>"))
                fail_at(term_errc::syntax_error, cur_.line, cur_.col,
                        "map patterns use ':=', not '=>'");
            if (!cur_.is(":=")) expected("':='");
            if (key.k != node::kind::literal)
                fail_at(term_errc::syntax_error, key.line, key.col,
                        "map pattern keys must be literals");
        } else {
            if (cur_.is(":="))
                fail_at(term_errc::syntax_error, cur_.line, cur_.col,
                        "':=' is only allowed in map patterns; use '=>'");
            if (!cur_.is("=>")) expected("'=>'");
        }
        advance();
    }

    [[gnu::noinline]] static node fold_map(node&& n) {
        std::vector<std::pair<term, term>> pairs;
        pairs.reserve(n.elems.size() / 2);
        for (std::size_t i = 0; i + 1 < n.elems.size(); i += 2)
            pairs.emplace_back(std::move(n.elems[i].value), std::move(n.elems[i + 1].value));
        return literal(make_map(std::move(pairs)), n.line, n.col);
    }

    [[gnu::noinline]] node binary(std::size_t depth) {
        check_depth(depth);
        node n;
        n.k = node::kind::binary;
        n.line = cur_.line;
        n.col = cur_.col;
        advance();
        // Expressions build the binary segment by segment, so long binaries need no
        // per-segment nodes. Patterns keep their segments: `<<-1:8>>` must not match
        // <<255>>, and `<<1/float>>` must match <<1.0/float>>.
        bit_writer w;
        bit_writer* out = cfg_.pattern ? nullptr : &w;
        std::size_t index = 0;
        if (!cur_.is(">>")) {
            for (;;) {
                segment(n, depth, out, index);
                if (cur_.is(",")) {
                    advance();
                    continue;
                }
                if (cur_.is(">>")) break;
                expected("',' or '>>'");
            }
        }
        advance();
        if (cfg_.pattern) {
            check_pattern_segments(n);
            return n;
        }
        return literal(w.finish(), n.line, n.col);
    }

    [[gnu::noinline]] void segment(node& bin, std::size_t depth, bit_writer* out,
                                   std::size_t& index) {
        check_depth(depth);
        const int line = cur_.line, col = cur_.col;
        bin.elems.push_back(unary(depth));
        segment_spec(bin, line, col, depth, out, index);
    }

    // The `:Size/Types` after a segment value (the last of bin.elems).
    [[gnu::noinline]] void segment_spec(node& bin, int line, int col, std::size_t depth,
                                        bit_writer* out, std::size_t& index) {
        node value = std::move(bin.elems.back());
        bin.elems.pop_back();
        seg_spec spec;
        spec.line = line;
        spec.col = col;
        if (cur_.is(":")) {
            advance();
            spec.has_size = true;
            if (cur_.kind == tok::integer) {
                if (cur_.is_big)
                    fail_at(term_errc::too_large, cur_.line, cur_.col, "segment size too large");
                spec.size = cur_.int_value;
                advance();
            } else if (cur_.kind == tok::var && cfg_.pattern && cur_.text != "_") {
                spec.size_var = cur_.text;
                advance();
            } else if (cur_.is("(")) {
                advance();
                node sz = expr(depth + 1);
                expect(")", "')'");
                if (sz.k == node::kind::var) {
                    spec.size_var = sz.name;
                } else if (sz.k == node::kind::literal && sz.value.is_integer()) {
                    auto v = sz.value.as_int64();
                    if (!v) fail_at(term_errc::too_large, line, col, "segment size too large");
                    spec.size = *v;
                } else {
                    fail_at(term_errc::syntax_error, sz.line, sz.col,
                            "segment size must be an integer");
                }
            } else {
                expected(cfg_.pattern ? "a segment size (integer or variable)" : "a segment size");
            }
            if (spec.size_var.empty() && spec.size < 0)
                fail_at(term_errc::bad_value, line, col, "negative segment size");
        }
        if (cur_.is("/")) {
            advance();
            type_specs(spec);
        }
        validate_spec(spec);
        if (value.k == node::kind::literal && value.string_literal) {
            // A string segment stands for one segment per character.
            if (spec.type == seg_type::binary || spec.type == seg_type::bitstring)
                fail_at(term_errc::bad_value, line, col,
                        "a string segment cannot have type binary");
            if (out != nullptr) {
                for (const term& c : list_view(value.value))
                    emit_segment(*out, c, spec, ++index);
                return;
            }
            for (const term& c : list_view(value.value)) {
                bin.elems.push_back(literal(c, line, col));
                bin.segs.push_back(spec);
            }
            return;
        }
        if (value.k == node::kind::alias || value.k == node::kind::tuple ||
            value.k == node::kind::list || value.k == node::kind::map ||
            value.k == node::kind::binary)
            fail_at(term_errc::syntax_error, value.line, value.col,
                    "a binary segment must be a number, string, binary or variable");
        if (out != nullptr) {
            emit_segment(*out, value.value, spec, ++index);
            return;
        }
        bin.elems.push_back(std::move(value));
        bin.segs.push_back(std::move(spec));
    }

    [[gnu::noinline]] void type_specs(seg_spec& spec) {
        bool have_type = false, have_sign = false, have_endian = false;
        for (;;) {
            if (cur_.kind != tok::atom) expected("a type specifier");
            const std::string name = cur_.text;
            const int line = cur_.line, col = cur_.col;
            advance();
            auto set_type = [&](seg_type t) {
                if (have_type)
                    fail_at(term_errc::syntax_error, line, col, "conflicting segment types");
                have_type = true;
                spec.type = t;
            };
            if (name == "integer") {
                set_type(seg_type::integer);
            } else if (name == "float") {
                set_type(seg_type::float_);
            } else if (name == "binary" || name == "bytes") {
                set_type(seg_type::binary);
            } else if (name == "bitstring" || name == "bits") {
                set_type(seg_type::bitstring);
            } else if (name == "utf8") {
                set_type(seg_type::utf8);
            } else if (name == "utf16") {
                set_type(seg_type::utf16);
            } else if (name == "utf32") {
                set_type(seg_type::utf32);
            } else if (name == "signed" || name == "unsigned") {
                if (have_sign)
                    fail_at(term_errc::syntax_error, line, col, "conflicting signedness");
                have_sign = true;
                spec.is_signed = name == "signed";
            } else if (name == "big" || name == "little" || name == "native") {
                if (have_endian)
                    fail_at(term_errc::syntax_error, line, col, "conflicting byte orders");
                have_endian = true;
                spec.little = name == "little" ||
                              (name == "native" && std::endian::native == std::endian::little);
            } else if (name == "unit") {
                expect(":", "':' after unit");
                if (cur_.kind != tok::integer || cur_.is_big || cur_.int_value < 1 ||
                    cur_.int_value > 256)
                    expected("a unit 1..256");
                if (spec.unit != 0) fail_at(term_errc::syntax_error, line, col, "unit given twice");
                spec.unit = static_cast<int>(cur_.int_value);
                advance();
            } else {
                fail_at(term_errc::syntax_error, line, col,
                        "unknown type specifier '" + name + "'");
            }
            if (!cur_.is("-")) break;
            advance();
        }
    }

    static void validate_spec(const seg_spec& s) {
        const bool utf =
            s.type == seg_type::utf8 || s.type == seg_type::utf16 || s.type == seg_type::utf32;
        if (utf && (s.has_size || s.unit != 0))
            fail_at(term_errc::syntax_error, s.line, s.col,
                    "utf segments cannot have a size or unit");
        if (s.unit != 0 && !s.has_size &&
            (s.type == seg_type::integer || s.type == seg_type::float_))
            fail_at(term_errc::syntax_error, s.line, s.col, "a unit needs a size");
    }

    // Patterns: only the last segment may take "the rest" of the binary.
    static void check_pattern_segments(const node& bin) {
        for (std::size_t i = 0; i + 1 < bin.segs.size(); ++i) {
            const seg_spec& s = bin.segs[i];
            if ((s.type == seg_type::binary || s.type == seg_type::bitstring) && !s.has_size)
                fail_at(term_errc::syntax_error, s.line, s.col,
                        "a binary segment without size is only allowed at the end of a pattern");
        }
    }

    // Appends segment number `index` (1-based, for messages) with value `v`.
    [[gnu::noinline]] void emit_segment(bit_writer& w, const term& v, const seg_spec& s,
                                        std::size_t index) const {
        const std::size_t max_bits = cfg_.limits.max_binary_bytes * 8;
        const auto bad = [&](const std::string& why) {
            fail_at(term_errc::bad_value, s.line, s.col,
                    "binary segment " + std::to_string(index) + ": " + why);
        };
        const auto check_room = [&](std::size_t bits) {
            if (bits > max_bits || w.bit_size() + bits > max_bits)
                fail_at(term_errc::too_large, s.line, s.col, "binary larger than the limit");
        };
        const auto seg_bits = [&](std::int64_t dflt) -> std::size_t {
            const std::int64_t size = s.has_size ? s.size : dflt;
            const std::int64_t unit = s.effective_unit();
            if (size > static_cast<std::int64_t>(max_bits) / unit)
                fail_at(term_errc::too_large, s.line, s.col, "binary larger than the limit");
            return static_cast<std::size_t>(size * unit);
        };
        switch (s.type) {
            case seg_type::integer: {
                if (!v.is_integer()) bad("an integer segment needs an integer");
                const std::size_t bits = seg_bits(8);
                check_room(bits);
                put_integer(w, v, bits, s.little);
                break;
            }
            case seg_type::float_: {
                if (!v.is_number()) bad("a float segment needs a number");
                const std::size_t bits = seg_bits(64);
                auto d = v.as_number();
                if (!d) bad("number too large for a float");
                if (bits != 16 && bits != 32 && bits != 64)
                    bad("a float segment must be 16, 32 or 64 bits");
                check_room(bits);
                if (!put_float(w, *d, bits, s.little)) bad("float does not fit the segment");
                break;
            }
            case seg_type::binary:
            case seg_type::bitstring: {
                auto bv = v.as_binary();
                if (!bv) bad("a binary segment needs a binary");
                std::size_t bits = bv->bit_size();
                if (s.has_size) {
                    bits = seg_bits(0);
                    if (bits > bv->bit_size()) bad("the binary is shorter than the segment size");
                } else if (bits % static_cast<std::size_t>(s.effective_unit()) != 0) {
                    bad(s.type == seg_type::binary
                            ? "a binary segment needs whole bytes"
                            : "bitstring size is not a multiple of the unit");
                }
                check_room(bits);
                w.put_bitstring(*bv, 0, bits);
                break;
            }
            case seg_type::utf8:
            case seg_type::utf16:
            case seg_type::utf32: {
                auto cp = v.as_int64();
                check_room(32);
                if (!cp || !put_utf(w, s.type, *cp, s.little)) bad("not a Unicode code point");
                break;
            }
        }
    }

    scanner sc_;
    const parse_config& cfg_;
    token cur_;
    bool prev_dot_ = false;
};

// IEEE 754 half precision, round to nearest even; false only for NaN and infinity.
bool to_half(double d, std::uint16_t& out) {
    if (!std::isfinite(d)) return false;
    const std::uint16_t sign = std::signbit(d) ? 0x8000 : 0;
    const double a = std::fabs(d);
    if (a == 0.0) {
        out = sign;
        return true;
    }
    if (a < std::ldexp(1.0, -14)) {
        const double r = std::nearbyint(a * std::ldexp(1.0, 24));
        out = static_cast<std::uint16_t>(sign | static_cast<std::uint16_t>(r));
        return true;
    }
    int e = 0;
    const double m = std::frexp(a, &e);  // a = m * 2^e, m in [0.5, 1)
    int biased = e - 1 + 15;
    double r = std::nearbyint(m * 2.0 * 1024.0);
    if (r >= 2048.0) {
        r = 1024.0;
        ++biased;
    }
    if (biased >= 31) {
        out = static_cast<std::uint16_t>(sign | 0x7C00);  // overflows to infinity, as in Erlang
        return true;
    }
    out = static_cast<std::uint16_t>(sign | (biased << 10) | (static_cast<int>(r) - 1024));
    return true;
}

bool from_half(std::uint16_t h, double& out) {
    const int e = (h >> 10) & 31;
    const int m = h & 1023;
    if (e == 31) return false;
    const double v = e == 0 ? std::ldexp(m, -24) : std::ldexp(1024 + m, e - 25);
    out = (h & 0x8000) ? -v : v;
    return true;
}

// Bits of a non-negative big integer below 2^bits, least significant byte first.
std::vector<std::uint8_t> le_bytes(const big_int& v, std::size_t bits) {
    std::vector<std::uint8_t> out;
    boost::multiprecision::export_bits(v, std::back_inserter(out), 8, false);
    out.resize((bits + 7) / 8, 0);
    return out;
}

}  // namespace

// --- bit_writer / bit_reader ------------------------------------------------------

void bit_writer::put_bits(std::uint64_t v, unsigned n) {
    if (n == 0) return;
    if (n < 64) v &= (std::uint64_t{1} << n) - 1;
    while (n > 0) {
        const unsigned used = bits_ % 8;
        if (used == 0) bytes_.push_back(0);
        const unsigned room = 8 - used;
        const unsigned take = n < room ? n : room;
        const auto chunk = static_cast<std::uint8_t>((v >> (n - take)) & ((1u << take) - 1));
        bytes_.back() = static_cast<std::uint8_t>(bytes_.back() | (chunk << (room - take)));
        bits_ += take;
        n -= take;
    }
}

void bit_writer::put_bitstring(const binary_view& src, std::size_t from, std::size_t n) {
    if (bits_ % 8 == 0 && from % 8 == 0) {
        const std::size_t whole = n / 8;
        bytes_.insert(bytes_.end(), src.bytes.begin() + static_cast<std::ptrdiff_t>(from / 8),
                      src.bytes.begin() + static_cast<std::ptrdiff_t>(from / 8 + whole));
        bits_ += whole * 8;
        from += whole * 8;
        n -= whole * 8;
    }
    while (n > 0) {
        const unsigned take = n < 8 ? static_cast<unsigned>(n) : 8u;
        std::uint64_t v = 0;
        for (unsigned i = 0; i < take; ++i) {
            const std::size_t bit = from + i;
            v = (v << 1) | ((src.bytes[bit / 8] >> (7 - bit % 8)) & 1u);
        }
        put_bits(v, take);
        from += take;
        n -= take;
    }
}

term bit_writer::finish() const {
    const unsigned last = static_cast<unsigned>(bits_ % 8);
    if (last == 0) return binary(std::span<const std::uint8_t>(bytes_));
    return bitstring(std::span<const std::uint8_t>(bytes_), static_cast<std::uint8_t>(last));
}

std::uint64_t bit_reader::get_bits(unsigned n) noexcept {
    std::uint64_t v = 0;
    while (n > 0) {
        const unsigned off = static_cast<unsigned>(pos_ % 8);
        const unsigned avail = 8 - off;
        const unsigned take = n < avail ? n : avail;
        const unsigned byte = view_.bytes[pos_ / 8];
        const unsigned chunk = (byte >> (avail - take)) & ((1u << take) - 1);
        v = (take == 64 ? 0 : v << take) | chunk;
        pos_ += take;
        n -= take;
    }
    return v;
}

term bit_reader::get_bitstring(std::size_t n) {
    if (pos_ % 8 == 0 && n % 8 == 0) {
        auto sub = sub_binary(src_, pos_ / 8, n / 8);
        pos_ += n;
        if (sub) return *sub;
        pos_ -= n;
    }
    bit_writer w;
    w.put_bitstring(view_, pos_, n);
    pos_ += n;
    return w.finish();
}

void put_integer(bit_writer& w, const term& value, std::size_t bits, bool little) {
    if (bits == 0) return;
    if (auto small = value.as_int64(); small && bits <= 64) {
        const auto u = static_cast<std::uint64_t>(*small);
        if (!little) {
            w.put_bits(u, static_cast<unsigned>(bits));
        } else {
            std::size_t k = 0;
            for (; k + 8 <= bits; k += 8)
                w.put_bits(u >> k, 8);
            if (k < bits) w.put_bits(u >> k, static_cast<unsigned>(bits - k));
        }
        return;
    }
    // Two's complement modulo 2^bits, like Erlang's truncation of big values.
    big_int v = value.as_big_int().value();
    const big_int mod = big_int(1) << bits;
    v %= mod;
    if (v < 0) v += mod;
    const auto bytes = le_bytes(v, bits);
    const std::size_t whole = bits / 8;
    const unsigned rest = static_cast<unsigned>(bits % 8);
    if (!little) {
        if (rest != 0) w.put_bits(bytes[whole], rest);
        for (std::size_t k = whole; k-- > 0;)
            w.put_bits(bytes[k], 8);
    } else {
        for (std::size_t k = 0; k < whole; ++k)
            w.put_bits(bytes[k], 8);
        if (rest != 0) w.put_bits(bytes[whole], rest);
    }
}

term get_integer(bit_reader& r, std::size_t bits, bool little, bool is_signed) {
    if (bits == 0) return term(0);
    if (bits <= 64) {
        std::uint64_t u = 0;
        if (!little) {
            u = r.get_bits(static_cast<unsigned>(bits));
        } else {
            std::size_t k = 0;
            for (; k + 8 <= bits; k += 8)
                u |= r.get_bits(8) << k;
            if (k < bits) u |= r.get_bits(static_cast<unsigned>(bits - k)) << k;
        }
        if (is_signed && ((u >> (bits - 1)) & 1u)) {
            if (bits == 64) return term(static_cast<long>(static_cast<std::int64_t>(u)));
            return term(static_cast<long>(static_cast<std::int64_t>(u) -
                                          static_cast<std::int64_t>(std::uint64_t{1} << bits)));
        }
        if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            return term(static_cast<long>(u));
        return term(big_int(u));
    }
    const std::size_t whole = bits / 8;
    const unsigned rest = static_cast<unsigned>(bits % 8);
    std::vector<std::uint8_t> bytes(whole + (rest ? 1 : 0), 0);
    if (!little) {
        if (rest != 0) bytes[whole] = static_cast<std::uint8_t>(r.get_bits(rest));
        for (std::size_t k = whole; k-- > 0;)
            bytes[k] = static_cast<std::uint8_t>(r.get_bits(8));
    } else {
        for (std::size_t k = 0; k < whole; ++k)
            bytes[k] = static_cast<std::uint8_t>(r.get_bits(8));
        if (rest != 0) bytes[whole] = static_cast<std::uint8_t>(r.get_bits(rest));
    }
    big_int v;
    boost::multiprecision::import_bits(v, bytes.begin(), bytes.end(), 8, false);
    if (is_signed && bit_test(v, static_cast<unsigned>(bits - 1))) v -= big_int(1) << bits;
    if (v >= std::numeric_limits<std::int64_t>::min() &&
        v <= std::numeric_limits<std::int64_t>::max())
        return term(static_cast<long>(v.convert_to<std::int64_t>()));
    return term(v);
}

bool put_float(bit_writer& w, double value, std::size_t bits, bool little) {
    std::uint64_t u = 0;
    if (bits == 64) {
        u = std::bit_cast<std::uint64_t>(value);
    } else if (bits == 32) {
        // Values beyond float's range become infinity, as Erlang writes them.
        u = std::bit_cast<std::uint32_t>(static_cast<float>(value));
    } else if (bits == 16) {
        std::uint16_t h = 0;
        if (!to_half(value, h)) return false;
        u = h;
    } else {
        return false;
    }
    if (!little) {
        w.put_bits(u, static_cast<unsigned>(bits));
    } else {
        for (std::size_t k = 0; k < bits; k += 8)
            w.put_bits(u >> k, 8);
    }
    return true;
}

bool get_float(bit_reader& r, std::size_t bits, bool little, double& out) {
    std::uint64_t u = 0;
    if (!little) {
        u = r.get_bits(static_cast<unsigned>(bits));
    } else {
        for (std::size_t k = 0; k < bits; k += 8)
            u |= r.get_bits(8) << k;
    }
    if (bits == 64) {
        out = std::bit_cast<double>(u);
    } else if (bits == 32) {
        out = std::bit_cast<float>(static_cast<std::uint32_t>(u));
    } else if (bits == 16) {
        if (!from_half(static_cast<std::uint16_t>(u), out)) return false;
    } else {
        return false;
    }
    return std::isfinite(out);
}

bool put_utf(bit_writer& w, seg_type type, std::int64_t cp, bool little) {
    if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    const auto c = static_cast<std::uint32_t>(cp);
    auto put16 = [&](std::uint32_t v) {
        if (little) {
            w.put_bits(v & 0xFF, 8);
            w.put_bits(v >> 8, 8);
        } else {
            w.put_bits(v, 16);
        }
    };
    switch (type) {
        case seg_type::utf8: {
            std::string s;
            append_utf8(s, c);
            for (const char ch : s)
                w.put_bits(static_cast<unsigned char>(ch), 8);
            return true;
        }
        case seg_type::utf16:
            if (c < 0x10000) {
                put16(c);
            } else {
                put16(0xD800 + ((c - 0x10000) >> 10));
                put16(0xDC00 + ((c - 0x10000) & 0x3FF));
            }
            return true;
        case seg_type::utf32:
            if (little) {
                for (int k = 0; k < 32; k += 8)
                    w.put_bits(c >> k, 8);
            } else {
                w.put_bits(c, 32);
            }
            return true;
        default:
            return false;
    }
}

bool get_utf(bit_reader& r, seg_type type, bool little, std::int64_t& cp) {
    auto get16 = [&]() -> std::uint32_t {
        if (little) {
            const auto lo = static_cast<std::uint32_t>(r.get_bits(8));
            return lo | static_cast<std::uint32_t>(r.get_bits(8) << 8);
        }
        return static_cast<std::uint32_t>(r.get_bits(16));
    };
    switch (type) {
        case seg_type::utf8: {
            if (r.remaining() < 8) return false;
            char buf[4];
            buf[0] = static_cast<char>(r.get_bits(8));
            const auto b0 = static_cast<unsigned char>(buf[0]);
            const std::size_t len = b0 < 0x80             ? 1
                                    : (b0 & 0xE0) == 0xC0 ? 2
                                    : (b0 & 0xF0) == 0xE0 ? 3
                                    : (b0 & 0xF8) == 0xF0 ? 4
                                                          : 0;
            if (len == 0 || r.remaining() < (len - 1) * 8) return false;
            for (std::size_t i = 1; i < len; ++i)
                buf[i] = static_cast<char>(r.get_bits(8));
            char32_t c = 0;
            if (decode_utf8(buf, len, c) != len) return false;
            cp = c;
            return true;
        }
        case seg_type::utf16: {
            if (r.remaining() < 16) return false;
            const std::uint32_t u = get16();
            if (u >= 0xDC00 && u <= 0xDFFF) return false;
            if (u >= 0xD800 && u <= 0xDBFF) {
                if (r.remaining() < 16) return false;
                const std::uint32_t l = get16();
                if (l < 0xDC00 || l > 0xDFFF) return false;
                cp = 0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00);
                return true;
            }
            cp = u;
            return true;
        }
        case seg_type::utf32: {
            if (r.remaining() < 32) return false;
            std::uint32_t u = 0;
            if (little) {
                for (int k = 0; k < 32; k += 8)
                    u |= static_cast<std::uint32_t>(r.get_bits(8)) << k;
            } else {
                u = static_cast<std::uint32_t>(r.get_bits(32));
            }
            if (u > 0x10FFFF || (u >= 0xD800 && u <= 0xDFFF)) return false;
            cp = u;
            return true;
        }
        default:
            return false;
    }
}

bool parse_text(std::string_view text, const parse_config& cfg, node& out, parse_error_info& err) {
    try {
        parser p(text, cfg);
        out = p.parse_top();
        return true;
    } catch (const parse_failure& f) {
        err.code = f.code;
        err.line = f.line;
        err.column = f.col;
        err.message = f.message;
        return false;
    }
}

}  // namespace otp::detail::text

namespace otp {

result<term> parse(std::string_view text, const parse_options& options, parse_error_info& err) {
    detail::text::parse_config cfg;
    cfg.limits = options;
    detail::text::node n;
    if (!detail::text::parse_text(text, cfg, n, err)) return err.code;
    return std::move(n.value);
}

result<term> parse(std::string_view text, parse_error_info& err) {
    return parse(text, parse_options{}, err);
}

result<term> parse(std::string_view text) {
    parse_error_info err;
    return parse(text, parse_options{}, err);
}

}  // namespace otp

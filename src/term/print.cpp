// Printing terms in Erlang syntax. The pretty printer follows the layout rules of
// OTP's io_lib_pretty (so that output matches erl's ~p byte for byte), the compact
// printer those of io_lib:write (~w).
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "otp/text.hpp"
#include "term/scan.hpp"

namespace otp {
namespace {

// Containers nested deeper than this are printed by the iterative one-line writer
// instead of the (recursive) pretty printer, so hostile terms cannot overflow the stack.
constexpr int max_pretty_nesting = 256;

using detail::text::append_utf8;
using detail::text::is_reserved_word;

// Decodes one strictly valid UTF-8 character, like Erlang's <<C/utf8>> match; returns
// the byte length or 0.
std::size_t decode_utf8(const std::uint8_t* p, std::size_t n, char32_t& c) {
    return detail::text::decode_utf8(reinterpret_cast<const char*>(p), n, c);
}

// Number of characters (code points) in UTF-8 text; io_lib:chars_length.
long chars_length(std::string_view s) {
    long n = 0;
    for (const char ch : s)
        if ((static_cast<unsigned char>(ch) & 0xC0) != 0x80) ++n;
    return n;
}

// How io_lib:write_string1 treats characters at or above 160.
enum class str_enc {
    latin1,              // 160..255 as is (others never occur)
    unicode_as_unicode,  // everything >= 160 as is
    unicode_as_latin1,   // 160..255 as is, above that \x{...}
};

void string_char(std::string& out, str_enc enc, char32_t c, char32_t quote) {
    if (c == quote) {
        out += '\\';
        out += static_cast<char>(c);
        return;
    }
    if (c == '\\') {
        out += "\\\\";
        return;
    }
    if (c >= ' ' && c <= '~') {
        out += static_cast<char>(c);
        return;
    }
    if (c >= 160) {
        if (enc == str_enc::unicode_as_unicode || c <= 255) {
            append_utf8(out, c);
            return;
        }
        char buf[16];
        auto r = std::to_chars(buf, buf + sizeof buf, static_cast<std::uint32_t>(c), 16);
        out += "\\x{";
        for (char* q = buf; q != r.ptr; ++q)
            out += static_cast<char>(*q >= 'a' ? *q - 'a' + 'A' : *q);
        out += '}';
        return;
    }
    switch (c) {
        case '\n':
            out += "\\n";
            return;
        case '\r':
            out += "\\r";
            return;
        case '\t':
            out += "\\t";
            return;
        case '\v':
            out += "\\v";
            return;
        case '\b':
            out += "\\b";
            return;
        case '\f':
            out += "\\f";
            return;
        case 27:
            out += "\\e";
            return;
        case 127:
            out += "\\d";
            return;
        default:
            break;
    }
    out += '\\';
    out += static_cast<char>('0' + ((c >> 6) & 7));
    out += static_cast<char>('0' + ((c >> 3) & 7));
    out += static_cast<char>('0' + (c & 7));
}

bool lower_start(char32_t c) {
    return (c >= 'a' && c <= 'z') || (c >= 223 && c <= 255 && c != 247);
}

bool name_char(char32_t c) {
    return (c >= 'a' && c <= 'z') || (c >= 223 && c <= 255 && c != 247) || (c >= 'A' && c <= 'Z') ||
           (c >= 192 && c <= 222 && c != 215) || (c >= '0' && c <= '9') || c == '_' || c == '@';
}

// Code points of a UTF-8 string known to be valid (atom names are).
std::vector<char32_t> code_points(std::string_view s) {
    std::vector<char32_t> cps;
    cps.reserve(s.size());
    const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
    std::size_t i = 0;
    while (i < s.size()) {
        char32_t c = 0;
        const std::size_t n = decode_utf8(p + i, s.size() - i, c);
        if (n == 0) {
            cps.push_back(p[i]);
            ++i;
        } else {
            cps.push_back(c);
            i += n;
        }
    }
    return cps;
}

bool atom_needs_quotes(std::string_view name, const std::vector<char32_t>& cps) {
    if (cps.empty() || is_reserved_word(name) || !lower_start(cps[0])) return true;
    return !std::all_of(cps.begin() + 1, cps.end(), name_char);
}

void write_atom(std::string& out, atom a, bool unicode) {
    const std::string_view name = a.name();
    const auto cps = code_points(name);
    if (!atom_needs_quotes(name, cps)) {
        out += name;
        return;
    }
    const str_enc enc = unicode ? str_enc::unicode_as_unicode : str_enc::unicode_as_latin1;
    out += '\'';
    for (const char32_t c : cps)
        string_char(out, enc, c, '\'');
    out += '\'';
}

void write_string(std::string& out, const std::vector<char32_t>& cs, str_enc enc) {
    out += '"';
    for (const char32_t c : cs)
        string_char(out, enc, c, '"');
    out += '"';
}

void write_u64(std::string& out, std::uint64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

void write_integer(std::string& out, const term& t) {
    if (auto v = t.as_int64()) {
        char buf[24];
        auto r = std::to_chars(buf, buf + sizeof buf, *v);
        out.append(buf, r.ptr);
    } else {
        out += t.as_big_int().value().str();
    }
}

// Numbers other nodes' pids, ports and refs like the shell does: 0 for the local
// node, then 1, 2, ... per distinct node in first-seen order.
class node_numbers {
  public:
    explicit node_numbers(atom local) : local_(local) {}
    std::size_t number(atom node) {
        if (node == local_) return 0;
        for (std::size_t i = 0; i < seen_.size(); ++i)
            if (seen_[i] == node) return i + 1;
        seen_.push_back(node);
        return seen_.size();
    }

  private:
    atom local_;
    std::vector<atom> seen_;
};

// Printability rules of io_lib:printable_*_list and io_lib_pretty:printable_char.
bool printable_char(char32_t c, printable_range range) {
    switch (c) {
        case '\n':
        case '\r':
        case '\t':
        case '\v':
        case '\b':
        case '\f':
        case 27:
            return true;
        default:
            break;
    }
    if (c >= 32 && c <= 126) return true;
    if (range == printable_range::latin1) return c >= 160 && c <= 255;
    return (c >= 160 && c < 0xD800) || (c > 0xDFFF && c < 0xFFFE) || (c > 0xFFFF && c <= 0x10FFFF);
}

// The characters of a printable proper list, or nothing.
std::optional<std::vector<char32_t>> printable_list(const term& list, printable_range range) {
    std::vector<char32_t> cs;
    const list_view lv(list);
    for (const term& e : lv) {
        if (e.raw_tag() != detail::tag::small_int) return std::nullopt;
        const std::int64_t v = e.raw_int();
        if (v < 0 || v > 0x10FFFF || !printable_char(static_cast<char32_t>(v), range))
            return std::nullopt;
        cs.push_back(static_cast<char32_t>(v));
    }
    if (!lv.is_proper()) return std::nullopt;
    return cs;
}

// A binary printable as a string (io_lib_pretty:printable_bin0 without chars_limit).
struct bin_string {
    bool plain = true;       // <<"...">> rather than <<"..."/utf8>>
    bool truncated = false;  // depth-limited prefix: <<"..."...>>
    std::vector<char32_t> chars;
};

std::optional<bin_string> printable_bin(std::span<const std::uint8_t> bytes, long d, bool unicode,
                                        printable_range range) {
    const std::size_t size = bytes.size();
    std::size_t len = size;
    if (d >= 0) len = std::min<std::size_t>(static_cast<std::size_t>(4 * d), size);
    if (len == 0) return std::nullopt;
    if (unicode) {
        // valid_utf8/2: the first `len` characters decode (or the binary ends first).
        bool valid = true;
        std::size_t pos = 0;
        for (std::size_t k = 0; k < len && pos < size; ++k) {
            char32_t c;
            const std::size_t n = decode_utf8(bytes.data() + pos, size - pos, c);
            if (n == 0) {
                valid = false;
                break;
            }
            pos += n;
        }
        if (valid) {
            bin_string r;
            pos = 0;
            std::size_t left = len;
            while (left > 0 && pos < size) {
                char32_t c;
                const std::size_t n = decode_utf8(bytes.data() + pos, size - pos, c);
                if (n == 0 || !printable_char(c, range)) break;
                r.chars.push_back(c);
                pos += n;
                --left;
            }
            if (pos == size) {
                r.plain = size == r.chars.size();
                return r;
            }
            if (d > 0 && static_cast<long>(len - left) >= d) {
                r.plain = pos == r.chars.size();
                r.truncated = true;
                return r;
            }
            return std::nullopt;
        }
    }
    std::size_t f = 0;  // first non-printable byte within the window
    while (f < len && printable_char(bytes[f], printable_range::latin1))
        ++f;
    bin_string r;
    if (f == len) {
        r.truncated = len < size;
    } else if (d > 0 && static_cast<long>(f) >= d) {
        r.truncated = true;
    } else {
        return std::nullopt;
    }
    r.chars.assign(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(f));
    return r;
}

void write_bin_string(std::string& out, const bin_string& b) {
    out += "<<";
    write_string(out, b.chars, str_enc::unicode_as_unicode);
    if (!b.plain) out += "/utf8";
    if (b.truncated) out += "...";
    out += ">>";
}

// The comma-separated pieces of io_lib:write_binary: bytes, then "Value:Bits" for
// a trailing partial byte, or "..." where the depth runs out.
void binary_pieces(const binary_view& bv, long d, std::string& out) {
    const std::size_t whole = bv.is_binary() ? bv.bytes.size() : bv.bytes.size() - 1;
    bool first = true;
    for (std::size_t i = 0; i < bv.bytes.size(); ++i) {
        if (!first) out += ',';
        first = false;
        if (d == 1) {
            out += "...";
            return;
        }
        if (i < whole) {
            write_u64(out, bv.bytes[i]);
        } else {
            write_u64(out, static_cast<std::uint64_t>(bv.bytes[i] >> (8 - bv.bits)));
            out += ':';
            write_u64(out, bv.bits);
        }
        --d;
    }
}

struct writer_config {
    bool unicode;
    printable_range range;  // effective for list/binary detection
    bool strings;           // ~p leaf rules (printable lists and binaries)
};

// Leaves: everything that prints without looking at nested terms.
void write_leaf(std::string& out, const term& t, const writer_config& cfg, node_numbers& nodes) {
    switch (t.type()) {
        case term_type::integer:
            write_integer(out, t);
            return;
        case term_type::float_:
            out += format_float(t.raw_float());
            return;
        case term_type::atom:
            write_atom(out, t.raw_atom(), cfg.unicode);
            return;
        case term_type::pid: {
            const pid p = t.as_pid().value();
            out += '<';
            write_u64(out, nodes.number(p.node));
            out += '.';
            write_u64(out, p.id);
            out += '.';
            write_u64(out, p.serial);
            out += '>';
            return;
        }
        case term_type::port: {
            const port p = t.as_port().value();
            out += "#Port<";
            write_u64(out, nodes.number(p.node));
            out += '.';
            write_u64(out, p.id);
            out += '>';
            return;
        }
        case term_type::reference: {
            const reference r = t.as_ref().value();
            out += "#Ref<";
            write_u64(out, nodes.number(r.node));
            // Erlang shows the id words most significant first, the reverse of
            // their order in the external format.
            for (std::size_t i = r.len; i-- > 0;) {
                out += '.';
                write_u64(out, r.ids[i]);
            }
            out += '>';
            return;
        }
        case term_type::fun: {
            if (auto e = t.as_export_fun()) {
                out += "fun ";
                write_atom(out, e->module, cfg.unicode);
                out += ':';
                write_atom(out, e->function, cfg.unicode);
                out += '/';
                write_u64(out, e->arity);
                return;
            }
            const fun_view f = t.as_fun().value();
            out += "#Fun<";
            write_atom(out, f.module(), cfg.unicode);
            out += '.';
            write_u64(out, f.index());
            out += '.';
            if (f.old_uniq().is_integer())
                write_integer(out, f.old_uniq());
            else
                out += '0';
            out += '>';
            return;
        }
        default:
            return;
    }
}

// One-line writer with an explicit stack (no recursion at all, so any nesting depth
// is fine), used for ~w and for terms too deep for the pretty printer. Follows
// io_lib:write1's depth rules.
class flat_writer {
  public:
    flat_writer(std::string& out, const writer_config& cfg, node_numbers& nodes)
        : out_(out), cfg_(cfg), nodes_(nodes) {}

    void write(const term& t, long d) {
        push_value(t, d);
        while (!stack_.empty())
            step();
    }

  private:
    struct frame {
        enum class kind : std::uint8_t { value, tuple, list, map, map_value } k;
        const term* t = nullptr;
        std::size_t i = 0;
        long d = 0;
        long d0 = 0;
        list_view::iterator it{};
    };

    void push_value(const term& t, long d) {
        frame f{frame::kind::value};
        f.t = &t;
        f.d = d;
        stack_.push_back(f);
    }

    // Writes a term, or its opening and pushes frames for the rest.
    void open(const term& t, long d) {
        if (d == 0) {
            out_ += "...";
            return;
        }
        switch (t.type()) {
            case term_type::nil:
                out_ += "[]";
                return;
            case term_type::binary:
                write_binary(t, d);
                return;
            case term_type::list: {
                if (cfg_.strings && d != 1) {
                    if (auto cs = printable_list(t, cfg_.range)) {
                        write_string(out_, *cs,
                                     cfg_.unicode ? str_enc::unicode_as_unicode : str_enc::latin1);
                        return;
                    }
                }
                if (d == 1) {
                    out_ += "[...]";
                    return;
                }
                const list_view lv(t);
                auto it = lv.begin();
                const term& head = *it;
                ++it;
                out_ += '[';
                frame f{frame::kind::list};
                f.t = &t;
                f.it = it;
                f.d = d - 1;
                stack_.push_back(f);
                push_value(head, d - 1);
                return;
            }
            case term_type::tuple: {
                const auto elems = t.as_tuple().value();
                if (elems.empty()) {
                    out_ += "{}";
                    return;
                }
                if (d == 1) {
                    out_ += "{...}";
                    return;
                }
                out_ += '{';
                frame f{frame::kind::tuple};
                f.t = &t;
                f.i = 1;
                f.d = d - 1;
                stack_.push_back(f);
                push_value(elems[0], d - 1);
                return;
            }
            case term_type::map: {
                const auto pairs = t.as_map().value().pairs();
                if (pairs.empty()) {
                    out_ += "#{}";
                    return;
                }
                if (d == 1) {
                    out_ += cfg_.strings ? "#{...}" : "#{}";
                    return;
                }
                out_ += "#{";
                frame f{frame::kind::map};
                f.t = &t;
                f.i = 1;
                f.d = d - 1;
                f.d0 = d - 1;
                stack_.push_back(f);
                push_pair(pairs[0], d - 1);
                return;
            }
            default:
                write_leaf(out_, t, cfg_, nodes_);
                return;
        }
    }

    // The key is written first, then the map_value frame writes " => " and the value.
    void push_pair(const std::pair<term, term>& p, long d0) {
        frame v{frame::kind::map_value};
        v.t = &p.second;
        v.d = d0;
        stack_.push_back(v);
        push_value(p.first, d0);
    }

    void write_binary(const term& t, long d) {
        const binary_view bv = t.as_binary().value();
        if (bv.bytes.empty()) {
            out_ += "<<>>";
            return;
        }
        if (cfg_.strings && d != 1 && bv.is_binary()) {
            if (auto s = printable_bin(bv.bytes, d - 1, cfg_.unicode, cfg_.range)) {
                write_bin_string(out_, *s);
                return;
            }
        }
        out_ += "<<";
        binary_pieces(bv, d, out_);
        out_ += ">>";
    }

    void finish(char close) {
        out_ += close;
        stack_.pop_back();
    }

    // Advances the top frame. Frames are copied out before pushing, since a push may
    // reallocate the stack.
    void step() {
        frame& f = stack_.back();
        switch (f.k) {
            case frame::kind::value: {
                const term* t = f.t;
                const long d = f.d;
                stack_.pop_back();
                open(*t, d);
                return;
            }
            case frame::kind::map_value: {
                const term* v = f.t;
                const long d = f.d;
                stack_.pop_back();
                out_ += " => ";
                push_value(*v, d);
                return;
            }
            case frame::kind::tuple: {
                const auto elems = f.t->as_tuple().value();
                if (f.i >= elems.size()) return finish('}');
                if (f.d == 1) {
                    out_ += ",...";
                    return finish('}');
                }
                out_ += ',';
                const term& e = elems[f.i++];
                const long d = --f.d;
                push_value(e, d);
                return;
            }
            case frame::kind::list: {
                if (f.d == 1 && f.it != list_view::iterator{}) {
                    out_ += "|...";
                    return finish(']');
                }
                if (f.it == list_view::iterator{}) {
                    const term& tail = list_view(*f.t).tail();
                    if (tail.is_nil()) return finish(']');
                    if (f.d == 1) {
                        out_ += "|...";
                        return finish(']');
                    }
                    // Only the improper tail is left: replace the list frame by it,
                    // keeping a frame for the closing bracket.
                    const long d = f.d - 1;
                    f.it = list_view::iterator{};
                    f.t = &empty_;
                    out_ += '|';
                    push_value(tail, d);
                    return;
                }
                out_ += ',';
                const term& e = *f.it;
                ++f.it;
                const long d = --f.d;
                push_value(e, d);
                return;
            }
            case frame::kind::map: {
                const auto pairs = f.t->as_map().value().pairs();
                // io_lib:write_map_body checks the depth before the end of the map,
                // io_lib_pretty the other way round.
                if (!cfg_.strings && f.d == 1) {
                    out_ += ",...";
                    return finish('}');
                }
                if (f.i >= pairs.size()) return finish('}');
                if (f.d == 1) {
                    out_ += ",...";
                    return finish('}');
                }
                out_ += ',';
                const auto& p = pairs[f.i++];
                --f.d;
                const long d0 = f.d0;
                push_pair(p, d0);
                return;
            }
        }
    }

    std::string& out_;
    const writer_config& cfg_;
    node_numbers& nodes_;
    std::vector<frame> stack_;
    const term empty_;  // stands for the consumed list once its improper tail is queued
};

// --- the pretty printer (io_lib_pretty) ---------------------------------------------

// io_lib_pretty's intermediate format: each node knows its one-line length.
struct pnode {
    enum class kind : std::uint8_t { leaf, list, tuple, map, pair, bin } k = kind::leaf;
    bool tagged = false;    // tuple whose first element is an atom (and size > 1)
    bool dots = false;      // the sequence ends in "..." (depth limit)
    bool improper = false;  // list: the last of `elems` is the improper tail
    long len = 0;
    std::string text;  // leaf text; bin: the comma-separated pieces
    std::vector<pnode> elems;

    bool atomic() const noexcept { return k == kind::leaf; }
    std::size_t regular() const noexcept { return elems.size() - (improper ? 1 : 0); }
};

struct too_deep_for_pretty {};

class pnode_builder {
  public:
    pnode_builder(const writer_config& cfg, node_numbers& nodes) : cfg_(cfg), nodes_(nodes) {}

    pnode build(const term& t, long d, int nest) {
        if (nest > max_pretty_nesting) throw too_deep_for_pretty{};
        switch (t.type()) {
            case term_type::nil:
                return leaf("[]");
            case term_type::tuple:
                return tuple(t, d, nest);
            case term_type::map:
                return map(t, d, nest);
            case term_type::list:
                return list(t, d, nest);
            case term_type::binary:
                return binary(t, d);
            default: {
                pnode n;
                write_leaf(n.text, t, cfg_, nodes_);
                n.len = chars_length(n.text);
                return n;
            }
        }
    }

  private:
    static pnode leaf(std::string s) {
        pnode n;
        n.len = chars_length(s);
        n.text = std::move(s);
        return n;
    }

    // list_length/3: the elements, their separators and the brackets.
    static void finish(pnode& n, long brackets) {
        long len = brackets;
        const std::size_t items = n.elems.size() + (n.dots ? 1 : 0);
        for (const pnode& e : n.elems)
            len += e.len;
        if (n.dots) len += 3;
        if (items > 1) len += static_cast<long>(items - 1);
        n.len = len;
    }

    pnode tuple(const term& t, long d, int nest) {
        const auto elems = t.as_tuple().value();
        if (elems.empty()) return leaf("{}");
        if (d == 1) return leaf("{...}");
        pnode n;
        n.k = pnode::kind::tuple;
        n.elems.reserve(elems.size());
        for (const term& e : elems) {
            if (d == 1) {
                n.dots = true;
                break;
            }
            n.elems.push_back(build(e, d - 1, nest + 1));
            --d;
        }
        n.tagged = elems[0].is_atom() && elems.size() > 1;
        finish(n, 2);
        return n;
    }

    pnode map(const term& t, long d, int nest) {
        const auto pairs = t.as_map().value().pairs();
        if (pairs.empty()) return leaf("#{}");
        if (d == 1) return leaf("#{...}");
        const long d0 = d - 1;
        pnode n;
        n.k = pnode::kind::map;
        n.elems.reserve(pairs.size());
        for (const auto& [key, value] : pairs) {
            if (d == 1) {
                n.dots = true;
                break;
            }
            pnode p;
            p.k = pnode::kind::pair;
            p.elems.push_back(build(key, d0, nest + 1));
            p.elems.push_back(build(value, d0, nest + 1));
            p.len = p.elems[0].len + 4 + p.elems[1].len;
            n.elems.push_back(std::move(p));
            --d;
        }
        finish(n, 3);
        return n;
    }

    pnode list(const term& t, long d, int nest) {
        if (d != 1) {
            if (auto cs = printable_list(t, cfg_.range)) {
                pnode n;
                write_string(n.text, *cs,
                             cfg_.unicode ? str_enc::unicode_as_unicode : str_enc::latin1);
                n.len = chars_length(n.text);
                return n;
            }
        }
        pnode n;
        n.k = pnode::kind::list;
        const list_view lv(t);
        bool stopped = false;
        for (const term& e : lv) {
            if (d == 1) {
                n.dots = true;
                stopped = true;
                break;
            }
            n.elems.push_back(build(e, d - 1, nest + 1));
            --d;
        }
        if (!stopped) {
            const term& tail = lv.tail();
            if (!tail.is_nil()) {
                if (d == 1) {
                    n.dots = true;
                } else {
                    n.elems.push_back(build(tail, d - 1, nest + 1));
                    n.improper = true;
                }
            }
        }
        finish(n, 2);
        return n;
    }

    pnode binary(const term& t, long d) {
        const binary_view bv = t.as_binary().value();
        if (bv.bytes.empty()) return leaf("<<>>");
        if (d == 1) return leaf("<<...>>");
        if (bv.is_binary()) {
            if (auto s = printable_bin(bv.bytes, d - 1, cfg_.unicode, cfg_.range)) {
                std::string text;
                write_bin_string(text, *s);
                return leaf(std::move(text));
            }
        }
        pnode n;
        n.k = pnode::kind::bin;
        binary_pieces(bv, d, n.text);
        n.len = static_cast<long>(n.text.size()) + 4;
        return n;
    }

    const writer_config& cfg_;
    node_numbers& nodes_;
};

class pretty_printer {
  public:
    pretty_printer(std::string& out, long line_length, long max_chars)
        : out_(out), ll_(line_length), m_(max_chars) {}

    void print(const pnode& n, long col) {
        // Try without the tag indentation, then with 4, as io_lib_pretty does.
        if (cind(n, col, -1, 0, 0))
            tind_ = -1;
        else if (cind(n, col, 4, 0, 0))
            tind_ = 4;
        else
            tind_ = 1;
        pp(n, col, col - 1, 0, 0);
    }

    void write(const pnode& n) {
        switch (n.k) {
            case pnode::kind::tuple:
                out_ += '{';
                write_seq(n, ',');
                out_ += '}';
                return;
            case pnode::kind::list:
                out_ += '[';
                write_seq(n, '|');
                out_ += ']';
                return;
            case pnode::kind::map:
                out_ += "#{";
                write_seq(n, ',');
                out_ += '}';
                return;
            case pnode::kind::pair:
                write(n.elems[0]);
                out_ += " => ";
                write(n.elems[1]);
                return;
            case pnode::kind::bin:
                out_ += "<<";
                out_ += n.text;
                out_ += ">>";
                return;
            case pnode::kind::leaf:
                out_ += n.text;
                return;
        }
    }

  private:
    void write_seq(const pnode& n, char sep) {
        const std::size_t reg = n.regular();
        if (reg == 0 && n.dots) {
            out_ += "...";
            return;
        }
        for (std::size_t i = 0; i < reg; ++i) {
            if (i > 0) out_ += ',';
            write(n.elems[i]);
        }
        if (n.improper) {
            out_ += sep;
            write(n.elems.back());
        } else if (n.dots) {
            out_ += sep;
            out_ += "...";
        }
    }

    void indent(long n) {
        if (n > 0) out_.append(static_cast<std::size_t>(n), ' ');
    }

    // last_depth/2: 0 while more proper elements follow, else one more level.
    static long last_depth(const pnode& n, std::size_t i, long ld) {
        return i + 1 < n.regular() ? 0 : ld + 1;
    }

    bool fits(const pnode& n, long col, long ld, long w) const {
        return n.len < ll_ - col - ld && n.len + w + ld <= m_;
    }

    // The condition under which pp_tail/cind_tail keep an element on the current line.
    bool fits_in_tail(const pnode& e, long col, long ld1, long w, bool atomic) const {
        const long elen = 1 + e.len;
        if (!atomic) return false;
        if (ld1 == 0) return elen + 1 < ll_ - col && w + elen + 1 <= m_;
        return elen < ll_ - col - ld1 && w + elen + ld1 <= m_;
    }

    static bool atomic_pair(const pnode& p) { return p.elems[0].atomic() && p.elems[1].atomic(); }

    void pp(const pnode& n, long col, long ind, long ld, long w) {
        if (fits(n, col, ld, w)) {
            write(n);
            return;
        }
        switch (n.k) {
            case pnode::kind::list:
                out_ += '[';
                pp_list(n, 0, col + 1, ind + 1, ld, '|', w + 1);
                out_ += ']';
                return;
            case pnode::kind::tuple:
                out_ += '{';
                if (n.tagged)
                    pp_tag_tuple(n, col, ind, ld, w + 1);
                else
                    pp_list(n, 0, col + 1, ind + 1, ld, ',', w + 1);
                out_ += '}';
                return;
            case pnode::kind::map:
                out_ += "#{";
                pp_map(n, col + 2, ind + 2, ld, w + 1);
                out_ += '}';
                return;
            case pnode::kind::bin:
                pp_binary(n, col + 2, ind + 2, ld, w);
                return;
            default:
                write(n);
                return;
        }
    }

    void pp_tag_tuple(const pnode& n, long col, long ind, long ld, long w) {
        const pnode& tag = n.elems[0];
        const long tlen = tag.len;
        const long tag_ind = tlen + 2;
        const long tcol = col + tag_ind;
        if (tind_ > 0 && tag_ind > tind_) {
            write(tag);
            pp_tail(n, 1, col + tind_, tcol, tind_ + ind, ld, ',', w + tlen);
        } else {
            write(tag);
            out_ += ',';
            pp_list(n, 1, tcol, tag_ind + ind, ld, ',', w + tlen + 1);
        }
    }

    void pp_list(const pnode& n, std::size_t start, long col0, long ind, long ld, char sep,
                 long w) {
        if (start >= n.regular()) {
            out_ += "...";
            return;
        }
        const long we = pp_element(n.elems[start], col0, ind, last_depth(n, start, ld), w);
        pp_tail(n, start + 1, col0, col0 + we, ind, ld, sep, w + we);
    }

    void pp_tail(const pnode& n, std::size_t i, long col0, long col, long ind, long ld, char sep,
                 long w) {
        const std::size_t reg = n.regular();
        for (; i < reg; ++i) {
            const pnode& e = n.elems[i];
            const long ld1 = last_depth(n, i, ld);
            const long elen = 1 + e.len;
            if (fits_in_tail(e, col, ld1, w, e.atomic())) {
                out_ += ',';
                write(e);
                col += elen;
                w += elen;
            } else {
                out_ += ",\n";
                indent(ind);
                const long we = pp_element(e, col0, ind, ld1, 0);
                col = col0 + we;
                w = we;
            }
        }
        if (n.dots) {
            out_ += sep;
            out_ += "...";
        } else if (n.improper) {
            const pnode& e = n.elems.back();
            out_ += sep;
            if (e.len + 1 < ll_ - col - (ld + 1) && e.len + 1 + w + (ld + 1) <= m_ && e.atomic()) {
                write(e);
            } else {
                out_ += '\n';
                indent(ind);
                pp(e, col0, ind, ld + 1, 0);
            }
        }
    }

    long pp_element(const pnode& e, long col, long ind, long ld, long w) {
        if (fits(e, col, ld, w) && e.atomic()) {
            write(e);
            return e.len;
        }
        pp(e, col, ind, ld, w);
        return ll_;
    }

    void pp_map(const pnode& n, long col, long ind, long ld, long w) {
        if (n.regular() == 0) {
            out_ += "...";
            return;
        }
        const long pw = pp_pair(n.elems[0], col, ind, last_depth(n, 0, ld), w);
        std::size_t i = 1;
        long c = col + pw;
        long ww = pw;
        for (; i < n.regular(); ++i) {
            const pnode& p = n.elems[i];
            const long ld1 = last_depth(n, i, ld);
            const long elen = 1 + p.len;
            if (fits_in_tail(p, c, ld1, ww, atomic_pair(p))) {
                out_ += ',';
                write(p);
                c += elen;
                ww += elen;
            } else {
                out_ += ",\n";
                indent(ind);
                const long pw2 = pp_pair(p, col, ind, ld1, 0);
                c = col + pw2;
                ww = pw2;
            }
        }
        if (n.dots) out_ += ",...";
    }

    long pp_pair(const pnode& p, long col, long ind, long ld, long w) {
        if (fits(p, col, ld, w)) {
            write(p);
            return atomic_pair(p) ? p.len : ll_;
        }
        const long i = tind_ > 0 ? tind_ : 4;
        pp(p.elems[0], col, ind, ld, w);
        out_ += " =>\n";
        indent(i + ind);
        pp(p.elems[1], col + i, i + ind, ld, 0);
        return ll_;
    }

    void pp_binary(const pnode& n, long col, long ind, long ld, long w) {
        const long n0 = std::max(8L, std::min(ll_ - col, m_ - 4 - w) - ld);
        long left = n0;
        out_ += "<<";
        std::string_view rest = n.text;
        for (;;) {
            const std::size_t comma = rest.find(',');
            if (comma == std::string_view::npos) break;
            const std::string_view piece = rest.substr(0, comma);
            const long len = static_cast<long>(piece.size()) + 1;
            if (left - len < 0) {
                out_ += '\n';
                indent(ind);
                left = n0 - len;
            } else {
                left -= len;
            }
            out_ += piece;
            out_ += ',';
            rest.remove_prefix(comma + 1);
        }
        if (static_cast<long>(rest.size()) > left) {
            out_ += '\n';
            indent(ind);
        }
        out_ += rest;
        out_ += ">>";
    }

    // --- cind: can the term be laid out with tag indentation `tind`? -----------------

    bool cind(const pnode& n, long col, long tind, long ld, long w) const {
        if (fits(n, col, ld, w)) return true;
        switch (n.k) {
            case pnode::kind::list:
                return cind_list(n, 0, col + 1, tind, ld, w + 1);
            case pnode::kind::tuple:
                if (n.tagged) return cind_tag_tuple(n, col, tind, ld, w + 1);
                return cind_list(n, 0, col + 1, tind, ld, w + 1);
            case pnode::kind::map:
                return cind_map(n, col + 2, tind, ld, w + 2);
            default:
                return true;
        }
    }

    bool cind_tag_tuple(const pnode& n, long col, long tind, long ld, long w) const {
        const long tlen = n.elems[0].len;
        const long tag_ind = tlen + 2;
        const long tcol = col + tag_ind;
        if (tind > 0 && tag_ind > tind) {
            const long col1 = col + tind;
            if (m_ + col1 <= ll_ || col1 <= ll_ / 2)
                return cind_tail(n, 1, col1, tcol, tind, ld, w + tlen);
            return false;
        }
        if (m_ + tcol < ll_ || tcol < ll_ / 2) return cind_list(n, 1, tcol, tind, ld, w + tlen + 1);
        return false;
    }

    bool cind_list(const pnode& n, std::size_t start, long col0, long tind, long ld, long w) const {
        if (start >= n.regular()) return true;
        const auto we = cind_element(n.elems[start], col0, tind, last_depth(n, start, ld), w);
        if (!we) return false;
        return cind_tail(n, start + 1, col0, col0 + *we, tind, ld, w + *we);
    }

    bool cind_tail(const pnode& n, std::size_t i, long col0, long col, long tind, long ld,
                   long w) const {
        const std::size_t reg = n.regular();
        for (; i < reg; ++i) {
            const pnode& e = n.elems[i];
            const long ld1 = last_depth(n, i, ld);
            const long elen = 1 + e.len;
            if (fits_in_tail(e, col, ld1, w, e.atomic())) {
                col += elen;
                w += elen;
            } else {
                const auto we = cind_element(e, col0, tind, ld1, 0);
                if (!we) return false;
                col = col0 + *we;
                w = *we;
            }
        }
        if (n.improper) {
            const pnode& e = n.elems.back();
            if (e.len + 1 < ll_ - col - (ld + 1) && e.len + 1 + w + (ld + 1) <= m_ && e.atomic())
                return true;
            return cind(e, col, tind, ld + 1, 0);
        }
        return true;
    }

    std::optional<long> cind_element(const pnode& e, long col, long tind, long ld, long w) const {
        if (fits(e, col, ld, w) && e.atomic()) return e.len;
        if (!cind(e, col, tind, ld, w)) return std::nullopt;
        return ll_;
    }

    bool cind_map(const pnode& n, long col, long tind, long ld, long w) const {
        if (n.regular() == 0) return true;
        const auto pw = cind_pair(n.elems[0], col, tind, last_depth(n, 0, ld), w);
        if (!pw) return false;
        long c = col + *pw;
        long ww = w + *pw;
        for (std::size_t i = 1; i < n.regular(); ++i) {
            const pnode& p = n.elems[i];
            const long ld1 = last_depth(n, i, ld);
            const long elen = 1 + p.len;
            if (fits_in_tail(p, c, ld1, ww, atomic_pair(p))) {
                c += elen;
                ww += elen;
            } else {
                const auto pw2 = cind_pair(p, col, tind, ld1, 0);
                if (!pw2) return false;
                c = col + *pw2;
                ww = *pw2;
            }
        }
        return true;
    }

    std::optional<long> cind_pair(const pnode& p, long col, long tind, long ld, long w) const {
        if (fits(p, col, ld, w)) return atomic_pair(p) ? p.len : ll_;
        if (!cind(p.elems[0], col, tind, ld, w)) return std::nullopt;
        const long i = tind > 0 ? tind : 4;
        if (!cind(p.elems[1], col + i, tind, ld, 0)) return std::nullopt;
        return ll_;
    }

    std::string& out_;
    long ll_;
    long m_;
    long tind_ = -1;
};

writer_config make_config(const print_options& o, bool strings) {
    writer_config cfg;
    cfg.unicode = o.unicode;
    cfg.range = o.unicode ? o.printable : printable_range::latin1;
    cfg.strings = strings;
    return cfg;
}

long depth_of(const print_options& o) {
    if (o.max_depth == 0) return -1;
    return static_cast<long>(std::min<std::size_t>(
        o.max_depth, static_cast<std::size_t>(std::numeric_limits<long>::max())));
}

}  // namespace

std::string format_float(double d) {
    if (std::isnan(d)) return "nan";
    if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
    if (d == 0.0) return std::signbit(d) ? "-0.0" : "0.0";
    // Shortest round-trip digits; then choose between the plain and the exponent form
    // the way OTP 25's float_to_list(F, [short]) does.
    char buf[64];
    const auto r =
        std::to_chars(buf, buf + sizeof buf, std::fabs(d), std::chars_format::scientific);
    const std::string_view sci(buf, static_cast<std::size_t>(r.ptr - buf));
    const std::size_t e_pos = sci.find('e');
    std::string digits;
    for (const char c : sci.substr(0, e_pos))
        if (c != '.') digits += c;
    int exp10 = 0;
    std::from_chars(sci.data() + e_pos + (sci[e_pos + 1] == '+' ? 2 : 1), sci.data() + sci.size(),
                    exp10);
    const int len = static_cast<int>(digits.size());
    const int place = exp10 - (len - 1);  // value = digits * 10^place

    std::string scientific(1, digits[0]);
    scientific += '.';
    scientific += len > 1 ? digits.substr(1) : std::string("0");
    scientific += 'e';
    scientific += std::to_string(exp10);

    std::string plain;
    bool plain_ok = true;
    if (place >= 0) {
        // Integral values at or above 2^53 always use the exponent form, since not
        // every integer there is representable.
        plain_ok = std::fabs(d) < 9007199254740992.0;
        plain = digits + std::string(static_cast<std::size_t>(place), '0') + ".0";
    } else if (exp10 >= 0) {
        plain = digits.substr(0, static_cast<std::size_t>(exp10) + 1) + "." +
                digits.substr(static_cast<std::size_t>(exp10) + 1);
    } else {
        plain = "0." + std::string(static_cast<std::size_t>(-exp10 - 1), '0') + digits;
    }
    std::string res = d < 0 ? "-" : "";
    res += plain_ok && plain.size() <= scientific.size() ? plain : scientific;
    return res;
}

std::string quoted_atom(atom a, bool unicode) {
    std::string out;
    write_atom(out, a, unicode);
    return out;
}

std::string to_string(const term& t, const print_options& options) {
    std::string out;
    node_numbers nodes(options.local_node);
    const long d = depth_of(options);
    if (!options.pretty) {
        const writer_config cfg = make_config(options, false);
        flat_writer(out, cfg, nodes).write(t, d);
        return out;
    }
    const writer_config cfg = make_config(options, true);
    const term_type ty = t.type();
    if (ty != term_type::tuple && ty != term_type::list && ty != term_type::map &&
        ty != term_type::binary) {
        flat_writer(out, cfg, nodes).write(t, d);
        return out;
    }
    std::optional<pnode> root;
    try {
        root = pnode_builder(cfg, nodes).build(t, d, 0);
    } catch (const too_deep_for_pretty&) {
        node_numbers fresh(options.local_node);
        flat_writer(out, cfg, fresh).write(t, d);
        return out;
    }
    const long col = std::max(1, options.column);
    const long ll = options.line_width;
    const long m = root->len;  // line_max_chars defaults to the whole length
    pretty_printer pp(out, ll, m);
    if (ll <= 0 || root->len < ll - col)
        pp.write(*root);
    else
        pp.print(*root, col);
    return out;
}

std::string to_string_compact(const term& t) {
    print_options o;
    o.pretty = false;
    return to_string(t, o);
}

std::ostream& operator<<(std::ostream& os, const term& t) {
    print_options o;
    o.line_width = 0;
    return os << to_string(t, o);
}

}  // namespace otp

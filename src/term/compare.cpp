// Erlang's term order, exact and arithmetic equality, and hashing.
//
// Orders within a type follow what an OTP 25 node does (checked with erl): pids by
// serial, id, node, creation; ports and references by node and creation first;
// reference words from the most significant, with missing words taken as zero;
// local funs before external funs; maps by size, then keys, then values.
#include <bit>
#include <cmath>
#include <cstring>

#include "otp/term.hpp"

namespace otp {
namespace {

using detail::tag;

int sign(int v) noexcept {
    return (v > 0) - (v < 0);
}
template <class T>
int three_way(const T& a, const T& b) noexcept {
    return (a > b) - (a < b);
}

using detail::order_rank;

const big_int& big(const term& t) noexcept {
    return static_cast<const detail::bigint_node*>(t.raw_node())->value;
}

// Exact comparison of an int64 with a double (no rounding of the integer).
int cmp_int_double(std::int64_t i, double d) noexcept {
    if (d >= 9223372036854775808.0) return -1;
    if (d < -9223372036854775808.0) return 1;
    const double t = std::trunc(d);
    const auto ti = static_cast<std::int64_t>(t);
    if (i != ti) return i < ti ? -1 : 1;
    if (d > t) return -1;
    if (d < t) return 1;
    return 0;
}

// A bignum lies outside int64, so against a double within int64 its sign decides;
// otherwise the double is integral (>= 2^63) and converts to big_int exactly.
int cmp_big_double(const big_int& b, double d) noexcept {
    if (d >= -9223372036854775808.0 && d < 9223372036854775808.0) return b.sign();
    const big_int bd(d);
    return three_way(b, bd);
}

int cmp_numbers(const term& a, const term& b, bool exact) noexcept {
    const tag ta = a.raw_tag();
    const tag tb = b.raw_tag();
    if (ta == tag::small_int && tb == tag::small_int) return three_way(a.raw_int(), b.raw_int());
    if (ta == tag::float_ && tb == tag::float_) {
        const double x = a.raw_float();
        const double y = b.raw_float();
        if (x < y) return -1;
        if (x > y) return 1;
        // 0.0 and -0.0: equal arithmetically, distinct (negative first) exactly.
        return exact ? three_way(std::signbit(y), std::signbit(x)) : 0;
    }
    if (ta != tag::float_ && tb != tag::float_) {
        if (ta == tag::big_int && tb == tag::big_int) return three_way(big(a), big(b));
        if (ta == tag::big_int) return big(a).sign();
        return -big(b).sign();
    }
    if (exact) return ta == tag::float_ ? 1 : -1;  // map-key order: integers first
    if (ta == tag::float_)
        return -(tb == tag::small_int ? cmp_int_double(b.raw_int(), a.raw_float())
                                      : cmp_big_double(big(b), a.raw_float()));
    return ta == tag::small_int ? cmp_int_double(a.raw_int(), b.raw_float())
                                : cmp_big_double(big(a), b.raw_float());
}

int cmp_atoms(atom a, atom b) noexcept {
    const auto c = a <=> b;
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

int cmp_ref_words(const reference& a, const reference& b) noexcept {
    const std::size_t n = a.len > b.len ? a.len : b.len;
    for (std::size_t i = n; i-- > 0;) {
        const std::uint32_t x = i < a.len ? a.ids[i] : 0;
        const std::uint32_t y = i < b.len ? b.ids[i] : 0;
        if (x != y) return x < y ? -1 : 1;
    }
    return 0;
}

int cmp_bits(const detail::binary_node* a, const detail::binary_node* b) noexcept {
    const std::size_t abits = a->size == 0 ? 0 : (a->size - 1) * 8 + a->bits;
    const std::size_t bbits = b->size == 0 ? 0 : (b->size - 1) * 8 + b->bits;
    const std::size_t common = abits < bbits ? abits : bbits;
    const std::size_t whole = common / 8;
    if (whole > 0) {
        const int c = std::memcmp(a->data, b->data, whole);
        if (c != 0) return sign(c);
    }
    if (const std::size_t rest = common % 8; rest != 0) {
        const auto mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
        const int x = a->data[whole] & mask;
        const int y = b->data[whole] & mask;
        if (x != y) return x < y ? -1 : 1;
    }
    return three_way(abits, bbits);
}

int cmp(const term& a, const term& b, bool exact) noexcept;

// Walks both lists run by run with a cursor each, so lists built from many runs
// (e.g. by cons) compare without recursion.
int cmp_lists(const term& a, const term& b, bool exact) noexcept {
    struct cursor {
        const detail::list_node* node;
        std::uint32_t pos;
        const term* tail;  // set once the list ended: its final tail
        explicit cursor(const term& t) noexcept : node(nullptr), pos(0), tail(&t) { settle(); }
        void settle() noexcept {
            // Moves into the next run while the current one is used up.
            while (tail != nullptr && tail->raw_tag() == tag::list) {
                node = static_cast<const detail::list_node*>(tail->raw_node());
                pos = tail->raw_aux();
                tail = nullptr;
            }
            while (tail == nullptr && pos >= node->size) {
                tail = &node->tail;
                if (tail->raw_tag() == tag::list) {
                    node = static_cast<const detail::list_node*>(tail->raw_node());
                    pos = tail->raw_aux();
                    tail = nullptr;
                }
            }
        }
        bool at_end() const noexcept { return tail != nullptr; }
        const term& head() const noexcept { return node->elems()[pos]; }
        void next() noexcept {
            ++pos;
            settle();
        }
    };
    cursor x(a), y(b);
    while (!x.at_end() && !y.at_end()) {
        if (x.node == y.node && x.pos == y.pos) return 0;  // a shared tail
        if (const int c = cmp(x.head(), y.head(), exact); c != 0) return c;
        x.next();
        y.next();
    }
    // One side still has cells: a non-empty list against the other's final tail, which
    // is not a list cell, so their type ranks decide.
    if (!x.at_end()) return order_rank(tag::list) < order_rank(y.tail->raw_tag()) ? -1 : 1;
    if (!y.at_end()) return order_rank(x.tail->raw_tag()) < order_rank(tag::list) ? -1 : 1;
    return cmp(*x.tail, *y.tail, exact);
}

int cmp(const term& a, const term& b, bool exact) noexcept {
    const tag ta = a.raw_tag();
    const tag tb = b.raw_tag();
    const int ra = order_rank(ta);
    const int rb = order_rank(tb);
    if (ra != rb) return ra < rb ? -1 : 1;
    if (ra == 0) return cmp_numbers(a, b, exact);
    if (ta != tb) return ta == tag::fun ? -1 : 1;  // local fun < external fun
    if (a.raw_node() != nullptr && a.raw_node() == b.raw_node() && a.raw_aux() == b.raw_aux())
        return 0;
    switch (ta) {
        case tag::atom:
            return cmp_atoms(a.raw_atom(), b.raw_atom());
        case tag::nil:
            return 0;
        case tag::reference: {
            const auto& x = static_cast<const detail::ref_node*>(a.raw_node())->value;
            const auto& y = static_cast<const detail::ref_node*>(b.raw_node())->value;
            if (const int c = cmp_atoms(x.node, y.node); c != 0) return c;
            if (x.creation != y.creation) return x.creation < y.creation ? -1 : 1;
            return cmp_ref_words(x, y);
        }
        case tag::port: {
            const auto& x = static_cast<const detail::port_node*>(a.raw_node())->value;
            const auto& y = static_cast<const detail::port_node*>(b.raw_node())->value;
            if (const int c = cmp_atoms(x.node, y.node); c != 0) return c;
            if (x.creation != y.creation) return x.creation < y.creation ? -1 : 1;
            return three_way(x.id, y.id);
        }
        case tag::pid: {
            const auto& x = static_cast<const detail::pid_node*>(a.raw_node())->value;
            const auto& y = static_cast<const detail::pid_node*>(b.raw_node())->value;
            if (x.serial != y.serial) return x.serial < y.serial ? -1 : 1;
            if (x.id != y.id) return x.id < y.id ? -1 : 1;
            if (const int c = cmp_atoms(x.node, y.node); c != 0) return c;
            return three_way(x.creation, y.creation);
        }
        case tag::export_fun: {
            const auto& x = static_cast<const detail::export_node*>(a.raw_node())->value;
            const auto& y = static_cast<const detail::export_node*>(b.raw_node())->value;
            if (const int c = cmp_atoms(x.module, y.module); c != 0) return c;
            if (const int c = cmp_atoms(x.function, y.function); c != 0) return c;
            return three_way(x.arity, y.arity);
        }
        case tag::fun: {
            const auto* x = static_cast<const detail::fun_node*>(a.raw_node());
            const auto* y = static_cast<const detail::fun_node*>(b.raw_node());
            if (const int c = cmp_atoms(x->module, y->module); c != 0) return c;
            if (const int c = cmp(x->old_index, y->old_index, exact); c != 0) return c;
            if (const int c = cmp(x->old_uniq, y->old_uniq, exact); c != 0) return c;
            if (x->num_free != y->num_free) return x->num_free < y->num_free ? -1 : 1;
            for (std::uint32_t i = 0; i < x->num_free; ++i)
                if (const int c = cmp(x->free_vars()[i], y->free_vars()[i], exact); c != 0)
                    return c;
            return 0;
        }
        case tag::tuple: {
            const auto* x = static_cast<const detail::tuple_node*>(a.raw_node());
            const auto* y = static_cast<const detail::tuple_node*>(b.raw_node());
            if (x->arity != y->arity) return x->arity < y->arity ? -1 : 1;
            for (std::uint32_t i = 0; i < x->arity; ++i)
                if (const int c = cmp(x->elems()[i], y->elems()[i], exact); c != 0) return c;
            return 0;
        }
        case tag::map: {
            const auto* x = static_cast<const detail::map_node*>(a.raw_node());
            const auto* y = static_cast<const detail::map_node*>(b.raw_node());
            if (x->size != y->size) return x->size < y->size ? -1 : 1;
            // Keys always compare in map-key (exact) order, whatever the outer mode.
            for (std::uint32_t i = 0; i < x->size; ++i)
                if (const int c = cmp(x->pairs()[i].first, y->pairs()[i].first, true); c != 0)
                    return c;
            for (std::uint32_t i = 0; i < x->size; ++i)
                if (const int c = cmp(x->pairs()[i].second, y->pairs()[i].second, exact); c != 0)
                    return c;
            return 0;
        }
        case tag::list:
            return cmp_lists(a, b, exact);
        case tag::binary:
            return cmp_bits(static_cast<const detail::binary_node*>(a.raw_node()),
                            static_cast<const detail::binary_node*>(b.raw_node()));
        default:
            return 0;
    }
}

std::uint64_t mix(std::uint64_t h, std::uint64_t v) noexcept {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdull;
}

std::uint64_t hash_of(const term& t) noexcept;

std::uint64_t hash_list(const term& t) noexcept {
    std::uint64_t h = 0x1157;
    const term* x = &t;
    while (x->raw_tag() == tag::list) {
        const auto* n = static_cast<const detail::list_node*>(x->raw_node());
        for (std::uint32_t i = x->raw_aux(); i < n->size; ++i)
            h = mix(h, hash_of(n->elems()[i]));
        x = &n->tail;
    }
    return mix(h, hash_of(*x));
}

std::uint64_t hash_of(const term& t) noexcept {
    const tag tg = t.raw_tag();
    std::uint64_t h = static_cast<std::uint64_t>(tg) + 1;
    switch (tg) {
        case tag::small_int:
            return mix(h, static_cast<std::uint64_t>(t.raw_int()));
        case tag::float_:
            return mix(h, std::bit_cast<std::uint64_t>(t.raw_float()));
        case tag::atom:
            return mix(h, t.raw_atom().hash());
        case tag::nil:
            return h;
        case tag::big_int: {
            const auto& b = big(t);
            h = mix(h, static_cast<std::uint64_t>(b.sign() + 1));
            const auto& be = b.backend();
            for (unsigned i = 0; i < be.size(); ++i)
                h = mix(h, be.limbs()[i]);
            return h;
        }
        case tag::reference: {
            const auto& r = static_cast<const detail::ref_node*>(t.raw_node())->value;
            h = mix(mix(h, r.node.hash()), r.creation);
            std::size_t n = r.len;
            while (n > 0 && r.ids[n - 1] == 0)
                --n;  // trailing zero words do not count
            for (std::size_t i = 0; i < n; ++i)
                h = mix(h, r.ids[i]);
            return h;
        }
        case tag::port: {
            const auto& p = static_cast<const detail::port_node*>(t.raw_node())->value;
            return mix(mix(mix(h, p.node.hash()), p.creation), p.id);
        }
        case tag::pid: {
            const auto& p = static_cast<const detail::pid_node*>(t.raw_node())->value;
            return mix(mix(mix(mix(h, p.node.hash()), p.creation), p.id), p.serial);
        }
        case tag::export_fun: {
            const auto& f = static_cast<const detail::export_node*>(t.raw_node())->value;
            return mix(mix(mix(h, f.module.hash()), f.function.hash()), f.arity);
        }
        case tag::fun: {
            const auto* f = static_cast<const detail::fun_node*>(t.raw_node());
            h = mix(mix(h, f->module.hash()), hash_of(f->old_index));
            h = mix(mix(h, hash_of(f->old_uniq)), f->num_free);
            for (std::uint32_t i = 0; i < f->num_free; ++i)
                h = mix(h, hash_of(f->free_vars()[i]));
            return h;
        }
        case tag::tuple: {
            const auto* x = static_cast<const detail::tuple_node*>(t.raw_node());
            h = mix(h, x->arity);
            for (std::uint32_t i = 0; i < x->arity; ++i)
                h = mix(h, hash_of(x->elems()[i]));
            return h;
        }
        case tag::map: {
            const auto* x = static_cast<const detail::map_node*>(t.raw_node());
            h = mix(h, x->size);
            for (std::uint32_t i = 0; i < x->size; ++i)
                h = mix(mix(h, hash_of(x->pairs()[i].first)), hash_of(x->pairs()[i].second));
            return h;
        }
        case tag::list:
            return hash_list(t);
        case tag::binary:
        case tag::owner: {
            const auto* b = static_cast<const detail::binary_node*>(t.raw_node());
            h = mix(h, b->bits);
            std::size_t i = 0;
            for (; i + 8 <= b->size; i += 8) {
                std::uint64_t w;
                std::memcpy(&w, b->data + i, 8);
                h = mix(h, w);
            }
            std::uint64_t w = 0;
            std::memcpy(&w, b->data + i, b->size - i);
            return mix(mix(h, w), b->size);
        }
        case tag::arena:  // never a term's own tag
            break;
    }
    return h;
}

}  // namespace

bool operator==(const term& a, const term& b) noexcept {
    if (a.raw_tag() != b.raw_tag()) return false;
    switch (a.raw_tag()) {
        case tag::small_int:
            return a.raw_int() == b.raw_int();
        case tag::float_:
            return std::bit_cast<std::uint64_t>(a.raw_float()) ==
                   std::bit_cast<std::uint64_t>(b.raw_float());
        case tag::atom:
            return a.raw_atom() == b.raw_atom();
        case tag::nil:
            return true;
        default:
            return cmp(a, b, true) == 0;
    }
}

std::weak_ordering operator<=>(const term& a, const term& b) noexcept {
    const int c = cmp(a, b, false);
    return c < 0 ? std::weak_ordering::less
                 : (c > 0 ? std::weak_ordering::greater : std::weak_ordering::equivalent);
}

bool equal(const term& a, const term& b) noexcept {
    return cmp(a, b, false) == 0;
}

std::strong_ordering exact_compare(const term& a, const term& b) noexcept {
    const int c = cmp(a, b, true);
    return c < 0 ? std::strong_ordering::less
                 : (c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal);
}

std::size_t term::hash() const noexcept {
    return static_cast<std::size_t>(hash_of(*this));
}

}  // namespace otp

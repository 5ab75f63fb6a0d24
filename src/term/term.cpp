// otp::term: node allocation and destruction, builders and typed access.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

#include "otp/term.hpp"
#include "term/arena.hpp"
#include "term/utf8.hpp"

namespace otp {
namespace detail {

void* alloc_node(std::size_t bytes) {
    void* p = std::malloc(bytes);
    if (p == nullptr) throw std::bad_alloc();
    return p;
}

void free_node(void* p) noexcept {
    std::free(p);
}

tuple_node* new_tuple(std::uint32_t arity) {
    void* mem = alloc_node(sizeof(tuple_node) + std::size_t{arity} * sizeof(term));
    auto* n = new (mem) tuple_node();
    n->arity = arity;
    term* e = n->elems();
    for (std::uint32_t i = 0; i < arity; ++i)
        new (e + i) term();
    return n;
}

list_node* new_list(std::uint32_t size) {
    void* mem = alloc_node(sizeof(list_node) + std::size_t{size} * sizeof(term));
    auto* n = new (mem) list_node();
    n->size = size;
    term* e = n->elems();
    for (std::uint32_t i = 0; i < size; ++i)
        new (e + i) term();
    return n;
}

map_node* new_map(std::uint32_t size) {
    void* mem = alloc_node(sizeof(map_node) + std::size_t{size} * sizeof(map_node::pair));
    auto* n = new (mem) map_node();
    n->size = size;
    map_node::pair* p = n->pairs();
    for (std::uint32_t i = 0; i < size; ++i)
        new (p + i) map_node::pair();
    return n;
}

binary_node* new_binary(std::size_t size, std::uint8_t bits) {
    void* mem = alloc_node(sizeof(binary_node) + size);
    auto* n = new (mem) binary_node();
    n->data = n->inline_bytes();
    n->size = size;
    n->bits = bits;
    return n;
}

namespace {

// A small explicit stack for destroy_node: children whose count reached zero wait
// here instead of being freed recursively.
class work_stack {
  public:
    void push(heap_node* n) {
        if (size_ < inline_cap) {
            inline_[size_++] = n;
        } else {
            overflow_.push_back(n);
        }
    }
    heap_node* pop() noexcept {
        if (!overflow_.empty()) {
            heap_node* n = overflow_.back();
            overflow_.pop_back();
            return n;
        }
        return size_ == 0 ? nullptr : inline_[--size_];
    }

  private:
    static constexpr std::size_t inline_cap = 64;
    heap_node* inline_[inline_cap];
    std::size_t size_ = 0;
    std::vector<heap_node*> overflow_;
};

// Drops the child's reference; a child that dies is queued rather than recursed into.
inline bool last_reference(heap_node* h) noexcept {
    return h->rc.load(std::memory_order_acquire) == 1 ||
           h->rc.fetch_sub(1, std::memory_order_acq_rel) == 1;
}

inline void drop(heap_node* h, work_stack& st) noexcept {
    if (h == nullptr) return;
    h = counted(h);
    if (last_reference(h)) {
        try {
            st.push(h);
        } catch (...) {
            // Out of memory while growing the stack: fall back to recursion for this one.
            destroy_node(h);
        }
    }
}

inline void drop(const term& t, work_stack& st) noexcept {
    drop(t.raw_node(), st);
}

// Children are released by hand and the nodes freed without running ~term on their
// term members, so nothing is released twice.
void destroy_one(heap_node* n, work_stack& st) noexcept {
    switch (n->kind) {
        case tag::big_int:
            static_cast<bigint_node*>(n)->~bigint_node();
            break;
        case tag::tuple: {
            auto* t = static_cast<tuple_node*>(n);
            for (std::uint32_t i = 0; i < t->arity; ++i)
                drop(t->elems()[i], st);
            break;
        }
        case tag::list: {
            auto* l = static_cast<list_node*>(n);
            for (std::uint32_t i = 0; i < l->size; ++i)
                drop(l->elems()[i], st);
            drop(l->tail, st);
            break;
        }
        case tag::map: {
            auto* m = static_cast<map_node*>(n);
            for (std::uint32_t i = 0; i < m->size; ++i) {
                drop(m->pairs()[i].first, st);
                drop(m->pairs()[i].second, st);
            }
            break;
        }
        case tag::binary:
            drop(static_cast<binary_node*>(n)->owner, st);
            break;
        case tag::owner:
            static_cast<owner_node*>(n)->~owner_node();
            break;
        case tag::arena:
            // Internal edges hold no counts: no walk, only what the arena recorded.
            destroy_arena(static_cast<arena_node*>(n), [&](heap_node* h) { drop(h, st); });
            return;  // the arena node lived in its first block, already freed
        case tag::fun: {
            auto* f = static_cast<fun_node*>(n);
            drop(f->old_index, st);
            drop(f->old_uniq, st);
            drop(f->creator, st);
            for (std::uint32_t i = 0; i < f->num_free; ++i)
                drop(f->free_vars()[i], st);
            break;
        }
        default:  // pid, port, reference, export_fun: trivially destructible
            break;
    }
    free_node(n);
}

}  // namespace

void destroy_node(heap_node* n) noexcept {
    work_stack st;
    do {
        destroy_one(n, st);
    } while ((n = st.pop()) != nullptr);
}

}  // namespace detail

namespace {

using detail::tag;

template <class Node, class... Args>
term make_node_term(tag t, Args&&... args) {
    void* mem = detail::alloc_node(sizeof(Node));
    Node* n;
    try {
        n = new (mem) Node(std::forward<Args>(args)...);
    } catch (...) {
        detail::free_node(mem);
        throw;
    }
    return term::adopt(t, n);
}

std::uint32_t checked_u32(std::size_t n) {
    if (n > std::numeric_limits<std::uint32_t>::max())
        throw system_error(make_error_code(term_errc::too_large), "otp::term");
    return static_cast<std::uint32_t>(n);
}

const detail::binary_node* bin_node(const term& t) noexcept {
    return static_cast<const detail::binary_node*>(t.raw_node());
}

}  // namespace

std::string_view to_string(term_type t) noexcept {
    switch (t) {
        case term_type::integer:
            return "integer";
        case term_type::float_:
            return "float";
        case term_type::atom:
            return "atom";
        case term_type::reference:
            return "reference";
        case term_type::fun:
            return "fun";
        case term_type::port:
            return "port";
        case term_type::pid:
            return "pid";
        case term_type::tuple:
            return "tuple";
        case term_type::map:
            return "map";
        case term_type::nil:
            return "nil";
        case term_type::list:
            return "list";
        case term_type::binary:
            return "bitstring";
    }
    return "unknown";
}

term::term(unsigned long v) : term(static_cast<long>(v)) {
    if (v > static_cast<unsigned long>(std::numeric_limits<long>::max())) *this = term(big_int(v));
}

term::term(unsigned long long v) : term(static_cast<unsigned long>(v)) {}

term::term(const big_int& v) : tag_(tag::small_int), aux_(0), i_(0) {
    if (v >= std::numeric_limits<std::int64_t>::min() &&
        v <= std::numeric_limits<std::int64_t>::max()) {
        i_ = v.convert_to<std::int64_t>();
    } else {
        *this = make_node_term<detail::bigint_node>(tag::big_int, v);
    }
}

term::term(bool v) noexcept : term(v ? atoms::true_() : atoms::false_()) {}

term::term(std::string_view utf8) : term(binary(utf8)) {}

term::term(const pid& p) : term(make_node_term<detail::pid_node>(tag::pid, p)) {}
term::term(const port& p) : term(make_node_term<detail::port_node>(tag::port, p)) {}
term::term(const reference& r) : term(make_node_term<detail::ref_node>(tag::reference, r)) {
    if (r.len < 1 || r.len > 5) {
        *this = term();
        throw system_error(make_error_code(term_errc::bad_value), "otp::reference length");
    }
}
term::term(const export_fun& f) : term(make_node_term<detail::export_node>(tag::export_fun, f)) {}

term_type term::type() const noexcept {
    switch (tag_) {
        case tag::small_int:
        case tag::big_int:
            return term_type::integer;
        case tag::float_:
            return term_type::float_;
        case tag::atom:
            return term_type::atom;
        case tag::nil:
            return term_type::nil;
        case tag::reference:
            return term_type::reference;
        case tag::fun:
        case tag::export_fun:
            return term_type::fun;
        case tag::port:
            return term_type::port;
        case tag::pid:
            return term_type::pid;
        case tag::tuple:
            return term_type::tuple;
        case tag::map:
            return term_type::map;
        case tag::list:
            return term_type::list;
        case tag::binary:
        case tag::owner:
        case tag::arena:
            break;
    }
    return term_type::binary;
}

bool term::is_boolean() const noexcept {
    return tag_ == tag::atom && (a_ == atoms::true_().entry() || a_ == atoms::false_().entry());
}

bool term::is_binary() const noexcept {
    return tag_ == tag::binary && bin_node(*this)->bits == 8;
}

result<std::int64_t> term::as_int64() const noexcept {
    return as_int<std::int64_t>();
}

result<big_int> term::as_big_int() const {
    if (tag_ == tag::small_int) return big_int(i_);
    if (tag_ == tag::big_int) return static_cast<const detail::bigint_node*>(h_)->value;
    return term_errc::wrong_type;
}

result<double> term::as_double() const noexcept {
    if (tag_ == tag::float_) return f_;
    return term_errc::wrong_type;
}

result<double> term::as_number() const noexcept {
    if (tag_ == tag::float_) return f_;
    if (tag_ == tag::small_int) return static_cast<double>(i_);
    if (tag_ == tag::big_int) {
        const double d = static_cast<const detail::bigint_node*>(h_)->value.convert_to<double>();
        if (d == std::numeric_limits<double>::infinity() ||
            d == -std::numeric_limits<double>::infinity())
            return term_errc::out_of_range;
        return d;
    }
    return term_errc::wrong_type;
}

result<atom> term::as_atom() const noexcept {
    if (tag_ == tag::atom) return atom::from_entry(a_);
    return term_errc::wrong_type;
}

result<bool> term::as_bool() const noexcept {
    if (tag_ == tag::atom) {
        if (a_ == atoms::true_().entry()) return true;
        if (a_ == atoms::false_().entry()) return false;
    }
    return term_errc::wrong_type;
}

result<pid> term::as_pid() const noexcept {
    if (tag_ == tag::pid) return static_cast<const detail::pid_node*>(h_)->value;
    return term_errc::wrong_type;
}

result<port> term::as_port() const noexcept {
    if (tag_ == tag::port) return static_cast<const detail::port_node*>(h_)->value;
    return term_errc::wrong_type;
}

result<reference> term::as_ref() const noexcept {
    if (tag_ == tag::reference) return static_cast<const detail::ref_node*>(h_)->value;
    return term_errc::wrong_type;
}

result<export_fun> term::as_export_fun() const noexcept {
    if (tag_ == tag::export_fun) return static_cast<const detail::export_node*>(h_)->value;
    return term_errc::wrong_type;
}

result<fun_view> term::as_fun() const noexcept {
    if (tag_ == tag::fun) return fun_view(h_);
    return term_errc::wrong_type;
}

result<binary_view> term::as_binary() const noexcept {
    if (tag_ != tag::binary) return term_errc::wrong_type;
    const auto* b = bin_node(*this);
    return binary_view{{b->data, b->size}, b->bits};
}

result<std::span<const term>> term::as_tuple() const noexcept {
    if (tag_ != tag::tuple) return term_errc::wrong_type;
    const auto* t = static_cast<const detail::tuple_node*>(h_);
    return std::span<const term>(t->elems(), t->arity);
}

result<list_view> term::as_list() const noexcept {
    if (tag_ != tag::list && tag_ != tag::nil) return term_errc::wrong_type;
    return list_view(*this);
}

result<map_view> term::as_map() const noexcept {
    if (tag_ != tag::map) return term_errc::wrong_type;
    const auto* m = static_cast<const detail::map_node*>(h_);
    return map_view({m->pairs(), m->size});
}

result<term> term::element(std::size_t i) const noexcept {
    if (tag_ != tag::tuple) return term_errc::wrong_type;
    const auto* t = static_cast<const detail::tuple_node*>(h_);
    if (i >= t->arity) return term_errc::out_of_range;
    return t->elems()[i];
}

std::size_t term::size() const noexcept {
    switch (tag_) {
        case tag::tuple:
            return static_cast<const detail::tuple_node*>(h_)->arity;
        case tag::map:
            return static_cast<const detail::map_node*>(h_)->size;
        case tag::binary:
            return bin_node(*this)->size;
        case tag::list:
            return list_view(*this).size();
        default:
            return 0;
    }
}

result<term> term::head() const noexcept {
    if (tag_ != tag::list) return term_errc::wrong_type;
    return static_cast<const detail::list_node*>(h_)->elems()[aux_];
}

result<term> term::tail() const noexcept {
    if (tag_ != tag::list) return term_errc::wrong_type;
    const auto* l = static_cast<const detail::list_node*>(h_);
    if (aux_ + 1 < l->size) {
        detail::retain(h_);
        return adopt(tag::list, h_, aux_ + 1);
    }
    return l->tail;
}

// --- views --------------------------------------------------------------------------

const term& list_view::tail() const noexcept {
    const term* t = list_;
    while (t->raw_tag() == tag::list)
        t = &static_cast<const detail::list_node*>(t->raw_node())->tail;
    return *t;
}

std::size_t list_view::size() const noexcept {
    std::size_t n = 0;
    const term* t = list_;
    std::uint32_t start = t->raw_aux();
    while (t->raw_tag() == tag::list) {
        const auto* l = static_cast<const detail::list_node*>(t->raw_node());
        n += l->size - start;
        t = &l->tail;
        start = t->raw_aux();
    }
    return n;
}

std::vector<term> list_view::to_vector() const {
    std::vector<term> v;
    v.reserve(size());
    for (const term& e : *this)
        v.push_back(e);
    return v;
}

const term* map_view::find(const term& key) const noexcept {
    auto it = std::lower_bound(
        pairs_.begin(), pairs_.end(), key,
        [](const value_type& p, const term& k) { return exact_compare(p.first, k) < 0; });
    if (it != pairs_.end() && it->first == key) return &it->second;
    return nullptr;
}

namespace {
const detail::fun_node* fn(const detail::heap_node* n) {
    return static_cast<const detail::fun_node*>(n);
}
}  // namespace
std::uint8_t fun_view::arity() const noexcept {
    return fn(n_)->arity;
}
std::span<const std::uint8_t, 16> fun_view::uniq() const noexcept {
    return std::span<const std::uint8_t, 16>(fn(n_)->uniq, 16);
}
std::uint32_t fun_view::index() const noexcept {
    return fn(n_)->index;
}
atom fun_view::module() const noexcept {
    return fn(n_)->module;
}
const term& fun_view::old_index() const noexcept {
    return fn(n_)->old_index;
}
const term& fun_view::old_uniq() const noexcept {
    return fn(n_)->old_uniq;
}
const term& fun_view::creator() const noexcept {
    return fn(n_)->creator;
}
std::span<const term> fun_view::free_vars() const noexcept {
    return {fn(n_)->free_vars(), fn(n_)->num_free};
}

// --- builders -----------------------------------------------------------------------

term make_tuple(std::span<const term> elements) {
    auto* n = detail::new_tuple(checked_u32(elements.size()));
    std::copy(elements.begin(), elements.end(), n->elems());
    return term::adopt(tag::tuple, n);
}

term make_tuple(std::vector<term>&& elements) {
    auto* n = detail::new_tuple(checked_u32(elements.size()));
    std::move(elements.begin(), elements.end(), n->elems());
    return term::adopt(tag::tuple, n);
}

term make_list(std::span<const term> elements, term tail) {
    if (elements.empty()) return tail;
    auto* n = detail::new_list(checked_u32(elements.size()));
    std::copy(elements.begin(), elements.end(), n->elems());
    n->tail = std::move(tail);
    return term::adopt(tag::list, n);
}

term make_list(std::vector<term>&& elements, term tail) {
    if (elements.empty()) return tail;
    auto* n = detail::new_list(checked_u32(elements.size()));
    std::move(elements.begin(), elements.end(), n->elems());
    n->tail = std::move(tail);
    return term::adopt(tag::list, n);
}

term cons(term head, term tail) {
    auto* n = detail::new_list(1);
    n->elems()[0] = std::move(head);
    n->tail = std::move(tail);
    return term::adopt(tag::list, n);
}

term charlist(std::string_view utf8) {
    std::vector<term> cps;
    cps.reserve(utf8.size());
    std::size_t i = 0;
    while (i < utf8.size()) {
        const std::int32_t cp = detail::next_code_point(utf8, i);
        if (cp < 0) throw system_error(make_error_code(term_errc::invalid_utf8), "otp::charlist");
        cps.emplace_back(static_cast<long>(cp));
    }
    return make_list(std::move(cps));
}

term make_map(std::vector<std::pair<term, term>>&& pairs) {
    // Stable sort keeps insertion order among equal keys, so the last one wins.
    std::stable_sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) {
        return exact_compare(a.first, b.first) < 0;
    });
    std::size_t out = 0;
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        if (out > 0 && pairs[out - 1].first == pairs[i].first) {
            pairs[out - 1].second = std::move(pairs[i].second);
        } else {
            if (out != i) pairs[out] = std::move(pairs[i]);
            ++out;
        }
    }
    auto* n = detail::new_map(checked_u32(out));
    std::move(pairs.begin(), pairs.begin() + static_cast<std::ptrdiff_t>(out), n->pairs());
    return term::adopt(tag::map, n);
}

term make_map(std::span<const std::pair<term, term>> pairs) {
    return make_map(std::vector<std::pair<term, term>>(pairs.begin(), pairs.end()));
}

term binary(std::span<const std::uint8_t> bytes) {
    auto* n = detail::new_binary(bytes.size());
    if (!bytes.empty()) std::memcpy(n->inline_bytes(), bytes.data(), bytes.size());
    return term::adopt(tag::binary, n);
}

term binary(std::string_view bytes) {
    return binary(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                                bytes.size()));
}

term bitstring(std::span<const std::uint8_t> bytes, std::uint8_t bits) {
    if (bits < 1 || bits > 8)
        throw system_error(make_error_code(term_errc::bad_value), "otp::bitstring bits");
    if (bytes.empty()) return binary(bytes);
    auto* n = detail::new_binary(bytes.size(), bits);
    std::memcpy(n->inline_bytes(), bytes.data(), bytes.size());
    n->inline_bytes()[bytes.size() - 1] &= static_cast<std::uint8_t>(0xFF << (8 - bits));
    return term::adopt(tag::binary, n);
}

term binary_ref(std::span<const std::uint8_t> bytes, std::shared_ptr<const void> owner,
                std::uint8_t bits) {
    if (bits < 1 || bits > 8 || (bytes.empty() && bits != 8))
        throw system_error(make_error_code(term_errc::bad_value), "otp::binary_ref bits");
    term keep = make_node_term<detail::owner_node>(tag::owner, std::move(owner));
    auto* n = detail::new_binary(0, bits);
    n->data = bytes.data();
    n->size = bytes.size();
    n->owner = keep.raw_node();
    detail::retain(n->owner);
    return term::adopt(tag::binary, n);
}

result<term> sub_binary(const term& bin, std::size_t offset, std::size_t size) {
    if (bin.raw_tag() != tag::binary) return term_errc::wrong_type;
    const auto* b = bin_node(bin);
    if (offset > b->size || size > b->size - offset) return term_errc::out_of_range;
    auto* n = detail::new_binary(0, (offset + size == b->size && size > 0) ? b->bits : 8);
    n->data = b->data + offset;
    n->size = size;
    // Point at the storage's real owner so chains of sub-binaries stay one level deep.
    detail::heap_node* owner = b->owner != nullptr ? b->owner : bin.raw_node();
    detail::retain(owner);
    n->owner = owner;
    return term::adopt(tag::binary, n);
}

term make_fun(std::uint8_t arity, std::span<const std::uint8_t, 16> uniq, std::uint32_t index,
              atom module, term old_index, term old_uniq, term creator,
              std::span<const term> free_vars) {
    const std::uint32_t nfree = checked_u32(free_vars.size());
    void* mem = detail::alloc_node(sizeof(detail::fun_node) + std::size_t{nfree} * sizeof(term));
    auto* n = new (mem) detail::fun_node();
    n->arity = arity;
    std::memcpy(n->uniq, uniq.data(), 16);
    n->index = index;
    n->num_free = nfree;
    n->module = module;
    n->old_index = std::move(old_index);
    n->old_uniq = std::move(old_uniq);
    n->creator = std::move(creator);
    for (std::uint32_t i = 0; i < nfree; ++i)
        new (n->free_vars() + i) term(free_vars[i]);
    return term::adopt(tag::fun, n);
}

}  // namespace otp

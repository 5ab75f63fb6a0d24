// Internal node layouts and inline parts of otp::term. Not part of the public API.
#pragma once

#include <limits>
#include <type_traits>

namespace otp::detail {

struct bigint_node : heap_node {
    explicit bigint_node(big_int v) : heap_node(tag::big_int), value(std::move(v)) {}
    big_int value;
};
struct pid_node : heap_node {
    explicit pid_node(const otp::pid& v) noexcept : heap_node(tag::pid), value(v) {}
    otp::pid value;
};
struct port_node : heap_node {
    explicit port_node(const otp::port& v) noexcept : heap_node(tag::port), value(v) {}
    otp::port value;
};
struct ref_node : heap_node {
    explicit ref_node(const otp::reference& v) noexcept : heap_node(tag::reference), value(v) {}
    otp::reference value;
};
struct export_node : heap_node {
    explicit export_node(const otp::export_fun& v) noexcept
        : heap_node(tag::export_fun), value(v) {}
    otp::export_fun value;
};

/// Tuple: `arity` terms follow the node in the same allocation.
struct alignas(term) tuple_node : heap_node {
    tuple_node() noexcept : heap_node(tag::tuple) {}
    std::uint32_t arity = 0;
    term* elems() noexcept { return reinterpret_cast<term*>(this + 1); }
    const term* elems() const noexcept { return reinterpret_cast<const term*>(this + 1); }
};

/// A run of list cells stored flat: `size` heads follow the node, then `tail`.
/// A list term is (node, offset): the cells from `offset` on.
struct alignas(term) list_node : heap_node {
    list_node() noexcept : heap_node(tag::list) {}
    std::uint32_t size = 0;
    term tail;
    term* elems() noexcept { return reinterpret_cast<term*>(this + 1); }
    const term* elems() const noexcept { return reinterpret_cast<const term*>(this + 1); }
};

/// Map: `size` (key, value) pairs follow the node, sorted by exact_compare on keys,
/// with no duplicate keys.
struct alignas(term) map_node : heap_node {
    map_node() noexcept : heap_node(tag::map) {}
    std::uint32_t size = 0;
    using pair = std::pair<term, term>;
    pair* pairs() noexcept { return reinterpret_cast<pair*>(this + 1); }
    const pair* pairs() const noexcept { return reinterpret_cast<const pair*>(this + 1); }
};

/// Keeps memory that is not ours alive (a receive buffer, a user's buffer).
struct owner_node : heap_node {
    explicit owner_node(std::shared_ptr<const void> k) noexcept
        : heap_node(tag::owner), keep(std::move(k)) {}
    std::shared_ptr<const void> keep;
};

/// Binary or bitstring. Either the bytes follow the node (owner == nullptr), or
/// they live in memory kept alive by `owner` (another binary node or an owner_node).
struct binary_node : heap_node {
    binary_node() noexcept : heap_node(tag::binary) {}
    const std::uint8_t* data = nullptr;
    std::size_t size = 0;
    heap_node* owner = nullptr;
    std::uint8_t bits = 8;  // used bits in the last byte, 1..8
    std::uint8_t* inline_bytes() noexcept { return reinterpret_cast<std::uint8_t*>(this + 1); }
};

/// Local fun: `num_free` free-variable terms follow the node.
struct alignas(term) fun_node : heap_node {
    fun_node() noexcept : heap_node(tag::fun) {}
    std::uint8_t arity = 0;
    std::uint8_t uniq[16] = {};
    std::uint32_t index = 0;
    std::uint32_t num_free = 0;
    atom module;
    term old_index;
    term old_uniq;
    term creator;
    term* free_vars() noexcept { return reinterpret_cast<term*>(this + 1); }
    const term* free_vars() const noexcept { return reinterpret_cast<const term*>(this + 1); }
};

// Trailing elements start right after the node, so the node's size must keep them aligned.
static_assert(sizeof(tuple_node) % alignof(term) == 0);
static_assert(sizeof(list_node) % alignof(term) == 0);
static_assert(sizeof(map_node) % alignof(term) == 0);
static_assert(sizeof(fun_node) % alignof(term) == 0);

// Raw allocation of node + trailing storage. The node constructor and the trailing
// terms are constructed by the caller; destroy_node frees with free_node.
void* alloc_node(std::size_t bytes);
void free_node(void* p) noexcept;

/// Allocates a tuple of `arity` elements, each initialised to `[]`.
tuple_node* new_tuple(std::uint32_t arity);
/// Allocates a list run of `size` heads (each `[]`) with tail `[]`.
list_node* new_list(std::uint32_t size);
/// Allocates a map of `size` pairs (each `[] => []`); the caller fills and sorts it.
map_node* new_map(std::uint32_t size);
/// Allocates a binary with `size` inline bytes (uninitialised), `bits` used bits.
binary_node* new_binary(std::size_t size, std::uint8_t bits = 8);

}  // namespace otp::detail

namespace otp {

template <class Int>
result<Int> term::as_int() const noexcept {
    static_assert(std::is_integral_v<Int> && !std::is_same_v<Int, bool>);
    if (tag_ == detail::tag::small_int) {
        const std::int64_t v = i_;
        if constexpr (std::is_signed_v<Int>) {
            if (v < std::numeric_limits<Int>::min() || v > std::numeric_limits<Int>::max())
                return term_errc::out_of_range;
        } else {
            if (v < 0 || static_cast<std::uint64_t>(v) > std::numeric_limits<Int>::max())
                return term_errc::out_of_range;
        }
        return static_cast<Int>(v);
    }
    if (tag_ == detail::tag::big_int) {
        if constexpr (std::is_same_v<Int, std::uint64_t> ||
                      std::is_same_v<Int, unsigned long long>) {
            const auto& b = static_cast<const detail::bigint_node*>(h_)->value;
            if (b >= 0 && b <= std::numeric_limits<std::uint64_t>::max())
                return static_cast<Int>(b.convert_to<std::uint64_t>());
        }
        return term_errc::out_of_range;
    }
    return term_errc::wrong_type;
}

inline const term& list_view::iterator::operator*() const noexcept {
    return static_cast<const detail::list_node*>(node_)->elems()[pos_];
}

inline list_view::iterator& list_view::iterator::operator++() noexcept {
    const auto* n = static_cast<const detail::list_node*>(node_);
    if (++pos_ < n->size) return *this;
    const term& t = n->tail;
    if (t.raw_tag() == detail::tag::list) {
        node_ = t.raw_node();
        pos_ = t.raw_aux();
    } else {
        node_ = nullptr;
        pos_ = 0;
    }
    return *this;
}

inline list_view::iterator list_view::begin() const noexcept {
    if (list_->raw_tag() != detail::tag::list) return {};
    return {list_->raw_node(), list_->raw_aux()};
}

}  // namespace otp

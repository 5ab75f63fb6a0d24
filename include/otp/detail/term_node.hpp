// Internal layout of heap-allocated term parts. Not part of the public API.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace otp::detail {

/// Internal tag of a term. Immediate tags come first so that "has a heap node" is
/// one comparison (tag >= first_heap_tag).
enum class tag : std::uint8_t {
    small_int,   // int64 inline
    float_,      // double inline
    atom,        // atom_entry* inline
    nil,         // []
    big_int,     // bigint_node (only for values outside int64)
    reference,   // ref_node
    fun,         // fun_node (NEW_FUN_EXT)
    export_fun,  // export_node (EXPORT_EXT, fun M:F/A)
    port,        // port_node
    pid,         // pid_node
    tuple,       // tuple_node
    map,         // map_node
    list,        // list_node + offset: a non-empty list
    binary,      // binary_node (also bitstrings)
    owner,       // owner_node: keeps external memory alive (never a term's own tag)
};
inline constexpr tag first_heap_tag = tag::big_int;

/// Rank of a tag's type in Erlang's term order (all numbers share rank 0; local and
/// external funs share one rank).
constexpr int order_rank(tag t) noexcept {
    switch (t) {
        case tag::small_int:
        case tag::big_int:
        case tag::float_:
            return 0;
        case tag::atom:
            return 1;
        case tag::reference:
            return 2;
        case tag::fun:
        case tag::export_fun:
            return 3;
        case tag::port:
            return 4;
        case tag::pid:
            return 5;
        case tag::nil:
            return 8;
        case tag::tuple:
            return 6;
        case tag::map:
            return 7;
        case tag::list:
            return 9;
        case tag::binary:
        case tag::owner:
            break;
    }
    return 10;
}

/// Header of every heap node: an atomic reference count and the node's kind.
/// Nodes are immutable after construction, so sharing them across threads only
/// needs the count to be atomic.
struct heap_node {
    explicit heap_node(tag k) noexcept : rc(1), kind(k) {}
    std::atomic<std::uint32_t> rc;
    tag kind;
};

/// Frees a node whose count dropped to zero, and every child that it held last.
/// Iterative, so long lists and deep nesting cannot overflow the stack.
void destroy_node(heap_node* n) noexcept;

inline void retain(heap_node* n) noexcept {
    n->rc.fetch_add(1, std::memory_order_relaxed);
}
inline void release(heap_node* n) noexcept {
    // Holding the only reference, no other thread can touch the count: skip the
    // atomic read-modify-write (most decoded nodes die this way).
    if (n->rc.load(std::memory_order_acquire) == 1 ||
        n->rc.fetch_sub(1, std::memory_order_acq_rel) == 1)
        destroy_node(n);
}

}  // namespace otp::detail

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
    arena,       // arena_node: the count of every node in one arena (never a term's own tag)
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
        case tag::arena:
            break;
    }
    return 10;
}

/// Header of every heap node: an atomic reference count and the node's kind.
/// Nodes are immutable after construction, so sharing them across threads only
/// needs the count to be atomic.
///
/// A node may instead live in an arena (see arena_node): then `in_arena` is set and
/// `rc` holds no count but the node's distance from the start of its arena block, in
/// units of arena_unit bytes, which never changes. Such a node is counted through its
/// arena: retaining or releasing it retains or releases the whole arena.
struct heap_node {
    explicit heap_node(tag k) noexcept : rc(1), kind(k) {}
    std::atomic<std::uint32_t> rc;
    tag kind;
    bool in_arena = false;
};

/// Arena nodes are placed on multiples of this, which also scales their block offset
/// (a 32-bit offset then reaches 32 GiB into a block).
inline constexpr std::size_t arena_unit = 8;

/// The start of every arena block: the arena that all nodes of the block belong to.
struct arena_block {
    heap_node* arena;    // the arena_node (tag::arena) that counts for the block
    arena_block* older;  // the block allocated before this one, or nullptr
};

/// The node whose count stands for `n`: `n` itself, or the arena that holds it.
inline heap_node* counted(heap_node* n) noexcept {
    if (!n->in_arena) return n;
    const std::size_t off = std::size_t{n->rc.load(std::memory_order_relaxed)} * arena_unit;
    return reinterpret_cast<const arena_block*>(reinterpret_cast<const char*>(n) - off)->arena;
}

/// Frees a node whose count dropped to zero, and every child that it held last.
/// Iterative, so long lists and deep nesting cannot overflow the stack.
void destroy_node(heap_node* n) noexcept;

inline void retain(heap_node* n) noexcept {
    counted(n)->rc.fetch_add(1, std::memory_order_relaxed);
}
inline void release(heap_node* n) noexcept {
    n = counted(n);
    // Holding the only reference, no other thread can touch the count: skip the
    // atomic read-modify-write (most decoded terms die this way).
    if (n->rc.load(std::memory_order_acquire) == 1 ||
        n->rc.fetch_sub(1, std::memory_order_acq_rel) == 1)
        destroy_node(n);
}

}  // namespace otp::detail

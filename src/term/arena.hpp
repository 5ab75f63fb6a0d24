// Arenas: all the nodes of one decoded term in a few bump-allocated blocks, counted
// and freed as one. Internal to the term layer.
//
// The decoder builds a term's nodes here instead of allocating each one: edges
// between nodes of one arena hold no count, and the arena's single count stands for
// every reference from outside to any of its nodes (see heap_node::in_arena), so
// freeing a decoded term is one walk over a short block list, not over the tree.
// The price: a sub-term kept from a decoded term keeps the whole arena alive.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "otp/term.hpp"

namespace otp::detail {

/// Work an arena must do when it dies besides freeing its blocks.
struct arena_cleanup {
    arena_cleanup* next;
    heap_node* node;
    // True: a counted reference the arena holds on a node outside itself.
    // False: a node of this arena whose destructor owns memory (bignum, owner).
    bool external;
};

/// The count and bookkeeping of one arena; it lives in the arena's first block.
struct arena_node : heap_node {
    arena_node() noexcept : heap_node(tag::arena) {}
    arena_block* newest = nullptr;
    arena_cleanup* cleanups = nullptr;
};

/// Told of every arena created (`arenas` +1, with its first block's bytes), of each
/// further block (`arenas` 0, its bytes) and of every arena freed (`arenas` -1, 0).
/// Tests count live arenas and the memory they take with it; nullptr, the default,
/// for no calls.
using arena_observer = void (*)(int arenas, std::size_t block_bytes) noexcept;
void set_arena_observer(arena_observer f) noexcept;

/// Frees an arena whose count dropped to zero: runs the destructors it recorded,
/// hands each external reference it held to `drop_external`, then frees its blocks.
template <class Drop>
void destroy_arena(arena_node* a, Drop&& drop_external) noexcept;

/// Builds one arena. The builder holds one reference to the arena until hand_over().
class arena_builder {
  public:
    /// `input_size`: the bytes the term is decoded from, which sizes the first block
    /// (the rest grow geometrically as the term needs them).
    explicit arena_builder(std::size_t input_size) noexcept;
    ~arena_builder();
    arena_builder(const arena_builder&) = delete;
    arena_builder& operator=(const arena_builder&) = delete;

    /// A node of type Node (constructed from `args`) followed by `extra` bytes of
    /// trailing storage, marked as a node of this arena. Throws std::bad_alloc.
    template <class Node, class... Args>
    Node* make(std::size_t extra, Args&&... args) {
        std::uint32_t unit_offset;
        // Bignums need 16 (cpp_int holds 128-bit limb pairs); blocks start on 16.
        static_assert(alignof(Node) <= 2 * arena_unit);
        if constexpr (alignof(Node) > arena_unit) align_cur(alignof(Node));
        void* mem = alloc(sizeof(Node) + extra, unit_offset);
        auto* n = new (mem) Node(std::forward<Args>(args)...);
        n->rc.store(unit_offset, std::memory_order_relaxed);
        n->in_arena = true;
        return n;
    }
    // Containers come with their element slots unconstructed: the decoder constructs
    // every one (placement new) before anything reads the container, and writing each
    // slot twice would cost a tenth of decoding.

    /// A tuple of `arity` unconstructed elements.
    tuple_node* tuple(std::uint32_t arity) {
        auto* n = make<tuple_node>(std::size_t{arity} * sizeof(term));
        n->arity = arity;
        return n;
    }
    /// A list run of `size` unconstructed heads, with tail `[]`.
    list_node* list(std::uint32_t size) {
        auto* n = make<list_node>(std::size_t{size} * sizeof(term));
        n->size = size;
        return n;
    }
    /// A map of `size` unconstructed pairs.
    map_node* map(std::uint32_t size) {
        auto* n = make<map_node>(std::size_t{size} * sizeof(map_node::pair));
        n->size = size;
        return n;
    }
    /// A binary with `size` inline bytes (uninitialised) and `bits` used bits.
    binary_node* binary(std::size_t size, std::uint8_t bits = 8) {
        auto* n = make<binary_node>(size);
        n->data = n->inline_bytes();
        n->size = size;
        n->bits = bits;
        return n;
    }

    /// As make(), for a node whose destructor owns memory (bignum, owner): it runs
    /// when the arena dies.
    template <class Node, class... Args>
    Node* make_destroyed_later(Args&&... args) {
        // The record first: if the node cannot be made, it is merely unused room.
        arena_cleanup* c = cleanup_record();
        Node* n = make<Node>(0, std::forward<Args>(args)...);
        link(c, n, false);
        return n;
    }
    /// The arena takes over one counted reference to `n`, a node outside it (or in
    /// another arena), and drops it when it dies. Throws std::bad_alloc (then the
    /// reference is dropped at once).
    void keep_external(heap_node* n);

    /// True when `n` is a node of this arena.
    bool owns(const heap_node* n) const noexcept {
        return arena_ != nullptr && n != nullptr && n->in_arena &&
               counted(const_cast<heap_node*>(n)) == arena_;
    }
    /// Gives the builder's reference to the caller: a term now holds the arena.
    void hand_over() noexcept { handed_over_ = true; }

  private:
    // Room for `bytes` (rounded up to arena_unit) and its offset in its block.
    void* alloc(std::size_t bytes, std::uint32_t& unit_offset) {
        bytes = (bytes + arena_unit - 1) & ~(arena_unit - 1);
        if (static_cast<std::size_t>(end_ - cur_) < bytes) grow(bytes);
        void* p = cur_;
        unit_offset = static_cast<std::uint32_t>((cur_ - block_start_) / arena_unit);
        cur_ += bytes;
        return p;
    }
    // Moves the bump pointer up to `a` (it stays in the block or at its end).
    void align_cur(std::size_t a) noexcept {
        const auto pad = (a - reinterpret_cast<std::uintptr_t>(cur_) % a) % a;
        cur_ += std::min<std::size_t>(pad, static_cast<std::size_t>(end_ - cur_));
    }
    // Starts a new block with room for at least `bytes`; the first one holds the arena.
    void grow(std::size_t bytes);
    arena_cleanup* cleanup_record();
    void link(arena_cleanup* c, heap_node* n, bool external) noexcept;

    arena_node* arena_ = nullptr;
    char* block_start_ = nullptr;
    char* cur_ = nullptr;
    char* end_ = nullptr;
    std::size_t next_block_;
    bool handed_over_ = false;
};

/// Notifies the observer of a freed arena; destroy_arena's out-of-line part.
void arena_freed() noexcept;

template <class Drop>
void destroy_arena(arena_node* a, Drop&& drop_external) noexcept {
    for (arena_cleanup* c = a->cleanups; c != nullptr; c = c->next) {
        if (c->external) {
            drop_external(c->node);
        } else if (c->node->kind == tag::big_int) {
            static_cast<bigint_node*>(c->node)->~bigint_node();
        } else if (c->node->kind == tag::owner) {
            static_cast<owner_node*>(c->node)->~owner_node();
        }
    }
    // The arena node lives in the oldest block, so read the list before freeing it.
    arena_block* b = a->newest;
    while (b != nullptr) {
        arena_block* older = b->older;
        free_node(b);
        b = older;
    }
    arena_freed();
}

}  // namespace otp::detail

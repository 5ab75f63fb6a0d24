// Arena blocks: sizing, node construction and the observer hook.
#include "term/arena.hpp"

#include <algorithm>
#include <atomic>
#include <new>

namespace otp::detail {
namespace {

// The first block is sized from the input: decoded terms take about 3 bytes of nodes
// per input byte on the benchmark corpus, so 4 rarely needs a second block. It stays
// small for small inputs, and at most first_block_max for large ones, since an input
// span may hold more than the term decoded from it (decode_body on a packet holding a
// small control tuple and a large payload); below glibc's mmap threshold, a block is
// not a system call.
constexpr std::size_t first_block_ratio = 4;
constexpr std::size_t first_block_min = 256;
constexpr std::size_t first_block_max = std::size_t{32} << 10;
// Later blocks double, up to this; a node larger than that gets a block of its own.
// It also keeps every offset within the 32 bits of heap_node::rc (in arena units).
constexpr std::size_t block_max = std::size_t{64} << 20;

std::atomic<arena_observer> observer{nullptr};

void notify(int arenas, std::size_t block_bytes) noexcept {
    if (const arena_observer f = observer.load(std::memory_order_relaxed)) f(arenas, block_bytes);
}

}  // namespace

void set_arena_observer(arena_observer f) noexcept {
    observer.store(f, std::memory_order_relaxed);
}

void arena_freed() noexcept {
    notify(-1, 0);
}

arena_builder::arena_builder(std::size_t input_size) noexcept
    : next_block_(std::clamp(input_size * first_block_ratio, first_block_min, first_block_max)) {}

arena_builder::~arena_builder() {
    if (arena_ != nullptr && !handed_over_) release(arena_);
}

void arena_builder::grow(std::size_t bytes) {
    const bool first = arena_ == nullptr;
    // malloc gives 16-byte alignment; the first node starts on 16 too, so a node that
    // needs 16 (a bignum) never finds a fresh block misaligned.
    constexpr std::size_t a = 2 * arena_unit;
    const std::size_t head =
        (sizeof(arena_block) + (first ? sizeof(arena_node) : 0) + a - 1) & ~(a - 1);
    const std::size_t size = std::max(next_block_, head + bytes);
    auto* block = static_cast<arena_block*>(alloc_node(size));
    if (first) arena_ = new (block + 1) arena_node();
    notify(first ? 1 : 0, size);
    block->arena = arena_;
    block->older = arena_->newest;
    arena_->newest = block;
    block_start_ = reinterpret_cast<char*>(block);
    cur_ = block_start_ + head;
    end_ = block_start_ + size;
    next_block_ = std::min(next_block_ * 2, block_max);
}

arena_cleanup* arena_builder::cleanup_record() {
    std::uint32_t unused;
    return static_cast<arena_cleanup*>(alloc(sizeof(arena_cleanup), unused));
}

void arena_builder::link(arena_cleanup* c, heap_node* n, bool external) noexcept {
    c->next = arena_->cleanups;
    c->node = n;
    c->external = external;
    arena_->cleanups = c;
}

void arena_builder::keep_external(heap_node* n) {
    arena_cleanup* c;
    try {
        c = cleanup_record();
    } catch (...) {
        release(n);
        throw;
    }
    link(c, n, true);
}

}  // namespace otp::detail

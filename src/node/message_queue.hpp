// A mailbox's message queue: FIFO with removal anywhere (selective receive), kept in a
// ring so that taking the oldest message and appending are O(1) even when a slow
// receiver lets hundreds of thousands pile up (a vector's prefix compaction and a
// deque's per-block allocations both showed in profiles). An idle queue allocates
// nothing, which keeps an idle mailbox small.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "otp/mailbox.hpp"

namespace otp::node_detail {

/// Not thread-safe: the mailbox's mutex guards it.
class message_queue {
  public:
    std::size_t size() const noexcept { return count_; }
    bool empty() const noexcept { return count_ == 0; }
    envelope& operator[](std::size_t i) noexcept { return slots_[(head_ + i) & (cap_ - 1)]; }
    const envelope& operator[](std::size_t i) const noexcept {
        return slots_[(head_ + i) & (cap_ - 1)];
    }

    void push_back(envelope&& e) {
        if (count_ == cap_) grow();
        (*this)[count_] = std::move(e);
        ++count_;
    }

    /// Counts removals, so a receiver that scanned part of the queue knows whether the
    /// positions it skipped still hold what it saw.
    std::uint64_t removals() const noexcept { return removals_; }

    /// Removes and returns element `i` (0 is the oldest).
    envelope take(std::size_t i) {
        ++removals_;
        envelope e = std::move((*this)[i]);
        if (i == 0) {
            (*this)[0] = envelope{};  // release the term now
            head_ = (head_ + 1) & (cap_ - 1);
        } else {
            for (std::size_t j = i; j + 1 < count_; ++j)
                (*this)[j] = std::move((*this)[j + 1]);
            (*this)[count_ - 1] = envelope{};
        }
        --count_;
        release_if_drained();
        return e;
    }

    /// Removes every element `pred` accepts, keeping the others' order.
    template <class Pred>
    void remove_if(Pred pred) {
        ++removals_;
        std::size_t kept = 0;
        for (std::size_t i = 0; i < count_; ++i) {
            if (pred((*this)[i])) continue;
            if (kept != i) (*this)[kept] = std::move((*this)[i]);
            ++kept;
        }
        for (std::size_t i = kept; i < count_; ++i)
            (*this)[i] = envelope{};
        count_ = kept;
        release_if_drained();
    }

    void clear() noexcept {
        ++removals_;
        slots_.reset();
        cap_ = head_ = count_ = 0;
    }

    /// Slots allocated (for tests of the memory behaviour).
    std::size_t capacity() const noexcept { return cap_; }

  private:
    // Capacity is a power of two, so positions wrap with a mask.
    void grow() {
        const std::size_t cap = cap_ == 0 ? 8 : cap_ * 2;
        auto slots = std::make_unique<envelope[]>(cap);
        for (std::size_t i = 0; i < count_; ++i)
            slots[i] = std::move((*this)[i]);
        slots_ = std::move(slots);
        cap_ = cap;
        head_ = 0;
    }
    // Gives memory back once the queue drains after a burst; a small ring stays for
    // the next messages.
    void release_if_drained() noexcept {
        if (count_ != 0) return;
        head_ = 0;
        if (cap_ > 64) {
            slots_.reset();
            cap_ = 0;
        }
    }

    std::unique_ptr<envelope[]> slots_;
    std::size_t cap_ = 0;
    std::size_t head_ = 0;
    std::size_t count_ = 0;
    std::uint64_t removals_ = 0;
};

}  // namespace otp::node_detail

// A mailbox's message queue: FIFO with removal anywhere (selective receive). An idle
// queue allocates nothing, which keeps an idle mailbox small (std::deque allocates
// over half a kilobyte up front).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "otp/mailbox.hpp"

namespace otp::node_detail {

/// Not thread-safe: the mailbox's mutex guards it.
class message_queue {
  public:
    std::size_t size() const noexcept { return items_.size() - head_; }
    bool empty() const noexcept { return size() == 0; }
    envelope& operator[](std::size_t i) noexcept { return items_[head_ + i]; }
    const envelope& operator[](std::size_t i) const noexcept { return items_[head_ + i]; }

    void push_back(envelope&& e) { items_.push_back(std::move(e)); }

    /// Counts removals, so a receiver that scanned part of the queue knows whether the
    /// positions it skipped still hold what it saw.
    std::uint64_t removals() const noexcept { return removals_; }

    /// Removes and returns element `i` (0 is the oldest).
    envelope take(std::size_t i) {
        ++removals_;
        envelope e = std::move(items_[head_ + i]);
        if (i == 0) {
            items_[head_] = envelope{};  // release the term now, not at compaction
            ++head_;
            compact();
        } else {
            items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(head_ + i));
        }
        return e;
    }

    /// Removes every element `pred` accepts.
    template <class Pred>
    void remove_if(Pred pred) {
        ++removals_;
        std::erase_if(items_, [&, i = std::size_t{0}](const envelope& e) mutable {
            return i++ >= head_ && pred(e);
        });
        compact();
    }

    void clear() noexcept {
        ++removals_;
        items_.clear();
        items_.shrink_to_fit();
        head_ = 0;
    }

  private:
    // Drops the consumed prefix once it is most of the vector; gives memory back once
    // the queue drains after a burst.
    void compact() {
        if (head_ == items_.size()) {
            items_.clear();
            head_ = 0;
            if (items_.capacity() > 256) items_.shrink_to_fit();
        } else if (head_ >= 32 && head_ * 2 >= items_.size()) {
            items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
            head_ = 0;
        }
    }

    std::vector<envelope> items_;
    std::size_t head_ = 0;
    std::uint64_t removals_ = 0;
};

}  // namespace otp::node_detail

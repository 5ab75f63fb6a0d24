// The queue behind a mailbox: messages in arrival order, blocking and asynchronous
// receivers, selective receive. Knows nothing of links or the network.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "node/input_reader.hpp"
#include "node/message_queue.hpp"
#include "otp/mailbox.hpp"

namespace otp::node_detail {

class runtime;

/// One process of this node. The queue is guarded by its own mutex; the fields marked
/// "runtime" are guarded by the runtime's mutex.
///
/// Thread safety: deliver(), receive*(), close_queue() are thread-safe. A filter runs
/// under the queue's mutex and must not call back into the mailbox.
struct mailbox_state : std::enable_shared_from_this<mailbox_state> {
    using receive_callback = detail::unique_callback<std::error_code, envelope>;
    /// A service process handles each message itself (posted to the executor) instead of
    /// queueing it: net_kernel and rex are such processes.
    using service_fn = std::function<void(envelope&&)>;

    /// `keep` keeps the execution context behind `ex` alive as long as this state.
    mailbox_state(std::shared_ptr<void> keep, std::weak_ptr<runtime> rt, pid self,
                  boost::asio::any_io_executor ex, service_fn service = {});

    /// Queues a message, or hands it to the oldest waiter that takes it. False when the
    /// mailbox is closed or its bounded queue dropped a message (the caller counts it
    /// as undeliverable).
    bool deliver(envelope&& e) { return deliver(std::move(e), nullptr); }
    /// As deliver(), but with `wake_owed` a blocked receiver is not woken now: when
    /// `*wake_owed` is set, the caller must call wake() soon (after its batch), so a
    /// burst of messages wakes the receiver once instead of once per message. With
    /// `complete_in_wake` too, an async receiver it satisfies completes inside that
    /// wake(), on the caller's thread, instead of through a post: only for a caller
    /// that is the one thread running the executor, where the post would run it next.
    bool deliver(envelope&& e, bool* wake_owed, bool complete_in_wake = false);
    /// Wakes the blocked receivers a deferred delivery left asleep and completes the
    /// async receivers it left for now.
    void wake();
    /// Bounds the queue (0: unbounded).
    void limit(std::size_t max_messages, overflow_policy policy);
    /// Blocking selective receive with a deadline (nullopt: no limit). With `reader`,
    /// the receiver waits by reading its input (see input_reader) while that is
    /// available, and sleeps otherwise, after polling for up to `spin`.
    result<envelope> receive(const message_filter* filter,
                             std::optional<std::chrono::steady_clock::time_point> deadline,
                             input_reader* reader = nullptr, std::chrono::microseconds spin = {});
    /// Asynchronous receive; completes through `cb` on the executor.
    void async_receive(message_filter filter, std::chrono::milliseconds timeout,
                       receive_callback cb);
    /// Ends the queue: drops queued messages, fails waiters with mailbox_closed, records
    /// the reason. False when it was closed already.
    bool close_queue(const term& reason);
    /// Removes queued messages `filter` accepts (demonitor's flush).
    void remove_if(const message_filter& filter);

    bool is_open() const;
    term reason() const;
    std::size_t queued() const;
    /// Receivers sleeping in a blocking receive (for tests).
    std::size_t blocked_receivers() const;
    /// Receivers polling for a message before they sleep (for tests).
    std::size_t spinning_receivers() const;

    const std::shared_ptr<void> keep;  // first member: destroyed last
    const std::weak_ptr<runtime> rt;
    const pid self;
    const boost::asio::any_io_executor ex;
    const service_fn service;
    std::atomic<bool> trap_exit{false};

    // runtime: owned by the runtime's mutex.
    std::optional<atom> name;
    std::vector<reference> aliases;
    std::vector<reference> local_monitors;  ///< monitors this process holds on local ones

  private:
    struct waiter {
        std::uint64_t id;
        message_filter filter;
        receive_callback cb;
        std::shared_ptr<boost::asio::steady_timer> timer;
    };
    // Completes `w` through a post, or at the batch's end when `wake_owed` is given
    // (deliver()'s complete_in_wake) or others wait there; under mu_.
    void complete(waiter& w, std::error_code ec, envelope&& e, bool* wake_owed = nullptr);
    // With `lock` held: polls (unlocked) for up to `spin`, or until `deadline`, for a
    // message or the close; true when one came (node_options::spin_wait).
    bool spun_for_arrival(std::unique_lock<std::mutex>& lock,
                          std::optional<std::chrono::steady_clock::time_point> deadline,
                          std::chrono::microseconds spin);
    // Wakes the blocked receivers; under mu_ when `reading_waiter_fd_` may be set.
    void notify_reading_waiter_locked();

    mutable std::mutex mu_;
    std::condition_variable cv_;
    message_queue queue_;
    std::list<waiter> waiters_;
    std::uint64_t next_waiter_ = 1;
    std::size_t blocked_ = 0;   // receivers in a blocking wait
    std::size_t spinning_ = 0;  // receivers polling arrivals_ before they block
    bool woken_ = false;        // they were notified and have not all run yet
    bool wake_owed_ = false;    // a deferred delivery left them asleep
    // A blocked receiver waiting by reading (input_reader) is woken through its
    // thread's eventfd, unless the waker is that thread.
    int reading_waiter_fd_ = -1;
    std::thread::id reading_waiter_;
    // Async receivers a batch satisfied, completed by wake() (see deliver()), and any
    // completed after them meanwhile, in order.
    struct ready_completion {
        receive_callback cb;
        std::error_code ec;
        envelope e;
    };
    std::vector<ready_completion> ready_;
    std::atomic<std::uint32_t> posted_{0};  // completions posted and not yet run
    // Bumped under mu_ by every message queued and by the close: a receiver that spins
    // outside the lock (receive's `spin`) watches it.
    std::atomic<std::uint32_t> arrivals_{0};
    bool open_ = true;
    term reason_;
    std::size_t max_queue_ = 0;
    overflow_policy policy_ = overflow_policy::drop_newest;
};

}  // namespace otp::node_detail

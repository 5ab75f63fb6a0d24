// The queue behind a mailbox.
#include "node/mailbox_state.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>

#include <boost/asio/post.hpp>

#include "node/spin_wait.hpp"
#include "otp/node_error.hpp"

namespace otp::node_detail {

namespace {
bool accepts(const message_filter& f, const envelope& e) {
    return !f || f(e);
}

// The calling thread's eventfd for waking it while it waits by reading (-1 when the
// system has none to give).
int thread_wake_fd() {
    struct wake_fd {
        int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        wake_fd() = default;
        wake_fd(const wake_fd&) = delete;
        wake_fd& operator=(const wake_fd&) = delete;
        ~wake_fd() {
            if (fd >= 0) ::close(fd);
        }
    };
    thread_local wake_fd w;
    return w.fd;
}
}  // namespace

mailbox_state::mailbox_state(std::shared_ptr<void> k, std::weak_ptr<runtime> r, pid p,
                             boost::asio::any_io_executor e, service_fn s)
    : keep(std::move(k)),
      rt(std::move(r)),
      self(std::move(p)),
      ex(std::move(e)),
      service(std::move(s)) {}

void mailbox_state::notify_reading_waiter_locked() {
    // Written under mu_: the waiter deregisters under it, so the fd is still its own.
    if (reading_waiter_fd_ < 0 || reading_waiter_ == std::this_thread::get_id()) return;
    signal_wake_fd(reading_waiter_fd_);
}

void mailbox_state::complete(waiter& w, std::error_code ec, envelope&& e, bool* wake_owed) {
    if (w.timer) w.timer->cancel();
    // Completions run in the order they were made: one joins those kept for a batch's
    // end while any wait there (a wake() is owed then), and is kept for it only when
    // no posted one is still to run.
    if (!ready_.empty() || (wake_owed != nullptr && posted_ == 0)) {
        ready_.push_back({std::move(w.cb), ec, std::move(e)});
        if (wake_owed != nullptr && !wake_owed_) wake_owed_ = *wake_owed = true;
        return;
    }
    // Handlers never run under our mutex, nor inside the deliverer's call.
    ++posted_;
    boost::asio::post(
        ex, [self = shared_from_this(), cb = std::move(w.cb), ec, e = std::move(e)]() mutable {
            --self->posted_;
            cb(ec, std::move(e));
        });
}

bool mailbox_state::deliver(envelope&& e, bool* wake_owed, bool complete_in_wake) {
    if (service) {
        {
            std::lock_guard lock(mu_);
            if (!open_) return false;
        }
        boost::asio::post(ex, [self = shared_from_this(), e = std::move(e)]() mutable {
            if (self->is_open()) self->service(std::move(e));
        });
        return true;
    }
    bool kept = true, notify = false;
    {
        std::lock_guard lock(mu_);
        if (!open_) return false;
        for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
            if (accepts(it->filter, e)) {
                complete(*it, {}, std::move(e), complete_in_wake ? wake_owed : nullptr);
                waiters_.erase(it);
                return true;
            }
        }
        if (max_queue_ != 0 && queue_.size() >= max_queue_) {
            if (policy_ == overflow_policy::drop_newest) return false;
            queue_.take(0);
            kept = false;
        }
        queue_.push_back(std::move(e));
        arrivals_.fetch_add(1, std::memory_order_release);
        // Waking costs a system call; only a blocked receiver needs it, once per round of
        // sleepers. A deferred wake-up is owed once, however many messages come.
        if (blocked_ != 0 && !woken_) {
            if (wake_owed == nullptr) {
                woken_ = notify = true;
                notify_reading_waiter_locked();
            } else if (!wake_owed_) {
                wake_owed_ = true;
                *wake_owed = true;
            }
        }
    }
    // Outside the lock: a receiver woken under it would first block on the mutex.
    if (notify) cv_.notify_all();
    return kept;
}

void mailbox_state::wake() {
    bool notify = false;
    std::vector<ready_completion> ready;
    {
        std::lock_guard lock(mu_);
        wake_owed_ = false;
        if (blocked_ != 0 && !woken_) {
            woken_ = notify = true;
            notify_reading_waiter_locked();
        }
        ready.swap(ready_);
    }
    if (notify) cv_.notify_all();
    // In arrival order, after the batch that satisfied them; each goes to its handler's
    // own executor (run here when that is the node's).
    for (auto& r : ready)
        r.cb(r.ec, std::move(r.e));
}

void mailbox_state::limit(std::size_t max_messages, overflow_policy policy) {
    std::lock_guard lock(mu_);
    max_queue_ = max_messages;
    policy_ = policy;
}

result<envelope> mailbox_state::receive(
    const message_filter* filter, std::optional<std::chrono::steady_clock::time_point> deadline,
    input_reader* reader, std::chrono::microseconds spin) {
    std::unique_lock lock(mu_);
    // Messages the filter rejected need no second look, unless another receiver took
    // some meanwhile and the positions moved.
    std::size_t scanned = 0;
    std::uint64_t removals = queue_.removals();
    const int wake_fd = reader != nullptr ? thread_wake_fd() : -1;
    bool try_reading = wake_fd >= 0;
    for (;;) {
        if (!open_) return node_errc::mailbox_closed;
        if (queue_.removals() != removals) scanned = 0;
        for (std::size_t i = filter ? scanned : 0; i < queue_.size(); ++i) {
            if (!filter || accepts(*filter, queue_[i])) return queue_.take(i);
        }
        scanned = queue_.size();
        removals = queue_.removals();
        // One receiver at a time waits by reading; others sleep until woken.
        const bool reads = try_reading && reading_waiter_fd_ < 0;
        // A spinning receiver is not blocked: a delivery owes it no wake-up, so the
        // reader that delivers does not come back for this mutex while it takes the
        // message.
        if (!reads && spin.count() > 0 && spun_for_arrival(lock, deadline, spin)) continue;
        ++blocked_;
        woken_ = false;  // this receiver has not been woken yet
        bool timed_out = false;
        if (reads) {
            reading_waiter_fd_ = wake_fd;
            reading_waiter_ = std::this_thread::get_id();
            lock.unlock();
            const auto got = reader->wait_reading(wake_fd, deadline);
            lock.lock();
            reading_waiter_fd_ = -1;
            --blocked_;
            woken_ = false;
            // Not readable from here: look again (a message may have come meanwhile,
            // its wake-up sent to the eventfd), then sleep.
            if (got == input_reader::outcome::unavailable) {
                try_reading = false;
                continue;
            }
            timed_out = got == input_reader::outcome::timed_out;
        } else {
            timed_out = deadline ? cv_.wait_until(lock, *deadline) == std::cv_status::timeout
                                 : (cv_.wait(lock), false);
            --blocked_;
            woken_ = false;
            try_reading = wake_fd >= 0;
        }
        if (timed_out) {
            // One last look: a message may have arrived with the deadline.
            if (queue_.removals() != removals) scanned = 0;
            for (std::size_t i = scanned; i < queue_.size(); ++i) {
                if (!filter || accepts(*filter, queue_[i])) return queue_.take(i);
            }
            return open_ ? result<envelope>(node_errc::timeout)
                         : result<envelope>(node_errc::mailbox_closed);
        }
    }
}

bool mailbox_state::spun_for_arrival(std::unique_lock<std::mutex>& lock,
                                     std::optional<std::chrono::steady_clock::time_point> deadline,
                                     std::chrono::microseconds spin) {
    const auto seen = arrivals_.load(std::memory_order_relaxed);
    const auto until = node_detail::spin_end(spin, deadline);
    ++spinning_;
    lock.unlock();
    node_detail::spin_until(until,
                            [&] { return arrivals_.load(std::memory_order_acquire) != seen; });
    lock.lock();
    --spinning_;
    // Looked at under the lock: a delivery after this finds the receiver blocked.
    return arrivals_.load(std::memory_order_relaxed) != seen;
}

void mailbox_state::async_receive(message_filter filter, std::chrono::milliseconds timeout,
                                  receive_callback cb) {
    std::lock_guard lock(mu_);
    waiter w{next_waiter_++, std::move(filter), std::move(cb), nullptr};
    if (!open_) return complete(w, node_errc::mailbox_closed, {});
    for (std::size_t i = 0; i < queue_.size(); ++i)
        if (accepts(w.filter, queue_[i])) return complete(w, {}, queue_.take(i));
    if (timeout != std::chrono::milliseconds::max()) {
        w.timer = std::make_shared<boost::asio::steady_timer>(ex, timeout);
        w.timer->async_wait(
            [weak = weak_from_this(), id = w.id](const boost::system::error_code& ec) {
                if (ec) return;
                auto self = weak.lock();
                if (!self) return;
                std::lock_guard lock(self->mu_);
                auto wit = std::find_if(self->waiters_.begin(), self->waiters_.end(),
                                        [&](const waiter& x) { return x.id == id; });
                if (wit == self->waiters_.end()) return;
                wit->timer.reset();
                self->complete(*wit, node_errc::timeout, {});
                self->waiters_.erase(wit);
            });
    }
    waiters_.push_back(std::move(w));
}

bool mailbox_state::close_queue(const term& why) {
    std::list<waiter> failed;
    {
        std::lock_guard lock(mu_);
        if (!open_) return false;
        open_ = false;
        arrivals_.fetch_add(1, std::memory_order_release);
        reason_ = why;
        queue_.clear();
        failed.swap(waiters_);
        cv_.notify_all();
        notify_reading_waiter_locked();
        for (auto& w : failed)
            complete(w, node_errc::mailbox_closed, {});
    }
    return true;
}

void mailbox_state::remove_if(const message_filter& filter) {
    std::lock_guard lock(mu_);
    queue_.remove_if([&](const envelope& e) { return filter(e); });
}

bool mailbox_state::is_open() const {
    std::lock_guard lock(mu_);
    return open_;
}

term mailbox_state::reason() const {
    std::lock_guard lock(mu_);
    return reason_;
}

std::size_t mailbox_state::queued() const {
    std::lock_guard lock(mu_);
    return queue_.size();
}

std::size_t mailbox_state::blocked_receivers() const {
    std::lock_guard lock(mu_);
    return blocked_;
}

std::size_t mailbox_state::spinning_receivers() const {
    std::lock_guard lock(mu_);
    return spinning_;
}

}  // namespace otp::node_detail

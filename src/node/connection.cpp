// One established distribution connection.
#include "node/connection.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <sys/uio.h>

#include <array>
#include <cerrno>
#include <thread>
#include <utility>

#include <spdlog/spdlog.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/detail/thread_context.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "io_traffic.hpp"
#include "node/spin_wait.hpp"
#include "otp/dist_flags.hpp"

namespace otp::dist {
namespace {

// Reads go into a large buffer while data streams in, a small one when the link is
// quiet: an idle connection then holds a few KiB instead of 64.
constexpr std::size_t read_chunk = 64 * 1024;
constexpr std::size_t quiet_read = 4 * 1024;
// Signals between two batch ends (deferred wake-ups) within one read.
constexpr std::size_t batch_signals = 64;
// Small packets are coalesced into one queued buffer up to this size, so a burst of
// sends becomes a few large writes rather than one buffer per message.
constexpr std::size_t coalesce_limit = 64 * 1024;
// Written buffers kept for the next batches.
constexpr std::size_t max_spare = 2;
// A packet sent this long after the previous one, to an idle link, is written at once
// from the sender's thread (no hand-over to the I/O thread): a request/reply exchange
// saves a thread wake-up per message, while a burst still goes out in batches.
constexpr auto direct_write_gap = std::chrono::microseconds(20);

// Whether this thread is inside an Asio run() (any io_context or thread pool): such a
// thread must not wait for a writer, which may need this very thread. Asio has no
// public way to ask for every executor kind; its per-thread call stack is the answer.
bool runs_asio_handlers() {
    return boost::asio::detail::thread_context::thread_call_stack::top() != nullptr;
}

// read_state_ bits (see connection's class comment).
constexpr unsigned role_reading = 1;
constexpr unsigned role_closing = 2;
constexpr unsigned role_closed = 4;
constexpr unsigned role_lent = 8;
// A lent read role that its waiting thread has not come back to for this long goes
// back to the poller: other mailboxes' input waits no longer than about this.
constexpr auto lease_period = std::chrono::milliseconds(1);
// Packets one coalesced read must complete for the input to count as a stream still.
constexpr std::uint64_t stream_packets = 4;
// Input that comes this soon after the last read, unasked, is taken for a stream.
constexpr auto stream_gap = std::chrono::microseconds(200);
// Batches the writer takes in one go before it lets the strand's other work run.
constexpr int write_rounds = 16;

// The connection this thread sent on last: a receive that blocks next most likely
// waits for its reply. The raw pointer only saves refreshing the weak one per send.
thread_local std::weak_ptr<connection> last_sent;
thread_local const connection* last_sent_raw = nullptr;
// This thread reads a connection inside wait_reading().
thread_local bool reading_for_waiter_now = false;
// The connection whose input this thread read last in wait_reading(): its next send
// there most likely answers that input (a request/reply exchange), however soon.
thread_local const connection* input_read_here = nullptr;

timespec as_timespec(std::chrono::steady_clock::duration d) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
    return {static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
}

// What is left until `deadline`, for ppoll (zero once it has passed).
timespec time_left(const std::optional<std::chrono::steady_clock::time_point>& deadline) {
    if (!deadline) return {};
    return as_timespec(std::max(*deadline - std::chrono::steady_clock::now(),
                                std::chrono::steady_clock::duration::zero()));
}

// ppoll(fds, 2) until `deadline` (none: for ever), polling without sleeping for up to
// `spin` first (see spin_wait.hpp).
int poll_spinning(pollfd (&fds)[2], std::optional<std::chrono::steady_clock::time_point> deadline,
                  std::chrono::microseconds spin) {
    if (spin.count() > 0) {
        const timespec now{};
        int ready = 0;
        if (node_detail::spin_until(node_detail::spin_end(spin, deadline),
                                    [&] { return (ready = ::ppoll(fds, 2, &now, nullptr)) != 0; }))
            return ready;
    }
    const timespec limit = time_left(deadline);
    return ::ppoll(fds, 2, deadline ? &limit : nullptr, nullptr);
}

}  // namespace

connection::connection(dist_stream s, handshake_result hs, connection_options opts,
                       std::shared_ptr<connection_handler> h)
    : strand_(boost::asio::make_strand(s.socket().get_executor())),
      stream_(std::move(s)),
      hs_(std::move(hs)),
      opts_(std::move(opts)),
      handler_(std::move(h)),
      owner_(handler_.get()),
      peer_(atom(hs_.peer_name)),
      frames_(opts_.max_packet),
      decoder_(opts_.decoder),
      encoder_(opts_.decoder.header_format, (hs_.flags & dflag::dist_hdr_atom_cache) != 0),
      rbuf_(std::make_shared<read_buffer>(quiet_read)),
      read_size_(quiet_read),
      ticker_(strand_),
      flush_timer_(strand_) {
    opts_.log = logger_or_null(opts_.log);
    if (opts_.tick_intensity < 1) opts_.tick_intensity = 4;
    if (stream_.tls() == nullptr) {
        // Asio lets go of the socket: a socket it watches would wake its reactor on
        // every packet, even while a waiting thread reads it (see dist_poller).
        boost::system::error_code ec;
        fd_ = stream_.socket().release(ec);
        poller_ = std::move(opts_.poller);
        if (!poller_) {
            std::error_code pec;
            poller_ = dist_poller::create(strand_.get_inner_executor(), pec);
        }
    }
}

connection::~connection() {
    // Never started or never finished (finish_closed() closes it otherwise).
    if (!finished_) close_descriptors();
}

void connection::close_descriptors() {
    for (auto [fd, reg] : {std::pair{&fd_, &reg_}, std::pair{&lease_fd_, &lease_reg_}}) {
        if (*fd < 0) continue;
        if (poller_) poller_->remove(*reg);
        ::close(*fd);
    }
}

void connection::start(std::function<void()> started) {
    boost::asio::post(strand_, [self = shared_from_this(), started = std::move(started)]() mutable {
        // Whatever happens below, `started` runs after it (not inside the strand).
        struct then {
            std::function<void()>& f;
            boost::asio::strand<dist_stream::tcp_socket::executor_type>& strand;
            ~then() {
                if (f) boost::asio::post(strand.get_inner_executor(), std::move(f));
            }
        } after{started, self->strand_};
        auto& left = self->hs_.leftover;
        if (!left.empty()) {
            if (left.size() > self->rbuf_->size()) self->rbuf_->resize(left.size());
            std::copy(left.begin(), left.end(), self->rbuf_->begin());
            self->rend_ = left.size();
            left.clear();
            // Nobody else reads yet: the read role is handed out below.
            if (auto ec = self->consume()) return self->finish(ec);
        }
        if (self->stream_.tls() != nullptr) {
            self->read();
        } else if (!self->watch_socket()) {
            return;
        }
        self->tick();
    });
}

bool connection::start_here() {
    if (stream_.tls() != nullptr || !hs_.leftover.empty()) return false;
    // The ticker first: once the socket is watched, the poller's events run the strand
    // beside this thread.
    tick();
    watch_socket();
    return true;
}

bool connection::watch_socket() {
    const auto failed = [this](std::error_code why) {
        opts_.log->warn("dist: closing connection to {}: {}", peer_.name(), why.message());
        finish(why);
        return false;
    };
    if (fd_ < 0 || !poller_) return failed(make_error_code(std::errc::bad_file_descriptor));
    // Lent only with an alarm to take it back: without one, the I/O thread does all
    // reading. The alarm comes first: the socket is armed as it is added, and its
    // first report may be handled at once. Waiting threads may read once the socket's
    // registration is written: borrowable_ publishes it.
    const bool lendable = start_lease_alarm();
    if (auto ec = poller_->add(fd_, weak_from_this(), reg_, true, true)) return failed(ec);
    if (lendable) borrowable_.store(true, std::memory_order_release);
    if (write_blocked_) poller_->arm_write(reg_);
    return true;
}

void connection::prepare_buffer() {
    std::size_t needed = 0;
    {
        std::span<const std::uint8_t> body;
        std::size_t used = 0;
        frames_.next({rbuf_->data() + rbegin_, rend_ - rbegin_}, body, used, needed);
    }
    const std::size_t pending = rend_ - rbegin_;
    const std::size_t want = std::max({needed, pending + 1, read_size_});
    // A buffer far larger than the link needs now is given back.
    const bool oversized = rbuf_->size() > 2 * want;
    if (rbuf_.use_count() > 1 || rbuf_->size() < want || oversized || rbegin_ > 0) {
        // Decoded binaries may still point into the old buffer: never overwrite it.
        if (rbuf_.use_count() > 1 || rbuf_->size() < want || oversized) {
            auto fresh = std::make_shared<read_buffer>(want);
            std::copy(rbuf_->begin() + static_cast<std::ptrdiff_t>(rbegin_),
                      rbuf_->begin() + static_cast<std::ptrdiff_t>(rend_), fresh->begin());
            rbuf_ = std::move(fresh);
        } else {
            std::copy(rbuf_->begin() + static_cast<std::ptrdiff_t>(rbegin_),
                      rbuf_->begin() + static_cast<std::ptrdiff_t>(rend_), rbuf_->begin());
        }
        rbegin_ = 0;
        rend_ = pending;
    }
}

void connection::account_read(std::size_t n) {
    otp::detail::note_traffic();
    // A read that filled the buffer means more is waiting; a short one, a quiet link.
    const bool filled = n == rbuf_->size() - rend_;
    read_size_ = filled ? read_chunk : n < quiet_read ? quiet_read : read_size_;
    rend_ += n;
    read_since_tick_.store(true, std::memory_order_relaxed);
}

void connection::read() {
    prepare_buffer();
    auto on_read = boost::asio::bind_executor(
        strand_, [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
            // Also on success: a TLS read can still complete with bytes the TLS layer had
            // decrypted before finish(), whose shutdown does not cancel it, and by then
            // the handler is gone.
            if (self->ending()) return;
            if (ec) {
                const std::error_code why = self->stream_error(ec);
                if (why != dist_errc::closed)
                    self->opts_.log->warn("dist: closing connection to {}: {}", self->peer_.name(),
                                          why.message());
                return self->finish(why);
            }
            self->on_read(n);
        });
    const auto buf = boost::asio::buffer(rbuf_->data() + rend_, rbuf_->size() - rend_);
    stream_.visit([&](auto& s) { s.async_read_some(buf, std::move(on_read)); });
}

void connection::on_read(std::size_t n) {
    account_read(n);
    if (auto ec = consume()) return finish(ec);
    if (!ending()) read();
}

void connection::on_poll(bool writable) {
    // Run at once when the strand is free: this is an I/O thread of the executor.
    boost::asio::dispatch(strand_, [self = shared_from_this(), writable] {
        if (self->ending()) return;
        if (!writable) return self->on_readable();
        // Armed by a writer that found the socket full (an error report comes anyway).
        if (self->writing_now() && self->write_plain()) self->write_queued();
    });
}

void connection::on_readable() {
    // Taken by a waiting thread: it reads, and rearms the interest when it is done.
    if (take_read_role(false) == role_taken::no) return;
    std::error_code why;
    bool filled = true;
    // Read until the socket is empty (the poller is edge-triggered); a link that keeps
    // the buffer full is read a few times, then comes back after the strand's other work.
    int reads = 0;
    while (filled && reads++ < 4)
        if (!read_available(why, filled)) break;
    give_read_role_back(role_return::armed);
    if (why) return finish(why);
    if (filled)
        boost::asio::post(strand_, [self = shared_from_this()] {
            if (!self->ending()) self->on_readable();
        });
}

void connection::rearm_read() {
    // Under out_mutex_ the socket is open (finish() marks the link closed under it
    // before the socket closes), so its number cannot belong to another one yet.
    std::lock_guard lock(out_mutex_);
    // Armed only while nobody holds the role or has it lent: a thread that took it
    // since the role came back disarms the interest (under out_mutex_ as well), and
    // an arm that overtook that disarm would leave every arrival waking the I/O
    // thread for nothing for as long as the role stays lent.
    const unsigned held = role_reading | role_lent | role_closing | role_closed;
    if (!closed_ && (read_state_.load(std::memory_order_acquire) & held) == 0)
        poller_->arm_read(reg_, true);
}

void connection::disarm_read() {
    std::lock_guard lock(out_mutex_);
    poller_->arm_read(reg_, false);
}

bool connection::read_available(std::error_code& why, bool& filled) {
    prepare_buffer();
    const std::size_t space = rbuf_->size() - rend_;
    const ssize_t n = ::recv(fd_, rbuf_->data() + rend_, space, MSG_DONTWAIT);
    if (n <= 0) {
        filled = false;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return false;
        if (n == 0 || errno == ECONNRESET) {
            why = make_error_code(dist_errc::closed);
        } else {
            why = std::error_code(errno, std::system_category());
            opts_.log->warn("dist: closing connection to {}: {}", peer_.name(), why.message());
        }
        return false;
    }
    filled = static_cast<std::size_t>(n) == space;
    account_read(static_cast<std::size_t>(n));
    why = consume();
    return !why;
}

connection::role_taken connection::take_read_role(bool lent_too) {
    unsigned s = read_state_.load(std::memory_order_acquire);
    for (;;) {
        if ((s & (role_reading | role_closing | role_closed)) != 0) return role_taken::no;
        if ((s & role_lent) != 0 && !lent_too) return role_taken::no;
        if (read_state_.compare_exchange_weak(s, (s & ~role_lent) | role_reading,
                                              std::memory_order_acq_rel))
            return (s & role_lent) != 0 ? role_taken::lent : role_taken::free;
    }
}

void connection::give_read_role_back(role_return how) {
    // A waiting thread that asked for the role (want_read_role) gets it lent, with the
    // interest disarmed, and is woken to read: a stream then stays with its consumer
    // instead of going back and forth between it and the I/O thread.
    std::unique_lock want_lock(want_mu_, std::defer_lock);
    int wanted = -1;
    if (role_wanted_.load(std::memory_order_acquire)) {
        want_lock.lock();
        wanted = std::exchange(want_fd_, -1);
        role_wanted_.store(false, std::memory_order_relaxed);
        if (wanted >= 0 && how != role_return::ended) {
            if (how == role_return::armed) disarm_read();
            how = role_return::lend;
        }
    }
    // Set while this thread holds the role, so the timerfd is still open.
    if (how == role_return::lend) set_lease_alarm();
    unsigned s = read_state_.load(std::memory_order_acquire), next = 0;
    do {
        next = s & ~role_reading;
        if ((s & role_closing) != 0 || how == role_return::ended)
            next = (next & ~role_closing) | role_closed;
        else if (how == role_return::lend)
            next |= role_lent;
    } while (!read_state_.compare_exchange_weak(s, next, std::memory_order_acq_rel));
    if (wanted >= 0) {
        // Under want_mu_: the thread deregisters under it, so the fd is still its own.
        node_detail::signal_wake_fd(wanted);
    }
    if ((s & role_closing) != 0) {
        // finish() waited for the reader: the socket can close now.
        boost::asio::post(strand_,
                          [self = shared_from_this()] { self->finish_closed(self->finish_why_); });
        return;
    }
    // Another thread may have taken the role meanwhile and disarmed the interest; it
    // arms it again when it is done, and an extra report finds the role taken.
    if (how == role_return::rearm) rearm_read();
}

bool connection::want_read_role(int wake_fd) {
    std::lock_guard lock(want_mu_);
    if (want_fd_ >= 0) return false;
    want_fd_ = wake_fd;
    role_wanted_.store(true, std::memory_order_release);
    return true;
}

void connection::drop_want(int wake_fd) {
    std::lock_guard lock(want_mu_);
    if (want_fd_ != wake_fd) return;
    want_fd_ = -1;
    role_wanted_.store(false, std::memory_order_relaxed);
}

struct connection::lease_alarm final : poll_target {
    explicit lease_alarm(std::weak_ptr<connection> c) : link(std::move(c)) {}
    void on_poll(bool) override {
        if (auto c = link.lock()) c->on_lease_alarm();
    }
    std::weak_ptr<connection> link;
};

bool connection::start_lease_alarm() {
    lease_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (lease_fd_ < 0) return false;
    lease_target_ = std::make_shared<lease_alarm>(weak_from_this());
    if (poller_->add(lease_fd_, lease_target_, lease_reg_, false, true)) {
        ::close(lease_fd_);
        lease_fd_ = -1;
        return false;
    }
    return true;
}

void connection::set_lease_alarm() {
    // One-shot; setting it again moves it, so a busy stream keeps it ahead of itself.
    // Moved only once it is due within half a period: each move reprograms a timer
    // (costly on a virtual machine), and a lend every few microseconds need not pay it.
    // The lease still goes back between half a period and a period after the last lend.
    const auto now = std::chrono::steady_clock::now();
    if (2 * (lease_due_ - now) > lease_period) return;
    lease_due_ = now + lease_period;
    itimerspec when{};
    when.it_value = as_timespec(lease_due_.time_since_epoch());
    ::timerfd_settime(lease_fd_, TFD_TIMER_ABSTIME, &when, nullptr);
}

void connection::on_lease_alarm() {
    boost::asio::dispatch(strand_, [self = shared_from_this()] {
        if (self->ending()) return;
        std::uint64_t expirations = 0;
        // Emptied so that the edge-triggered interest reports the next one.
        [[maybe_unused]] const auto n = ::read(self->lease_fd_, &expirations, sizeof expirations);
        unsigned s = self->read_state_.load(std::memory_order_acquire);
        // A lend just after the alarm went off is taken back early: harmless, the
        // thread's next wait takes the role from the poller again.
        if ((s & role_lent) != 0 &&
            self->read_state_.compare_exchange_strong(s, s & ~role_lent, std::memory_order_acq_rel))
            self->rearm_read();  // arming reports input that is already there
    });
}

node_detail::input_reader::outcome connection::wait_reading(
    int wake_fd, std::optional<std::chrono::steady_clock::time_point> deadline) {
    if (!borrowable_.load(std::memory_order_acquire)) return outcome::unavailable;
    // A lent role (see give_read_role_back) finds the interest disarmed already.
    role_taken taken = take_read_role(true);
    if (taken == role_taken::no) {
        // Read by another thread now: ask for the role after that read, and wait for it
        // or for a delivery (the wake_fd serves both).
        if ((read_state_.load(std::memory_order_acquire) & (role_closing | role_closed)) != 0 ||
            !want_read_role(wake_fd))
            return outcome::unavailable;
        taken = take_read_role(true);
        if (taken == role_taken::no) {
            pollfd wake{wake_fd, POLLIN, 0};
            const auto limit = time_left(deadline);
            const int ready = ::ppoll(&wake, 1, deadline ? &limit : nullptr, nullptr);
            drop_want(wake_fd);
            if (ready == 0) return outcome::timed_out;
            node_detail::drain_wake_fd(wake_fd);
            return outcome::woken;
        }
        drop_want(wake_fd);
    }
    // What arrives now is this thread's to read: the I/O thread is not woken for it.
    if (taken == role_taken::free) disarm_read();
    // After a read the role is lent, not given back: the thread is likely to wait
    // again as soon as it has handled what it read (a stream, or its next request's
    // reply), and saves disarming and arming the interest each time.
    role_return how = role_return::rearm;
    struct role_guard {
        connection& c;
        const role_return& how;
        ~role_guard() { c.give_read_role_back(how); }
    } role{*this, how};
    pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_fd, POLLIN, 0}};
    // Input that was waiting last time is most likely waiting again: read it without
    // polling first. When it came short of filling the buffer, the sender is slower
    // than this thread: letting a little more arrive first reads it in fewer calls, and
    // the sender, not woken per packet, writes it in fewer too.
    bool read_first = taken == role_taken::lent && input_ != stream_state::none;
    const bool coalesced =
        read_first && input_ == stream_state::short_reads && opts_.read_coalescing.count() > 0 &&
        (!deadline || *deadline - std::chrono::steady_clock::now() > opts_.read_coalescing);
    if (coalesced) {
        // Sleeps on the thread's own eventfd, not on the socket: a sender that finds
        // nobody polling its peer's socket writes on without waking anyone, and a
        // delivery or a close for this thread ends the wait early.
        pollfd wake{wake_fd, POLLIN, 0};
        const timespec limit = as_timespec(opts_.read_coalescing);
        if (::ppoll(&wake, 1, &limit, nullptr) > 0) node_detail::drain_wake_fd(wake_fd);
    }
    for (;;) {
        // How long the input was waited for (none when read without a poll).
        auto waited = std::chrono::steady_clock::duration::zero();
        if (!read_first) {
            const auto polled = std::chrono::steady_clock::now();
            const int ready = poll_spinning(fds, deadline, opts_.spin_wait);
            if (ready == 0) return outcome::timed_out;
            if (ready < 0) return outcome::woken;  // a signal: the caller looks again
            if (fds[1].revents != 0) node_detail::drain_wake_fd(wake_fd);
            if (fds[0].revents == 0) return outcome::woken;
            waited = std::chrono::steady_clock::now() - polled;
        }
        struct waiter_flag {
            waiter_flag() { reading_for_waiter_now = true; }
            ~waiter_flag() { reading_for_waiter_now = false; }
        } flag;
        std::error_code why;
        bool filled = false;
        const auto packets_before = packets_in_.load(std::memory_order_relaxed);
        const bool handled = read_available(why, filled);
        if (!handled && !why && read_first) {
            // Nothing after all: the stream has paused. Wait for it.
            input_ = stream_state::none;
            read_first = false;
            continue;
        }
        // Input that keeps coming, unasked (nothing was sent on the link since the last
        // read) and soon after the last, is a stream: the next read lets it gather. A
        // reply never is, and a few packets that came while this thread slept are no
        // proof of a stream either.
        const auto sent = packets_out_.load(std::memory_order_relaxed);
        const bool unasked = std::exchange(sent_at_read_, sent) == sent;
        const bool few =
            packets_in_.load(std::memory_order_relaxed) - packets_before < stream_packets;
        if (!unasked || (coalesced && few && !filled))
            input_ = stream_state::none;
        else if (filled)
            input_ = stream_state::full_reads;
        else if (waited < stream_gap)
            input_ = stream_state::short_reads;
        else
            input_ = stream_state::none;
        if (why) {
            // Nobody reads the link again (finish() comes through close()): a waiting
            // thread that tried would find the same end of input at once, in a loop.
            how = role_return::ended;
            close(why);
        } else {
            how = role_return::lend;
            input_read_here = this;
        }
        return outcome::read;
    }
}

std::shared_ptr<connection> connection::last_sent_here(const connection_handler* owner) {
    auto c = last_sent.lock();
    if (!c || c->owner_ != owner || !c->borrowable_.load(std::memory_order_acquire)) return nullptr;
    return c;
}

bool connection::reading_for_waiter() noexcept {
    return reading_for_waiter_now;
}

std::error_code connection::consume() {
    auto ec = consume_packets();
    handler_->on_batch_end(*this);
    return ec;
}

std::error_code connection::consume_packets() {
    std::size_t signals = 0;
    // The aliasing pointer keeps the whole buffer alive for zero-copy binaries; one
    // per read, since every packet of this call is in the same buffer.
    const std::shared_ptr<const void> owner =
        opts_.decoder.terms.zero_copy ? std::shared_ptr<const void>(rbuf_, rbuf_->data()) : nullptr;
    // finish() may begin on the strand while a waiting thread reads: it stops here.
    while (!stop_reading_.load(std::memory_order_relaxed)) {
        std::span<const std::uint8_t> body;
        std::size_t used = 0, needed = 0;
        switch (frames_.next({rbuf_->data() + rbegin_, rend_ - rbegin_}, body, used, needed)) {
            case frame_parser::status::need_more:
                return {};
            case frame_parser::status::too_large:
                opts_.log->warn("dist: closing connection to {}: packet length over {} bytes",
                                peer_.name(), opts_.max_packet);
                return make_error_code(dist_errc::packet_too_large);
            case frame_parser::status::packet:
                break;
        }
        rbegin_ += used;
        packets_in_.fetch_add(1, std::memory_order_relaxed);
        message m;
        std::error_code ec;
        switch (decoder_.decode(body, owner, m, ec)) {
            case packet_decoder::status::tick:
            case packet_decoder::status::pending:
                continue;
            case packet_decoder::status::error:
                opts_.log->warn("dist: closing connection to {}: {}", peer_.name(), ec.message());
                return ec;
            case packet_decoder::status::message:
                break;
        }
        auto sig = parse_signal(m, peer_);
        if (!sig) {
            opts_.log->warn("dist: closing connection to {}: invalid control message",
                            peer_.name());
            return sig.error();
        }
        handler_->on_signal(*this, std::move(*sig));
        // A long read still wakes receivers every so often, so the first messages of
        // a 64 KiB read do not wait for the last.
        if (++signals % batch_signals == 0) handler_->on_batch_end(*this);
    }
    return {};
}

std::vector<std::uint8_t>& connection::scratch() {
    thread_local std::vector<std::uint8_t> buf;
    return buf;
}

etf_detail::splice_list& connection::scratch_splices() {
    thread_local etf_detail::splice_list splices;
    return splices;
}

std::vector<std::uint8_t> connection::fresh_buffer_locked() {
    if (!spare_.empty()) {
        auto b = std::move(spare_.back());
        spare_.pop_back();
        b.clear();
        return b;
    }
    std::vector<std::uint8_t> b;
    b.reserve(coalesce_limit);
    return b;
}

bool connection::write_now_locked(std::vector<std::uint8_t>& packet,
                                  etf_detail::splice_list* splices) {
    // Only a plain TCP link that nobody writes to, and only a packet that does not
    // follow another closely (unless it answers input this thread has just read: a
    // fast peer's reply may come sooner than the gap): a burst is better served by the
    // writer's batches.
    const auto now = std::chrono::steady_clock::now();
    const bool answers = std::exchange(input_read_here, nullptr) == this;
    const bool spaced = answers || now - last_enqueue_ > direct_write_gap;
    last_enqueue_ = now;
    if (!spaced || writing_ || !queued_.empty() || stream_.tls() != nullptr) {
        if (splices) etf_detail::materialize(packet, *splices);
        return false;
    }
    // The packet's pieces between the splices, and the splices, in order.
    std::array<iovec, 2 * etf_detail::splice_list::max_items + 1> iov;
    std::size_t n_iov = 0, total = packet.size(), from = 0;
    if (splices) {
        for (const auto& x : splices->items) {
            iov[n_iov++] = {packet.data() + from, x.at - from};
            iov[n_iov++] = {const_cast<std::uint8_t*>(x.data), x.size};
            from = x.at;
            total += x.size;
        }
    }
    iov[n_iov++] = {packet.data() + from, packet.size() - from};
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = n_iov;
    // Under out_mutex_ the socket is open: finish() marks the link closed under it
    // before closing the socket.
    const ssize_t n = ::sendmsg(fd_, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    last_enqueue_ = std::chrono::steady_clock::now();
    if (n > 0) otp::detail::note_traffic();
    if (n == static_cast<ssize_t>(total)) {
        if (splices) splices->items.clear();
        return true;
    }
    // Whatever the socket did not take (or an error, which the writer then reports)
    // goes to the writer, first in line.
    const std::size_t written = n > 0 ? static_cast<std::size_t>(n) : 0;
    if (splices) {
        etf_detail::materialize(packet, *splices, written);
    } else if (written > 0) {
        packet.erase(packet.begin(), packet.begin() + n);
    }
    return false;
}

bool connection::enqueue(std::vector<std::uint8_t>& packet, etf_detail::splice_list* splices) {
    if (last_sent_raw != this || last_sent.expired()) {
        last_sent = weak_from_this();
        last_sent_raw = this;
    }
    bool start_writer = false;
    {
        std::lock_guard lock(out_mutex_);
        if (closed_) return false;
        if (packet.empty()) return true;
        packets_out_.store(packets_out_.load(std::memory_order_relaxed) + 1,
                           std::memory_order_relaxed);
        wrote_since_tick_ = true;
        // Its place in the wire order is fixed from here on (under out_mutex_), so
        // what its atom cache references defined may be used by later packets.
        encoder_.packets_queued();
        if (write_now_locked(packet, splices)) return true;
        queued_bytes_ += packet.size();
        if (packet.size() > coalesce_limit / 2) {
            // Large: queued as it is (the caller's buffer goes with it).
            queued_.push_back(std::move(packet));
            packet = {};
        } else {
            if (queued_.empty() || queued_.back().size() + packet.size() > coalesce_limit)
                queued_.push_back(fresh_buffer_locked());
            auto& back = queued_.back();
            back.insert(back.end(), packet.begin(), packet.end());
        }
        if (!writing_) writing_ = start_writer = true;
    }
    if (start_writer)
        boost::asio::post(strand_, [self = shared_from_this()] { self->write_queued(); });
    return true;
}

void connection::wait_while_busy(std::atomic<std::uint64_t>& held) {
    if (opts_.busy_limit == 0 || runs_asio_handlers()) return;
    std::unique_lock lock(out_mutex_);
    if (closed_ || queued_bytes_ <= opts_.busy_limit) return;
    ++held;
    ++busy_waiters_;
    // Down to half, as OTP's busy distribution port: a sender let go at the limit would
    // be held again by its next message.
    unbusy_.wait(lock, [&] { return closed_ || queued_bytes_ <= opts_.busy_limit / 2; });
    --busy_waiters_;
}

void connection::send(std::vector<std::uint8_t>&& packet) {
    enqueue(packet);
}

std::error_code connection::send(const term& control, const term* payload) {
    return send_with([&](const packet_encoder& enc, std::vector<std::uint8_t>& out) {
        return enc.append(out, control, payload);
    });
}

void connection::written_locked() {
    for (auto& b : in_flight_) {
        queued_bytes_ -= b.size();
        if (spare_.size() < max_spare && b.capacity() <= coalesce_limit)
            spare_.push_back(std::move(b));
    }
    in_flight_.clear();
    if (busy_waiters_ != 0 && queued_bytes_ <= opts_.busy_limit / 2) unbusy_.notify_all();
}

void connection::write_queued() {
    for (int round = 0;; ++round) {
        bool idle;
        {
            std::lock_guard lock(out_mutex_);
            written_locked();
            // A sender that keeps the queue full does not keep the strand for ever.
            if (round == write_rounds && !queued_.empty() && !closed_) {
                boost::asio::post(strand_, [self = shared_from_this()] { self->write_queued(); });
                return;
            }
            in_flight_.swap(queued_);
            // Decided under the lock: once writing_ is false another sender may start a
            // writer, so this one must not go on to write.
            idle = in_flight_.empty() || closed_;
            if (idle) writing_ = false;
        }
        if (idle) {
            if (flush_then_close_) finish(*flush_then_close_);
            return;
        }
        if (stream_.tls() == nullptr) {
            write_offset_ = 0;
            if (!write_plain()) return;
            continue;
        }
        std::vector<boost::asio::const_buffer> bufs;
        bufs.reserve(in_flight_.size());
        for (const auto& b : in_flight_)
            bufs.emplace_back(b.data(), b.size());
        auto on_written = boost::asio::bind_executor(
            strand_, [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                if (ec) return self->write_failed(self->stream_error(ec));
                otp::detail::note_traffic();
                self->write_queued();
            });
        stream_.visit([&](auto& s) { boost::asio::async_write(s, bufs, std::move(on_written)); });
        return;
    }
}

bool connection::write_plain() {
    for (;;) {
        std::array<iovec, 64> iov{};
        std::size_t count = 0, skip = write_offset_;
        for (const auto& b : in_flight_) {
            if (skip >= b.size()) {
                skip -= b.size();
                continue;
            }
            iov[count++] = {const_cast<std::uint8_t*>(b.data()) + skip, b.size() - skip};
            skip = 0;
            if (count == iov.size()) break;
        }
        if (count == 0) return true;
        msghdr m{};
        m.msg_iov = iov.data();
        m.msg_iovlen = count;
        const ssize_t n = ::sendmsg(fd_, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) otp::detail::note_traffic();
        if (n >= 0) {
            write_offset_ += static_cast<std::size_t>(n);
            continue;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            // The poller reports when the socket takes more (once it knows the socket).
            if (reg_.valid())
                poller_->arm_write(reg_);
            else
                write_blocked_ = true;
            return false;
        }
        write_failed(errno == EPIPE || errno == ECONNRESET
                         ? make_error_code(dist_errc::closed)
                         : std::error_code(errno, std::system_category()));
        return false;
    }
}

void connection::write_failed(std::error_code why) {
    {
        std::lock_guard lock(out_mutex_);
        written_locked();
        writing_ = false;
    }
    if (!finished_) finish(why);
}

std::error_code connection::stream_error(const boost::system::error_code& ec) {
    if (auto* tls = stream_.tls()) return tls_stream_error(ec, *tls);
    if (ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset)
        return make_error_code(dist_errc::closed);
    return ec;
}

void connection::tick() {
    if (ending()) return;
    // Silence for `intensity` whole intervals means the peer is gone (net_tick_timeout).
    silent_intervals_ =
        read_since_tick_.exchange(false, std::memory_order_relaxed) ? 0 : silent_intervals_ + 1;
    if (silent_intervals_ >= opts_.tick_intensity) {
        opts_.log->warn("dist: closing connection to {}: nothing received for {} ms", peer_.name(),
                        opts_.net_ticktime.count());
        return finish(make_error_code(dist_errc::tick_timeout));
    }
    bool idle;
    {
        std::lock_guard lock(out_mutex_);
        idle = !wrote_since_tick_;
        wrote_since_tick_ = false;
        // An idle link gives its spare buffers back.
        if (idle) spare_ = {};
    }
    if (idle) {
        send(std::vector<std::uint8_t>(4, 0));  // a tick: an empty packet
        std::lock_guard lock(out_mutex_);
        wrote_since_tick_ = false;  // a tick is not traffic of our own
    }
    ticker_.expires_after(opts_.net_ticktime / opts_.tick_intensity);
    ticker_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (!ec) self->tick();
    });
}

void connection::close(std::error_code why) {
    {
        // The FIN leaves now, from this thread, instead of when the strand gets to
        // finish(): a disconnect is seen by the peer at once, not after the I/O thread
        // has woken up. The socket is open while the link is not closed (under
        // out_mutex_, as a sender's write); TLS streams close on their strand only.
        std::lock_guard lock(out_mutex_);
        if (!closed_ && !closing_why_ && fd_ >= 0 && stream_.tls() == nullptr) {
            closing_why_ = why;
            ::shutdown(fd_, SHUT_RDWR);
        }
    }
    boost::asio::post(strand_, [self = shared_from_this(), why] { self->finish(why); });
}

bool connection::stop_input() {
    // Signals are handled only by the holder of the read role: once this thread has
    // held it and given it back for good, no other thread takes it again.
    if (stream_.tls() != nullptr || take_read_role(true) == role_taken::no) return false;
    give_read_role_back(role_return::ended);
    return true;
}

void connection::close_after_flush(std::error_code why, std::chrono::milliseconds limit,
                                   std::function<void()> closed) {
    boost::asio::post(
        strand_, [self = shared_from_this(), why, limit, closed = std::move(closed)]() mutable {
            if (self->finished_) {
                if (closed) closed();
                return;
            }
            if (self->ending()) {
                // Waiting for a reader to let go: finish_closed() calls `closed`.
                self->on_flushed_ = std::move(closed);
                return;
            }
            self->flush_then_close_ = why;
            self->on_flushed_ = std::move(closed);
            if (!self->writing_now()) return self->finish(why);
            // A peer that stops reading must not hold the close up for ever.
            self->flush_timer_.expires_after(limit);
            self->flush_timer_.async_wait([self, why](const boost::system::error_code& ec) {
                if (!ec) self->finish(why);
            });
        });
}

bool connection::writing_now() {
    std::lock_guard lock(out_mutex_);
    return writing_;
}

void connection::finish(std::error_code why) {
    if (ending()) return;
    stop_reading_.store(true, std::memory_order_relaxed);
    bool shut_down = false;  // by close(), on its caller's thread
    {
        std::lock_guard lock(out_mutex_);
        if (closing_why_) {
            why = *closing_why_;
            shut_down = true;
        }
        closed_ = true;
        // What the writer holds is counted off when its write ends.
        for (const auto& b : queued_)
            queued_bytes_ -= b.size();
        queued_.clear();
        spare_.clear();
        unbusy_.notify_all();
    }
    // No TLS close_notify: OTP does not send one either, and waiting for the peer's
    // would hold the close up. The shutdown also wakes a thread waiting to read.
    if (stream_.tls() != nullptr) {
        boost::system::error_code ignored;
        stream_.socket().shutdown(dist_stream::tcp_socket::shutdown_both, ignored);
    } else if (fd_ >= 0 && !shut_down) {
        ::shutdown(fd_, SHUT_RDWR);
    }
    ticker_.cancel();
    flush_timer_.cancel();
    // A thread reading the socket on its own must be done with it before it closes
    // (its number could be reused at once); it calls finish_closed() when it is.
    finish_why_ = why;
    unsigned s = read_state_.load(std::memory_order_acquire);
    for (;;) {
        const unsigned next = s | ((s & role_reading) != 0 ? role_closing : role_closed);
        if (read_state_.compare_exchange_weak(s, next, std::memory_order_acq_rel)) break;
    }
    if ((s & role_reading) == 0) finish_closed(why);
}

void connection::finish_closed(std::error_code why) {
    if (finished_) return;
    finished_ = true;
    if (stream_.tls() != nullptr) {
        boost::system::error_code ignored;
        stream_.socket().close(ignored);
    } else {
        close_descriptors();
    }
    opts_.log->info("dist: connection to {} closed: {}", peer_.name(), why.message());
    // The handler goes with the call: it may own us, and we must not own it any more.
    auto h = std::move(handler_);
    h->on_closed(*this, why);
    if (auto flushed = std::move(on_flushed_)) flushed();
}

}  // namespace otp::dist

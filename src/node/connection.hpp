// One established distribution connection: reads packets into signals, writes
// queued packets with gathered writes, ticks when idle, and declares the peer dead
// after net_ticktime of silence. All protocol decisions are in the pure parts
// (frame_parser, packet_decoder, parse_signal); this class only moves bytes.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "node/control.hpp"
#include "node/dist_poller.hpp"
#include "node/dist_stream.hpp"
#include "node/frame.hpp"
#include "node/input_reader.hpp"
#include "node/packet_decoder.hpp"
#include "otp/dist_error.hpp"
#include "otp/handshake.hpp"
#include "otp/log.hpp"

namespace otp::dist {

/// Allocates bytes without zeroing them: a read buffer is written by the socket.
template <class T>
struct uninitialized_allocator : std::allocator<T> {
    template <class U>
    struct rebind {
        using other = uninitialized_allocator<U>;
    };
    template <class U, class... Args>
    void construct(U* p, Args&&... args) {
        if constexpr (sizeof...(Args) == 0)
            ::new (static_cast<void*>(p)) U;
        else
            ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
};
using read_buffer = std::vector<std::uint8_t, uninitialized_allocator<std::uint8_t>>;

/// What the node runtime does with a connection's traffic. Called by the thread that
/// reads the connection (its strand, or a thread waiting in a receive), one call at a
/// time per connection.
class connection_handler {
  public:
    virtual ~connection_handler() = default;
    /// A valid signal arrived.
    virtual void on_signal(class connection& c, signal&& s) = 0;
    /// A batch of signals (one read, or a bounded part of it) has been reported:
    /// work deferred during the batch (waking receivers) is due now.
    virtual void on_batch_end(class connection&) {}
    /// The connection ended (exactly once): peer closed, error, tick timeout or close().
    virtual void on_closed(class connection& c, std::error_code why) = 0;
};

/// Limits and timing of a connection.
struct connection_options {
    std::chrono::milliseconds net_ticktime{60'000};  ///< OTP's net_ticktime
    int tick_intensity = 4;                          ///< ticks per net_ticktime
    std::size_t max_packet = 512u << 20;             ///< larger packets close the link
    /// Queued bytes above which the link is busy (erl's +zdbbl); 0: never busy.
    std::size_t busy_limit = 0;
    decoder_config decoder;  ///< formats, fragment bounds, term limits
    logger_ptr log;
    /// See node_options::read_coalescing.
    std::chrono::microseconds read_coalescing{0};
    /// See node_options::spin_wait.
    std::chrono::microseconds spin_wait{0};
    /// Where a plain TCP link's socket is watched (the node's); null: one of its own.
    std::shared_ptr<dist_poller> poller;
};

/// Thread safety: send(), close() and wait_reading() may be called from any thread;
/// everything else runs on the connection's strand.
///
/// A plain TCP link's socket is watched by a dist_poller, not by Asio, and read and
/// written with system calls. One thread at a time holds the read role (read_state_):
/// usually the strand, when the poller reports input; a thread blocked in a receive
/// may take it instead (wait_reading), disarm the poller's interest and read on its
/// own. After a read that thread keeps the role lent, the interest still disarmed, so
/// that its next wait reads at once; an alarm (a timerfd in the poller's set, set
/// ahead by every lend) takes a lease back that is not resumed within about a
/// millisecond. A TLS link reads and writes through Asio, on the strand only.
class connection : public std::enable_shared_from_this<connection>,
                   public node_detail::input_reader,
                   public poll_target {
  public:
    /// The connection keeps `h` alive until it has reported on_closed.
    connection(dist_stream s, handshake_result hs, connection_options opts,
               std::shared_ptr<connection_handler> h);

    /// Starts reading (the handshake's leftover bytes first) and ticking; then posts
    /// `started` (if any) to the I/O context, once waiting threads may read the link.
    void start(std::function<void()> started = {});
    /// Starts it on the calling thread instead, for a connection no other thread knows
    /// yet (its dialler's): false, doing nothing, when it must start() (TLS, or input
    /// that came with the handshake).
    bool start_here();
    /// True once the connection has begun to close.
    bool closing() const noexcept { return ending(); }
    /// Queues one encoded packet (u32 length included). Thread-safe; packets keep
    /// their order per sending thread and are written in batches.
    void send(std::vector<std::uint8_t>&& packet);
    /// Encodes a control message (and payload) in the negotiated format and queues it.
    std::error_code send(const term& control, const term* payload = nullptr);
    /// Encodes one packet on the caller's thread through `encode(encoder, out)` (which
    /// appends to `out`, see packet_encoder) and queues it. Small packets cost no
    /// allocation: they are encoded into a per-thread buffer and copied into the queue.
    /// dist_errc::closed when the link has closed meanwhile: the packet is dropped.
    /// Large binaries are written from the term's own storage when the link is idle.
    template <class Encode>
    std::error_code send_with(Encode&& encode) {
        std::vector<std::uint8_t>& packet = scratch();
        packet.clear();
        etf_detail::splice_list& splices = scratch_splices();
        splices.items.clear();
        {
            packet_encoder::splicing into(splices);
            if (auto ec = encode(encoder_, packet)) {
                encoder_.packets_dropped();
                return ec;
            }
        }
        if (!enqueue(packet, splices.items.empty() ? nullptr : &splices))
            return make_error_code(dist_errc::closed);
        return {};
    }
    /// Holds the calling thread while more than the busy limit is queued, until the
    /// queue is down to half of it or the link closes (Erlang suspends a process that
    /// sends to a busy distribution port the same way). A thread running Asio handlers
    /// is never held: it may be the one that has to write the queue. Adds one to
    /// `held` when it holds. Thread-safe; call it holding no lock that the I/O threads
    /// take.
    void wait_while_busy(std::atomic<std::uint64_t>& held);
    /// Ends the connection with `why` (reported through on_closed once). Thread-safe.
    void close(std::error_code why);
    /// Ends the link's input on the calling thread, unless another thread is reading it
    /// at this moment (false, nothing done; TLS links always). After true nothing more
    /// the link receives reaches the handler, so the caller may treat the link as gone
    /// at once; close() must follow. Thread-safe.
    bool stop_input();
    /// Ends the connection with `why` once every packet queued so far is written, or
    /// after `limit` if the peer does not take them; then calls `closed` (on the
    /// strand). Packets sent meanwhile are still written. Thread-safe.
    void close_after_flush(std::error_code why, std::chrono::milliseconds limit,
                           std::function<void()> closed);

    /// input_reader: waits for input on this link (plain TCP, started, not closing, and
    /// nobody else reading it) or on `wake_fd`, and handles it on the calling thread.
    outcome wait_reading(int wake_fd,
                         std::optional<std::chrono::steady_clock::time_point> deadline) override;
    /// The last connection the calling thread sent on, when its handler is `owner` and
    /// it is still open; else null. What a receive waiting for a reply should read.
    static std::shared_ptr<connection> last_sent_here(const connection_handler* owner);
    /// True while the calling thread reads a connection for a blocked receive (not as
    /// an I/O thread): async completions must not run on it.
    static bool reading_for_waiter() noexcept;

    /// The peer's node name, and the handshake's outcome.
    atom peer() const noexcept { return peer_; }
    const handshake_result& handshake() const noexcept { return hs_; }
    /// Bytes and packets seen (for metrics and tests).
    std::uint64_t packets_received() const noexcept {
        return packets_in_.load(std::memory_order_relaxed);
    }
    ~connection();

  private:
    // The calling thread's encoding buffer.
    static std::vector<std::uint8_t>& scratch();
    // The binaries the calling thread's packet left out (see packet_encoder::splicing).
    static etf_detail::splice_list& scratch_splices();
    // Queues `packet`: copies a small one into the coalescing buffer, takes a large one.
    // False when the link has closed (the packet goes nowhere).
    // `splices`: binaries left out of `packet`, written from where they are if the
    // packet can go out at once, else copied in.
    bool enqueue(std::vector<std::uint8_t>& packet, etf_detail::splice_list* splices = nullptr);
    // Writes `packet` (with its splices) to an idle plain link from the caller's
    // thread; true when all of it went out, else what is left stays in `packet`, the
    // splices copied in. out_mutex_ held.
    bool write_now_locked(std::vector<std::uint8_t>& packet, etf_detail::splice_list* splices);
    // A buffer for coalescing (a recycled one when there is one); out_mutex_ held.
    std::vector<std::uint8_t> fresh_buffer_locked();
    // TLS: the stream reads through Asio (async_read_some).
    void read();
    void on_read(std::size_t n);
    // Plain TCP: the poller tells when the socket is readable or writable (on_poll);
    // whoever holds the read role reads it with recv(), the strand writes it.
    void on_poll(bool writable) override;
    void on_readable();
    // The poller's read interest: armed when the role comes back (unless another
    // thread has taken it meanwhile), disarmed by a holder that reads itself.
    void rearm_read();
    void disarm_read();
    // Writes in_flight_ from write_offset_ on; true when all of it is out, false when
    // the socket is full (the poller reports when it takes more) or the link failed.
    bool write_plain();
    // One recv() into the read buffer, then the packets it completed; false at the end
    // of the input (the socket had nothing, or the link must close: `why` set).
    bool read_available(std::error_code& why, bool& filled);
    void prepare_buffer();
    void account_read(std::size_t n);
    // The read role (read_state_ bits): taken by the strand, or by a waiting thread,
    // which may also take it while lent (to itself or another waiting thread).
    enum class role_taken { no, free, lent };
    role_taken take_read_role(bool lent_too);
    // How the role goes back: with the poller's interest still armed (the strand's
    // reads), armed again, lent with the interest left disarmed until a waiting
    // thread resumes reading or the lease's alarm takes it back, or for good (the
    // input ended; the link is closing).
    enum class role_return { armed, rearm, lend, ended };
    void give_read_role_back(role_return how);
    // A waiting thread asks for the role while another reads: it is lent to it next,
    // and `wake_fd` written. False when another thread has asked already.
    bool want_read_role(int wake_fd);
    void drop_want(int wake_fd);
    // The lease's alarm: set lease_period ahead by each lend (by the lending thread,
    // which holds the role still, so the timerfd is open); when it goes off, a role
    // still lent goes back to the poller (strand). A stream, lent again and again
    // sooner than that, never sets it off: the I/O thread does not wake for it.
    struct lease_alarm;
    bool start_lease_alarm();  // strand, at start; false: no alarm, so no lending
    // Plain TCP: takes the socket and the lease's timerfd out of the poller and closes
    // them (once nobody reads).
    void close_descriptors();
    void set_lease_alarm();
    void on_lease_alarm();
    // Handles the packets in the read buffer; an error means the link must close.
    std::error_code consume();
    std::error_code consume_packets();
    void write_queued();
    // The writer failed: counts its buffers off and ends the link.
    void write_failed(std::error_code why);
    // The writer's buffers are out: counts them off, keeps some for reuse, lets held
    // senders go. out_mutex_ held.
    void written_locked();
    void tick();
    void finish(std::error_code why);
    // Watches the plain TCP socket (poller, lease alarm); false when it cannot, the
    // connection then finishing.
    bool watch_socket();
    // The rest of finish() once no thread reads: closes the socket, tells the handler.
    void finish_closed(std::error_code why);
    // finish() has begun (finished_ follows once no thread reads).
    bool ending() const noexcept { return stop_reading_.load(std::memory_order_relaxed); }
    bool writing_now();
    std::error_code stream_error(const boost::system::error_code& ec);

    boost::asio::strand<dist_stream::tcp_socket::executor_type> strand_;
    dist_stream stream_;
    handshake_result hs_;
    connection_options opts_;
    std::shared_ptr<connection_handler> handler_;
    const connection_handler* const owner_;  // handler_'s identity, for last_sent_here
    atom peer_;
    frame_parser frames_;
    packet_decoder decoder_;
    packet_encoder encoder_;

    // Reading: packets are parsed in place; the buffer is shared with decoded
    // zero-copy binaries, so a referenced buffer is replaced rather than reused.
    std::shared_ptr<read_buffer> rbuf_;
    std::size_t rbegin_ = 0, rend_ = 0;
    std::size_t read_size_;  // the next read's size: small while the link is quiet

    // Writing: producers append under the mutex; one writer drains with gathered writes.
    std::mutex out_mutex_;
    std::vector<std::vector<std::uint8_t>> queued_;
    std::vector<std::vector<std::uint8_t>> in_flight_;  // the writer's (strand)
    // Written buffers kept for reuse, so a busy link does not allocate and fault in a
    // coalescing buffer per batch; dropped when the link goes idle (guarded).
    std::vector<std::vector<std::uint8_t>> spare_;
    bool writing_ = false;
    // Back-pressure: bytes in queued_ and in_flight_, and the senders held until the
    // writer brings them down (all guarded).
    std::size_t queued_bytes_ = 0;
    std::condition_variable unbusy_;
    unsigned busy_waiters_ = 0;
    std::chrono::steady_clock::time_point last_enqueue_{};  // guarded by out_mutex_
    bool closed_ = false;                                   // guarded by out_mutex_
    // The reason close() gave when it shut the socket down itself, ahead of finish():
    // the errors that shutdown causes in readers and writers do not replace it.
    std::optional<std::error_code> closing_why_;  // guarded by out_mutex_
    boost::asio::steady_timer ticker_;
    // Closing after a flush: the writer finishes the connection when it runs dry.
    boost::asio::steady_timer flush_timer_;
    std::optional<std::error_code> flush_then_close_;  // strand only
    std::function<void()> on_flushed_;                 // strand only
    std::atomic<std::uint64_t> packets_in_{0};
    std::atomic<bool> read_since_tick_{true};
    // The read role, see the class comment: reading, closing (finish() waits for the
    // reader to give the role back), closed (nobody reads any more: the socket may be
    // closed), lent (nobody reads now; a waiting thread will, soon).
    std::atomic<unsigned> read_state_{0};
    // The lease's alarm (plain TCP): its timerfd, its registration with the poller
    // (made by the strand before borrowable_ is set), and what the poller reports to.
    int lease_fd_ = -1;
    std::chrono::steady_clock::time_point lease_due_{};  // the role holder's
    dist_poller::registration lease_reg_;
    std::shared_ptr<poll_target> lease_target_;
    // The thread that asked for the role (want_read_role): its eventfd, written under
    // want_mu_ (it deregisters under it), and whether there is one.
    std::mutex want_mu_;
    int want_fd_ = -1;
    std::atomic<bool> role_wanted_{false};
    // What the role's last read by a waiting thread found (whoever holds the role):
    // nothing waiting; input waiting (read it first next time); a stream read in short
    // pieces (let it gather first, see connection_options::read_coalescing).
    enum class stream_state { none, full_reads, short_reads };
    stream_state input_ = stream_state::none;
    std::uint64_t sent_at_read_ = 0;  // packets_out_ at that read
    // Packets queued for sending (written under out_mutex_).
    std::atomic<std::uint64_t> packets_out_{0};
    std::atomic<bool> borrowable_{false};  // a waiting thread may take the role
    // Plain TCP: the socket, taken from Asio, and its registration with the poller.
    int fd_ = -1;
    std::shared_ptr<dist_poller> poller_;
    dist_poller::registration reg_;          // strand (published to waiting threads by borrowable_)
    std::size_t write_offset_ = 0;           // strand: bytes of in_flight_ written so far
    bool write_blocked_ = false;             // strand: full before the poller knew the socket
    std::atomic<bool> stop_reading_{false};  // finish() began: no more signals
    std::error_code finish_why_;             // strand only: for finish_closed()
    bool wrote_since_tick_ = true;           // guarded by out_mutex_
    int silent_intervals_ = 0;               // strand only
    bool finished_ = false;                  // strand only
};

}  // namespace otp::dist

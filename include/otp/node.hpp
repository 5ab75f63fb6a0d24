// otp::node: a C++ program as an Erlang distribution node. It owns its name, its
// epmd registration, its listening socket and its connections, and the mailboxes
// (processes) that live on it. I/O runs on Boost.Asio: the node's own threads, or an
// executor the application gives it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "otp/log.hpp"
#include "otp/mailbox.hpp"
#include "otp/node_error.hpp"
#include "otp/rpc.hpp"
#include "otp/tls_options.hpp"

namespace otp {

/// How a node is named, found, reached and run.
struct node_options {
    /// `alive` or `alive@host`. A missing host is this machine's short host name
    /// (short names) or its fully qualified name (long names).
    std::string name;
    /// Long names (`erl -name`: hosts with dots) instead of short names (`-sname`).
    bool long_names = false;
    /// The cookie; unset: `$HOME/.erlang.cookie` (created like erl when missing).
    std::optional<std::string> cookie;
    /// Cookies for particular peers (full node name → cookie), like erlang:set_cookie/2.
    std::map<std::string, std::string> peer_cookies;
    /// Hidden nodes do not join the peers' `nodes()` or global's cluster (ei and
    /// jinterface are hidden too).
    bool hidden = true;

    /// epmd's host and port; unset port: $ERL_EPMD_PORT, then 4369.
    std::string epmd_host = "localhost";
    std::optional<std::uint16_t> epmd_port;
    /// Register with epmd (creation from epmd). False: no registration, a random
    /// creation, peers must know our port (like `erl -start_epmd false -dist_listen`).
    bool register_with_epmd = true;

    /// Where to listen: an address (empty: every interface) and a port range
    /// (0, 0: any free port), like inet_dist_listen_min/max.
    std::string listen_address;
    std::uint16_t listen_port_min = 0;
    std::uint16_t listen_port_max = 0;

    /// net_ticktime: a tick on any connection idle for a quarter of it, a connection
    /// silent for all of it is dropped.
    std::chrono::milliseconds net_ticktime{60'000};
    /// net_setuptime: the limit for the epmd lookup, the TCP connect and each handshake
    /// step.
    std::chrono::milliseconds setup_time{7'000};
    /// How long close() waits for connections to write what was sent before it.
    std::chrono::milliseconds close_flush_time{2'000};
    /// A connection with more than this many bytes waiting to be written is busy: a
    /// thread that sends on it is held until half is written or the link drops, as
    /// Erlang suspends a process sending to a busy distribution port (erl's +zdbbl,
    /// also 1 MiB). Sends from threads that run Asio handlers (the node's I/O threads,
    /// async handlers) are never held. 0: no limit, the queue grows with the backlog.
    std::size_t dist_buf_busy_limit = std::size_t{1} << 20;
    /// The receive buffer (SO_RCVBUF, bytes) of every distribution connection, like
    /// erl's `{recbuf, N}` in inet_dist_connect_options; 0: the system's, which grows
    /// with the traffic. A small one lets a BEAM that streams small messages to this
    /// node fill it, and so write them in larger batches: on loopback 24 KiB made a
    /// BEAM source spend 2 us per message instead of 5 (docs/performance.md, session
    /// 11). It caps a link's receive rate; below 16 KiB Linux stalled a stream for
    /// 200 ms at a time, and at 24-32 KiB a stream of small messages loses a few
    /// packets per million to the kernel (retransmitted: small messages take more
    /// memory than the window promised). Set it when the link opens, never later:
    /// shrinking a live link's buffer once stalled a stream for minutes (session 12).
    std::size_t dist_recv_buffer = 0;

    /// Distribution over TLS, like `erl -proto_dist inet_tls -ssl_dist_optfile F`
    /// (load_ssl_dist_optfile reads F): every connection, dialled or accepted, runs TLS;
    /// epmd stays plain. Unset: plain TCP. Invalid settings make the node fail to start.
    std::optional<tls_options> tls;

    /// Threads the node starts to run its I/O; ignored when `executor` is set.
    unsigned io_threads = 1;
    /// A thread blocked in a receive (or a call) reads the connection it last sent on
    /// while it waits, as a single-threaded ei client does, instead of sleeping until an
    /// I/O thread has read its reply: one hand-over between threads less per exchange.
    /// Plain TCP only; false: I/O threads do all reading.
    bool read_while_waiting = true;
    /// A thread reading for a blocked receive (read_while_waiting) that gets a stream
    /// (small reads of input it did not ask for, in quick succession) lets this long
    /// pass before each read: it reads more per system call, and the sender does not
    /// wake it per packet (docs/performance.md: 300-750 us suit a BEAM source best). Costs
    /// a stream up to this much delay (plus the system's timer slack). Input on a link
    /// that something was sent on since its last read is taken for replies, never for a
    /// stream. 0: off.
    std::chrono::microseconds read_coalescing{500};
    /// A thread that waits on the node polls this long before it sleeps, like the BEAM's
    /// schedulers (+sbwt): an I/O thread with nothing to do (when the node runs its
    /// own), a thread blocked in a receive (reading for it or not), or in a connect.
    /// Being put to sleep and woken costs tens of microseconds on a virtual machine, more
    /// than a reply over loopback takes: spinning halved a round trip to a BEAM there
    /// (docs/performance.md, session 12). Each wait that lasts longer costs this much
    /// CPU more. 0: sleep at once.
    std::chrono::microseconds spin_wait{50};
    /// Run on the application's executor instead (the application runs it, and keeps
    /// it running until the node is closed).
    std::optional<boost::asio::any_io_executor> executor;

    /// Threads that run C++ functions called from Erlang (register_function), so that
    /// long ones never hold up I/O.
    unsigned function_threads = 2;

    /// Where the node logs (handshake refusals, dropped connections ...); quiet by default.
    logger_ptr logger;
};

/// Counters of what the node could not deliver (Erlang drops it silently) and of the
/// times its connections held senders back.
struct node_stats {
    std::uint64_t undeliverable = 0;        ///< to dead pids, unknown names, inactive aliases
    std::uint64_t unreachable = 0;          ///< queued for a node that could not be reached
    std::uint64_t connections_refused = 0;  ///< dials and handshakes refused or failed
    std::uint64_t busy_dist_port = 0;       ///< sends held by a busy connection (see options)
};

/// A distribution node.
///
/// Thread safety: every member may be called from any thread, also concurrently,
/// except the destructor and close(), which must not run on the node's own I/O threads
/// when the node owns them (they join those threads).
class node {
  public:
    /// Starts the node: listens, registers with epmd. Throws otp::system_error.
    explicit node(node_options opts);
    /// As above; on failure `ec` is set and the node is not running.
    node(node_options opts, std::error_code& ec);
    node(const node&) = delete;
    node& operator=(const node&) = delete;
    /// Closes the node (see close()).
    ~node();

    /// The full node name (alive@host).
    atom name() const noexcept;
    /// The creation epmd gave (or the random one without epmd).
    std::uint32_t creation() const noexcept;
    /// The port the node accepts connections on.
    std::uint16_t port() const noexcept;
    /// The cookie this node proves to peers without a cookie of their own.
    const std::string& cookie() const noexcept;
    /// True until close().
    bool is_running() const noexcept;

    /// A new mailbox (process) without a name.
    mailbox create_mailbox();
    /// A new mailbox registered as `name`; name_in_use when another process has it.
    result<mailbox> create_mailbox(atom name);
    /// The pid registered as `name` on this node, if any.
    std::optional<pid> whereis(atom name) const;
    /// Registered names on this node (like erlang:registered/0).
    std::vector<atom> registered() const;

    /// Connects to `peer` unless connected, waiting up to `timeout`. Concurrent callers
    /// share one attempt. A new plain TCP attempt runs on the calling thread, as ei's
    /// does (no I/O thread takes part), so `timeout` also ends the attempt for senders
    /// waiting on it. Errors: unreachable, handshake errors (bad_cookie ...), timeout.
    std::error_code connect(atom peer,
                            std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Asynchronous connect; signature void(std::error_code).
    template <class CompletionToken>
    auto async_connect(atom peer, CompletionToken&& token) {
        return detail::async_erased<std::error_code>(
            get_executor(),
            [this, peer](detail::unique_callback<std::error_code> cb) {
                start_connect(peer, std::move(cb));
            },
            std::forward<CompletionToken>(token));
    }
    /// Like net_adm:ping/1: connects and asks the peer's net_kernel; true for `pong`.
    bool ping(atom peer, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Drops the connection to `peer` (links and monitors across it get noconnection).
    /// False when not connected.
    bool disconnect(atom peer);
    /// Nodes connected now (hidden ones included).
    std::vector<atom> nodes() const;
    /// Like net_kernel:monitor_nodes(true): `watcher` receives `{nodeup, Node}` and
    /// `{nodedown, Node}`; `false` stops it.
    void monitor_nodes(const pid& watcher, bool on = true);

    /// Makes `fn` callable from Erlang as module:function/arity, through
    /// `erpc:call`/`rpc:call` (OTP 23+ SPAWN_REQUEST) and the older `rex` path. A call to
    /// a function not registered fails with `undef`, as on a BEAM node. Replaces an
    /// earlier registration of the same name and arity.
    void register_function(atom module, atom function, unsigned arity, erlang_function fn);

    /// What could not be delivered so far.
    node_stats stats() const noexcept;
    /// The executor the node's I/O runs on.
    boost::asio::any_io_executor get_executor() const noexcept;

    /// Shuts down: closes every mailbox (reason `shutdown`; remote links and monitors get
    /// noconnection when the connections drop, and signals arriving meanwhile are not
    /// answered), closes connections, unregisters from epmd, joins the node's threads.
    /// Idempotent.
    void close();

    /// The runtime behind the node (for the library's own services).
    node_detail::runtime& runtime() noexcept { return *rt_; }

  private:
    void start_connect(atom peer, detail::unique_callback<std::error_code> cb);
    std::shared_ptr<node_detail::runtime> rt_;
};

}  // namespace otp

// The node runtime: the process table (mailboxes, names, aliases), routing of
// messages and signals between local processes and connections, links and monitors,
// and the connections themselves (dialling, accepting, net_kernel's decisions).
//
// One mutex guards the tables; mailbox queues and connection write queues have their
// own. Lock order: runtime → mailbox queue → connection queue. Nothing calls back
// into user code while the runtime's mutex is held (handlers are posted).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "handshake/initiator_fsm.hpp"
#include "node/call_guards.hpp"
#include "node/connection.hpp"
#include "node/connection_registry.hpp"
#include "node/id_source.hpp"
#include "node/link_table.hpp"
#include "node/mailbox_state.hpp"
#include "node/monitor_table.hpp"
#include "node/node_name.hpp"
#include "otp/dist_flags.hpp"
#include "otp/epmd.hpp"
#include "otp/node.hpp"
#include "otp/rpc.hpp"

namespace otp::node_detail {

class dial_resolver;

/// The flags this node offers: what otpcpp implements.
std::uint64_t offered_flags(bool hidden) noexcept;
/// The flags it requires of peers (OTP 26's mandatory set).
std::uint64_t required_flags() noexcept;

/// How a C++ function called from Erlang ended, as try ... catch Class:Reason:Stack.
struct call_outcome {
    std::optional<exception_class> raised;  ///< nullopt: it returned
    term value;                             ///< the result, or the reason
    term stack;
};

/// Thread-safe (see the file comment). Created by otp::node; shared with connections
/// and mailboxes, which keep it alive while they need it.
class runtime : public std::enable_shared_from_this<runtime>, public dist::connection_handler {
  public:
    /// Sets up names, cookie, listener, epmd registration and threads.
    static result<std::shared_ptr<runtime>> start(node_options opts);
    ~runtime() override;

    // --- identity
    atom name() const noexcept { return ids_->node(); }
    std::uint32_t creation() const noexcept { return ids_->creation(); }
    std::uint16_t port() const noexcept { return port_; }
    const std::string& cookie() const noexcept { return cookie_; }
    bool running() const noexcept { return running_.load(); }
    boost::asio::any_io_executor executor() const noexcept { return ex_; }
    const logger_ptr& log() const noexcept { return log_; }
    id_source& ids() noexcept { return *ids_; }
    node_stats stats() const noexcept;
    /// True on one of the threads the node started.
    bool on_io_thread() const noexcept;
    /// Whether blocked receivers may read connections (node_options::read_while_waiting).
    bool read_while_waiting() const noexcept { return opts_.read_while_waiting; }
    /// How long a waiting thread polls before it sleeps (node_options::spin_wait).
    std::chrono::microseconds spin_wait() const noexcept { return opts_.spin_wait; }

    // --- processes
    /// A new process; `service` makes it handle messages itself (see mailbox_state).
    std::shared_ptr<mailbox_state> spawn(mailbox_state::service_fn service = {});
    /// Makes module:function/arity callable from Erlang.
    void register_function(atom module, atom function, unsigned arity, erlang_function fn);
    std::error_code register_name(atom name, const pid& p);
    void unregister_name(const pid& p);
    std::optional<pid> whereis(atom name) const;
    std::vector<atom> registered() const;
    reference make_alias(const std::shared_ptr<mailbox_state>& owner);
    bool unalias(const std::shared_ptr<mailbox_state>& owner, const reference& alias);

    // --- messages (never block on the network)
    void send(const std::optional<pid>& from, const pid& to, term message);
    std::error_code send_registered(const std::optional<pid>& from, atom name, term message);
    void send_named(const std::optional<pid>& from, atom name, atom node, term message);
    void send_alias(const std::optional<pid>& from, const reference& alias, term message);

    // --- signals from local processes
    void link(const pid& local, const pid& other);
    void unlink(const pid& local, const pid& other);
    reference monitor(const std::shared_ptr<mailbox_state>& watcher, const monitor_target& t);
    bool demonitor(const std::shared_ptr<mailbox_state>& watcher, const reference& ref);
    /// A call from `caller` to `target`, a process on another node, waits under the
    /// guard there (call_guards.hpp); the guard's MONITOR_P is sent when it is new.
    call_guard_table::ticket join_call_guard(const std::shared_ptr<mailbox_state>& caller,
                                             const monitor_target& target);
    /// The call ended. False when the guard fired first and its 'DOWN' went to the caller.
    bool leave_call_guard(const call_guard_table::ticket& t);
    /// How often idle call guards are swept: one stays for one to two periods after its
    /// last call.
    static constexpr std::chrono::milliseconds call_guard_idle{1000};
    void exit(const pid& from, const pid& to, term reason);
    /// Ends a process with `reason`: unregisters it and propagates to links/monitors.
    void close_process(const std::shared_ptr<mailbox_state>& p, const term& reason);

    // --- nodes
    /// Starts or joins a connection attempt; `cb` gets the outcome.
    void connect(atom peer, detail::unique_callback<std::error_code> cb);
    bool disconnect(atom peer);
    std::vector<atom> nodes() const;
    /// The negotiated flags of the connection to `node`, while it is up.
    std::optional<std::uint64_t> peer_flags(atom node) const;
    /// Connects (see connect()) and waits up to `timeout`; for blocking helpers. A new
    /// plain TCP attempt is dialled on the calling thread (dial_here), and `timeout`
    /// then ends the attempt itself.
    std::error_code connect_wait(atom node, std::chrono::milliseconds timeout);
    void monitor_nodes(const pid& watcher, bool on);
    /// Closes everything; joins threads when the node owns them. Idempotent.
    void shutdown();

    // dist::connection_handler
    void on_signal(dist::connection& c, dist::signal&& s) override;
    void on_batch_end(dist::connection& c) override;
    void on_closed(dist::connection& c, std::error_code why) override;

  private:
    struct peer {
        std::shared_ptr<dist::connection> conn;  // set while up
        // Sends waiting for the connection, encoded once its flags are known.
        std::vector<std::function<void(dist::connection&)>> pending;
        std::vector<detail::unique_callback<std::error_code>> waiters;
        attempt_id dial_attempt = 0;
        // Ends our dial in progress: an accepted attempt supersedes it, or the node
        // closes. Called once, without mu_ held.
        std::function<void()> dial_abort;
    };
    using lock_t = std::unique_lock<std::mutex>;

    explicit runtime(node_options opts);
    std::error_code init();

    // Process table (mu_ held).
    std::shared_ptr<mailbox_state> find_locked(const pid& p) const;
    bool is_local(const pid& p) const noexcept {
        return p.node == ids_->node() && p.creation == ids_->creation();
    }
    void deliver_locked(const pid& to, envelope&& e);
    // Queues `e` at `p`, counting it as undeliverable when `p` is null or closed; needs
    // no lock. With `wake_owed` and `complete_in_wake`, as mailbox_state::deliver.
    void deliver_to(const std::shared_ptr<mailbox_state>& p, envelope&& e,
                    bool* wake_owed = nullptr, bool complete_in_wake = false);
    // deliver_to for a connection's reader: receivers are woken at the batch's end
    // (async ones completed there too when the node runs on one thread of its own and
    // the reader is that thread, not a receiver reading while it waits).
    void deliver_batched(std::shared_ptr<mailbox_state>&& p, envelope&& e);
    // The local process with this pid or registered name, looked up under mu_.
    std::shared_ptr<mailbox_state> find_process(const pid& p) const;
    std::shared_ptr<mailbox_state> find_process(atom name) const;
    void exit_signal_locked(const pid& from, const pid& to, const term& reason, bool via_link);
    void close_locked(const std::shared_ptr<mailbox_state>& p, const term& reason);
    void down_locked(const std::shared_ptr<mailbox_state>& watcher, const reference& ref,
                     const term& object, const term& reason);
    // Sends MONITOR_P (`on`) or DEMONITOR_P for a monitor of `from`'s on `t`.
    void send_monitor_locked(const pid& from, const monitor_target& t, const reference& ref,
                             bool on);
    // A call guard's monitor fired: each call waiting under it gets the 'DOWN'.
    void fire_call_guard_locked(const reference& ref, const term& object, const term& reason);
    // Drops the guards unused since the last sweep; sweeps again while any is idle.
    void expire_call_guards();
    void time_call_guards_locked();

    // Remote traffic (mu_ held): sends now when connected, else queues and dials.
    void to_peer_locked(atom node, std::function<void(dist::connection&)> send);
    // The same without holding mu_: when `node` is connected, `send` runs on the
    // caller's thread after the lock is released (encoding outside it), with no
    // std::function; otherwise it is queued as by to_peer_locked.
    template <class Send>
    void to_peer(atom node, Send&& send) {
        std::shared_ptr<dist::connection> conn;
        {
            lock_t lock(mu_);
            auto it = peers_.find(node);
            if (it == peers_.end() || !it->second.conn || !running_)
                return to_peer_locked(node, std::forward<Send>(send));
            conn = it->second.conn;
        }
        send(*conn);
        // Back-pressure after the message is queued, outside every lock.
        conn->wait_while_busy(busy_);
    }
    // A new attempt to dial `node`, or nothing when one is under way (ours or an
    // accepted one).
    std::optional<attempt_id> begin_dial_locked(atom node);
    // begin_dial_locked, the dial then run by the I/O thread.
    void dial_locked(atom node);
    // Ends an attempt: with a connection (`started` when its dialler started it) or
    // with `ec`. Returns what its waiters were told, or nullopt when another attempt
    // decides for them (this one was superseded, or lost a simultaneous connect).
    std::optional<std::error_code> finish_attempt(atom node, attempt_id attempt, std::error_code ec,
                                                  std::shared_ptr<dist::connection> conn,
                                                  bool started = false);
    // `connected` receives connect()'s waiting callbacks, to be run once `c` has started.
    void connection_up_locked(peer& p, atom node, const std::shared_ptr<dist::connection>& c,
                              std::vector<detail::unique_callback<std::error_code>>& connected);
    void connection_down_locked(atom node);
    // The up connection at `it` is gone: forgotten, its links and monitors fired,
    // nodedown sent.
    void connection_lost_locked(std::map<atom, peer>::iterator it, std::error_code why);
    void notify_nodes_locked(atom node, bool up);

    // Accepting and dialling (runtime_connect.cpp).
    std::error_code listen();
    void accept_next();
    void on_accepted(std::shared_ptr<boost::asio::ip::tcp::socket> sock,
                     std::shared_ptr<dist::tls_stream> tls);
    void start_dial(atom node, attempt_id attempt);
    void handshake_dial(std::shared_ptr<boost::asio::ip::tcp::socket> sock,
                        std::shared_ptr<dist::tls_stream> tls, atom node, attempt_id attempt);
    // What both ways of dialling share: the peer's name parsed, the attempt claimed,
    // the check that it is still wanted, the epmd lookup's and the handshake's
    // settings, and the outcome. dial_failed logs and counts a refusal.
    result<node_name> dial_target(atom node) const;
    // Gives the attempt its `abort`; false (and the attempt failed) when it was
    // superseded before it started.
    bool claim_dial(atom node, attempt_id attempt, std::function<void()> abort);
    bool still_dialling(atom node, attempt_id attempt) const;
    epmd::client_options epmd_options(const node_name& peer,
                                      std::vector<boost::asio::ip::address> addresses) const;
    handshake::initiator_config initiator_config_for(atom node, attempt_id attempt, bool tls);
    std::optional<std::error_code> dial_failed(atom node, attempt_id attempt, std::error_code ec,
                                               const char* what);
    // `stream` makes the connection's stream once the handshake has succeeded;
    // `start_here` lets the dialling thread start the connection. Returns as
    // finish_attempt does (nullopt also after `nok`).
    std::optional<std::error_code> dial_handshake_ended(
        atom node, attempt_id attempt, std::error_code ec, handshake_result hs,
        const std::function<dist::dist_stream()>& stream, bool start_here = false);
    // Dials `attempt` on the calling thread, waiting on its sockets itself as ei does,
    // and starts the connection there: no I/O thread takes part. All before `deadline`,
    // which ends the attempt (runtime_dial_here.cpp). Returns as finish_attempt does.
    std::optional<std::error_code> dial_here(atom node, attempt_id attempt,
                                             std::chrono::steady_clock::time_point deadline);
    std::shared_ptr<dist::connection> open_connection(dist::dist_stream stream,
                                                      handshake_result hs);
    std::pair<std::string, std::string> cookies_for(const std::string& peer) const;

    // Built-in processes (runtime_services.cpp).
    void start_services();
    void net_kernel(envelope&& e);
    void spawn_request_locked(dist::connection& c, dist::spawn_request_signal&& req);
    std::shared_ptr<mailbox_state> spawn_locked(mailbox_state::service_fn service);
    void rex(envelope&& e);
    /// Runs `job` on the function pool (dropped once the node is shut down).
    void on_pool(std::function<void()> job);
    term rex_result(atom m, atom f, const term& args);
    call_outcome run_function(atom m, atom f, const term& args);

  public:
    /// Answers a gen_server call's `From` ({Pid, Tag}) the way gen:reply/2 does: to the
    /// alias in an `[alias | Ref]` tag, else to the pid.
    void reply(const pid& self, const term& from, term reply_value);

  private:
    node_options opts_;
    logger_ptr log_;
    name_mode mode_ = name_mode::short_names;
    std::string cookie_;
    std::unique_ptr<id_source> ids_;
    std::uint16_t port_ = 0;
    std::atomic<bool> running_{false};

    std::shared_ptr<boost::asio::io_context> own_io_;  // when the node runs its own threads
    // One I/O thread of our own: a reader may complete async receives at its batch's
    // end, since the post would run them on that same thread next.
    bool complete_in_reader_ = false;
    boost::asio::any_io_executor ex_;
    std::vector<std::thread> threads_;
    std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
    std::unique_ptr<epmd::client> epmd_;
    std::shared_ptr<const dist::tls_config> tls_;  // set: distribution over TLS
    epmd::registration registration_;
    std::unique_ptr<dial_resolver> resolver_;    // peers' hosts, for dialling
    std::shared_ptr<dist::dist_poller> poller_;  // plain TCP connections' sockets

    mutable std::mutex mu_;
    std::unordered_map<std::uint64_t, std::shared_ptr<mailbox_state>> procs_;
    std::map<atom, pid> names_;
    std::map<reference, std::weak_ptr<mailbox_state>, ref_less> aliases_;
    link_table links_;
    monitor_table monitors_;  // remote monitors, and local ones as "incoming"
    connection_registry registry_;
    std::map<atom, peer> peers_;
    std::set<pid, pid_less> node_watchers_;
    std::vector<std::shared_ptr<mailbox_state>> services_;  // built-in processes
    pid rex_pid_;
    // The process holding the call guards' monitors, and their bookkeeping.
    std::shared_ptr<mailbox_state> guard_proc_;
    call_guard_table guards_;
    std::unique_ptr<boost::asio::steady_timer> guard_timer_;
    bool guard_timer_armed_ = false;

    // C++ functions callable from Erlang, and the threads they run on.
    std::mutex functions_mu_;
    std::map<std::tuple<atom, atom, unsigned>, erlang_function> functions_;
    std::unique_ptr<boost::asio::thread_pool> pool_;
    attempt_id next_accept_ = 1;
    std::set<std::shared_ptr<boost::asio::ip::tcp::socket>> handshaking_;  // accepted

    std::atomic<std::uint64_t> undeliverable_{0}, unreachable_{0}, refused_{0}, busy_{0};
};

/// The key of a local pid in the process table.
inline std::uint64_t pid_key(const pid& p) noexcept {
    return (static_cast<std::uint64_t>(p.serial) << 32) | p.id;
}

}  // namespace otp::node_detail

// A mailbox: a process of this node as the rest of the cluster sees it. It has a pid,
// may have a registered name, receives messages in order, links, monitors, traps
// exits, and closes with a reason that propagates to its links and monitors.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <system_error>

#include <boost/asio/any_io_executor.hpp>

#include "otp/detail/async.hpp"
#include "otp/error.hpp"
#include "otp/match.hpp"
#include "otp/term.hpp"

namespace otp {

namespace node_detail {
class runtime;
struct mailbox_state;
}  // namespace node_detail

/// One received message and, where the protocol carries it, its sender (SEND_SENDER,
/// REG_SEND, ALIAS_SEND and local sends do; plain SEND does not).
struct envelope {
    term message;
    std::optional<pid> sender;
};

/// A message and the variables a pattern bound in it.
struct matched {
    envelope received;
    otp::bindings bindings;
};

/// What a mailbox with a bounded queue does with a message that finds it full. Either
/// way the dropped message is counted in node_stats::undeliverable.
enum class overflow_policy {
    drop_newest,  ///< the arriving message is dropped
    drop_oldest,  ///< the oldest queued message is dropped to make room
};

/// Predicate for selective receive: true for the message to take.
using message_filter = std::function<bool(const envelope&)>;

/// A process of this node. Move-only; destroying an open mailbox closes it with reason
/// `normal`, as a process that returns.
///
/// Thread safety: every member may be called from any thread at any time, also
/// concurrently (sends, links and monitors from several threads; receives from several
/// threads take distinct messages). Blocking receives must not run on the node's own
/// I/O threads: they fail with node_errc::io_thread there; use async_receive.
class mailbox {
  public:
    /// An empty handle (no process); most calls on it fail with mailbox_closed.
    mailbox() noexcept = default;
    mailbox(mailbox&&) noexcept = default;
    mailbox& operator=(mailbox&& other) noexcept;
    mailbox(const mailbox&) = delete;
    mailbox& operator=(const mailbox&) = delete;
    ~mailbox();

    /// This process's pid.
    const pid& self() const noexcept;
    /// True until the mailbox is closed (by close(), an exit signal, or node shutdown).
    bool is_open() const noexcept;
    /// Why the mailbox closed (`normal`, `noconnection`, the exit reason ...); nil while open.
    term exit_reason() const;

    // --- sending (never blocks on the network; see otp::node for undeliverable counts)

    /// Sends to a pid (local or remote). Connects to the pid's node when needed.
    void send(const pid& to, term message);
    /// Sends to a name registered on this node; not_registered when nobody has it
    /// (Erlang raises badarg).
    std::error_code send(atom name, term message);
    /// Sends to `{Name, Node}`: a registered name on any node (this one included).
    void send(atom name, atom node, term message);
    /// Sends to a process alias (a reference from make_alias() on any node).
    void send(const reference& alias, term message);
    /// Sends to a destination given as a term: pid, atom, `{Name, Node}` or alias.
    /// term_errc::wrong_type for anything else.
    std::error_code send_to(const term& destination, term message);

    // --- receiving

    /// The next message, waiting up to `timeout` (timeout / mailbox_closed otherwise).
    result<envelope> receive(std::chrono::milliseconds timeout);
    /// The next message, waiting as long as it takes (mailbox_closed when closed).
    result<envelope> receive();
    /// The first queued message `filter` accepts, waiting up to `timeout` for one;
    /// other messages stay queued in order (Erlang's selective receive).
    result<envelope> receive_if(const message_filter& filter, std::chrono::milliseconds timeout);
    /// The first message matching an Erlang pattern, with its bindings.
    result<matched> receive_match(const pattern& p, std::chrono::milliseconds timeout);
    /// The next message without waiting; timeout when none is queued.
    result<envelope> try_receive();
    /// Messages queued now.
    std::size_t queued() const;
    /// Bounds the queue to `max_messages` (0: unbounded, the default, as in Erlang).
    void limit_queue(std::size_t max_messages,
                     overflow_policy policy = overflow_policy::drop_newest);

    /// Asynchronously receives the next message (accepted by `filter` when given).
    /// Signature void(std::error_code, envelope); works with callbacks, use_future and
    /// use_awaitable. Waiters are served in the order they started. Handlers run on their
    /// associated executor, by default the node's.
    template <class CompletionToken>
    auto async_receive(CompletionToken&& token) {
        return async_receive_impl(nullptr, std::chrono::milliseconds::max(),
                                  std::forward<CompletionToken>(token));
    }
    /// As async_receive, with a time limit (node_errc::timeout) and an optional filter.
    template <class CompletionToken>
    auto async_receive(std::chrono::milliseconds timeout, message_filter filter,
                       CompletionToken&& token) {
        return async_receive_impl(std::move(filter), timeout, std::forward<CompletionToken>(token));
    }

    // --- names, links, monitors, exits

    /// Registers this process under `name` (name_in_use when taken; one name each).
    std::error_code register_name(atom name);
    /// Removes this process's registered name, if any.
    void unregister_name();
    /// Links this process to `other` (local or remote, OTP 26 link protocol). Linking to
    /// a process that does not exist gives an exit signal with reason `noproc`.
    void link(const pid& other);
    /// Removes the link (UNLINK_ID); exit signals already on their way are ignored.
    void unlink(const pid& other);
    /// Monitors `target`; its end (or the connection's) arrives as
    /// `{'DOWN', Ref, process, Pid, Reason}`.
    reference monitor(const pid& target);
    /// Monitors the process registered as `name` on `node`; the DOWN names `{Name, Node}`.
    reference monitor(atom name, atom node);
    /// Removes a monitor; true when it was active. `flush` also drops a DOWN already queued.
    bool demonitor(const reference& ref, bool flush = false);
    /// Sends an exit signal to `to` (Erlang's exit/2).
    void exit(const pid& to, term reason);
    /// While true, exit signals arrive as `{'EXIT', From, Reason}` messages instead of
    /// closing this mailbox (except `kill` sent by exit/2).
    void trap_exit(bool on);
    /// A new alias of this process (OTP 24+): messages sent to it arrive here until
    /// unalias(). Used for requests whose late replies must be dropped.
    reference make_alias();
    /// Deactivates an alias; true when it was active.
    bool unalias(const reference& alias);

    /// Closes the mailbox with `reason` (default `normal`): unregisters it, breaks its
    /// links (linked processes get the exit signal) and fires monitors on it.
    void close(term reason = atom("normal"));

    /// The node's executor.
    boost::asio::any_io_executor get_executor() const;

    /// The process behind the handle; internal (for the library's own helpers).
    const std::shared_ptr<node_detail::mailbox_state>& state() const noexcept { return st_; }

    /// A handle on a process the runtime created; internal.
    explicit mailbox(std::shared_ptr<node_detail::mailbox_state> st) noexcept;

  private:
    using receive_callback = detail::unique_callback<std::error_code, envelope>;
    static void start_receive(const std::shared_ptr<node_detail::mailbox_state>& st,
                              message_filter filter, std::chrono::milliseconds timeout,
                              receive_callback cb);

    template <class CompletionToken>
    auto async_receive_impl(message_filter filter, std::chrono::milliseconds timeout,
                            CompletionToken&& token) {
        return detail::async_erased<std::error_code, envelope>(
            get_executor(),
            [st = st_, filter = std::move(filter), timeout](receive_callback cb) mutable {
                start_receive(st, std::move(filter), timeout, std::move(cb));
            },
            std::forward<CompletionToken>(token));
    }

    std::shared_ptr<node_detail::mailbox_state> st_;
};

}  // namespace otp

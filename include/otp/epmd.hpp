// The epmd client and the embedded epmd server, over Boost.Asio.
//
// The wire format and the decisions live in the pure layer (otp/epmd_protocol.hpp and
// src/epmd/*_logic); these classes only move bytes, run timers and log.
//
// Every async_* operation takes an Asio completion token as its last argument: a
// callback, boost::asio::use_future, or boost::asio::use_awaitable in a coroutine.
// The handler runs on its associated executor (by default the object's executor) and
// never before the initiating function returns. Completion signatures carry
// std::error_code, which Boost 1.74's use_future and use_awaitable treat as a plain
// value rather than throwing: `auto [ec, names] = co_await c.async_names(use_awaitable);`
// and std::future<std::tuple<std::error_code, names_reply>>.
//
// Each operation also has two synchronous forms: `f(..., std::error_code&)` and a
// throwing `f(...)` (otp::system_error whose what() names the epmd host and port).
// They run a private io_context, so they work whether or not anyone runs the object's
// executor (and may be called from one of its handlers, at the cost of blocking it).
//
// As with Asio's own objects, destroy these before the execution context they use.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "otp/detail/async.hpp"
#include "otp/epmd_protocol.hpp"
#include "otp/log.hpp"

namespace otp::epmd {

class registration;

namespace detail {
struct client_config;
struct registration_state;
class server_impl;
}  // namespace detail

/// Where the client finds epmd and how long it waits.
struct client_options {
    /// Host name or IPv4/IPv6 address; every address it resolves to is tried in turn.
    /// Address literals and "localhost" (127.0.0.1, then ::1) need no resolver.
    std::string host = "localhost";
    /// `host`'s addresses when the caller has resolved it already, tried in turn; the
    /// client then resolves nothing and `host` only names epmd in messages.
    std::vector<boost::asio::ip::address> addresses;
    /// epmd's port; unset: the ERL_EPMD_PORT environment variable, then 4369.
    std::optional<std::uint16_t> port;
    /// Limit for each request, from resolving the host to the last byte of the reply
    /// (for a registration: until epmd's answer). On expiry: epmd_errc::timeout.
    std::chrono::milliseconds timeout{5000};
    /// Receives debug lines per request and a warning when epmd drops a registration.
    logger_ptr logger;
};

/// Talks to an epmd (the real one or otp::epmd::server). Each request opens its own
/// connection, as epmd closes after one answer; a registration keeps its connection in
/// the returned otp::epmd::registration.
///
/// Errors (otp::epmd_errc): unreachable (nothing accepts at host:port, or the host does
/// not resolve), timeout, name_taken, not_found, refused (epmd would not act, e.g. KILL
/// with nodes or STOP without -relaxed_command_check), closed (epmd hung up without
/// answering), malformed_reply, invalid_name (rejected before anything is sent).
///
/// Thread safety: distinct objects, safe; shared object, safe (requests copy what
/// they need, so the client may also be destroyed while they run).
class client {
  public:
    /// The executor on which asynchronous operations do their I/O.
    using executor_type = boost::asio::any_io_executor;

    /// A client whose asynchronous operations run on `ex`.
    explicit client(executor_type ex, client_options opts = {});
    /// A client on an execution context, e.g. an io_context.
    template <class ExecutionContext, class = std::enable_if_t<std::is_convertible_v<
                                          ExecutionContext&, boost::asio::execution_context&>>>
    explicit client(ExecutionContext& ctx, client_options opts = {})
        : client(executor_type(ctx.get_executor()), std::move(opts)) {}

    /// The executor given at construction.
    executor_type get_executor() const noexcept { return ex_; }
    /// "host:port" of the epmd this client talks to (port after ERL_EPMD_PORT), for
    /// messages.
    std::string endpoint_text() const;
    /// The port this client uses, after applying ERL_EPMD_PORT and the default.
    std::uint16_t port() const noexcept;

    /// Registers a node (ALIVE2_REQ). Completion: `void(std::error_code, registration)`;
    /// the registration holds the connection and unregisters when closed or destroyed.
    /// Only the alive part of the name (before '@') goes to epmd.
    template <class CompletionToken>
    auto async_register_node(node_entry node, CompletionToken&& token) {
        return otp::detail::async_erased<std::error_code, registration>(
            ex_,
            [ex = ex_, cfg = cfg_, node = std::move(node)](auto cb) mutable {
                start_register(ex, cfg, std::move(node), std::move(cb));
            },
            std::forward<CompletionToken>(token));
    }
    /// Registers a node; see async_register_node. The registration's executor is this
    /// client's: run it to be told when epmd drops the registration.
    registration register_node(const node_entry& node, std::error_code& ec);
    /// Registers a node; throws otp::system_error.
    registration register_node(const node_entry& node);

    /// Looks up a node by its alive part (PORT_PLEASE2_REQ). Completion:
    /// `void(std::error_code, node_entry)`; not_found when no such node is registered.
    template <class CompletionToken>
    auto async_port_please(std::string name, CompletionToken&& token) {
        return otp::detail::async_erased<std::error_code, node_entry>(
            ex_,
            [ex = ex_, cfg = cfg_, name = std::move(name)](auto cb) mutable {
                start_port_please(ex, cfg, std::move(name), std::move(cb));
            },
            std::forward<CompletionToken>(token));
    }
    /// Looks up a node; see async_port_please.
    node_entry port_please(std::string_view name, std::error_code& ec);
    /// Looks up a node; throws otp::system_error.
    node_entry port_please(std::string_view name);

    /// Lists the registered nodes (NAMES_REQ). Completion:
    /// `void(std::error_code, names_reply)`.
    template <class CompletionToken>
    auto async_names(CompletionToken&& token) {
        return otp::detail::async_erased<std::error_code, names_reply>(
            ex_, [ex = ex_, cfg = cfg_](auto cb) { start_names(ex, cfg, std::move(cb)); },
            std::forward<CompletionToken>(token));
    }
    /// Lists the registered nodes; see async_names.
    names_reply names(std::error_code& ec);
    /// Lists the registered nodes; throws otp::system_error.
    names_reply names();

    /// epmd's table of live and old registrations (DUMP_REQ; local peers only).
    /// Completion: `void(std::error_code, dump_reply)`.
    template <class CompletionToken>
    auto async_dump(CompletionToken&& token) {
        return otp::detail::async_erased<std::error_code, dump_reply>(
            ex_, [ex = ex_, cfg = cfg_](auto cb) { start_dump(ex, cfg, std::move(cb)); },
            std::forward<CompletionToken>(token));
    }
    /// Dumps epmd's table; see async_dump.
    dump_reply dump(std::error_code& ec);
    /// Dumps epmd's table; throws otp::system_error.
    dump_reply dump();

    /// Asks epmd to exit (KILL_REQ; local peers only). Completion:
    /// `void(std::error_code, std::string)` with epmd's word: "OK", or "NO" with
    /// epmd_errc::refused when nodes are registered and epmd is not relaxed.
    template <class CompletionToken>
    auto async_kill(CompletionToken&& token) {
        return otp::detail::async_erased<std::error_code, std::string>(
            ex_, [ex = ex_, cfg = cfg_](auto cb) { start_kill(ex, cfg, std::move(cb)); },
            std::forward<CompletionToken>(token));
    }
    /// Asks epmd to exit; see async_kill.
    std::string kill(std::error_code& ec);
    /// Asks epmd to exit; throws otp::system_error.
    std::string kill();

    /// Force-unregisters a node (STOP_REQ; epmd acts only with -relaxed_command_check,
    /// else it hangs up: epmd_errc::refused). Completion:
    /// `void(std::error_code, std::string)` with "STOPPED", or "NOEXISTSTOPPED" and
    /// epmd_errc::not_found for an unknown name.
    template <class CompletionToken>
    auto async_stop(std::string name, CompletionToken&& token) {
        return otp::detail::async_erased<std::error_code, std::string>(
            ex_,
            [ex = ex_, cfg = cfg_, name = std::move(name)](auto cb) mutable {
                start_stop(ex, cfg, std::move(name), std::move(cb));
            },
            std::forward<CompletionToken>(token));
    }
    /// Force-unregisters a node; see async_stop.
    std::string stop(std::string_view name, std::error_code& ec);
    /// Force-unregisters a node; throws otp::system_error.
    std::string stop(std::string_view name);

  private:
    using config_ptr = std::shared_ptr<const detail::client_config>;
    template <class T>
    using callback = otp::detail::unique_callback<std::error_code, T>;

    static void start_register(const executor_type& ex, const config_ptr& cfg, node_entry node,
                               callback<registration> cb);
    static void start_port_please(const executor_type& ex, const config_ptr& cfg, std::string name,
                                  callback<node_entry> cb);
    static void start_names(const executor_type& ex, const config_ptr& cfg,
                            callback<names_reply> cb);
    static void start_dump(const executor_type& ex, const config_ptr& cfg, callback<dump_reply> cb);
    static void start_kill(const executor_type& ex, const config_ptr& cfg,
                           callback<std::string> cb);
    static void start_stop(const executor_type& ex, const config_ptr& cfg, std::string name,
                           callback<std::string> cb);

    executor_type ex_;
    config_ptr cfg_;
};

/// A node's registration with epmd: the open ALIVE2 connection. epmd unregisters the
/// node as soon as this connection closes, so keep the object for the node's lifetime.
/// Watches the connection on its executor and notices when epmd drops it (epmd exited,
/// or STOP): then is_open() turns false, a warning is logged, and waiters complete.
///
/// Move-only. Not thread-safe: like an Asio socket, use it from the thread running its
/// executor (or that executor's strand), or while that executor is not running.
class registration {
  public:
    /// The executor that watches the connection.
    using executor_type = boost::asio::any_io_executor;

    /// No registration.
    registration() noexcept;
    /// Takes over the connection; `other` is left empty.
    registration(registration&& other) noexcept;
    /// Closes this registration's connection (unregistering it), then takes over other's.
    registration& operator=(registration&& other) noexcept;
    registration(const registration&) = delete;
    registration& operator=(const registration&) = delete;
    /// Closes the connection, which unregisters the node.
    ~registration();

    /// True while registered as far as we know (connection open, epmd silent).
    bool is_open() const noexcept;
    /// The node as registered.
    const node_entry& node() const;
    /// epmd's creation for this incarnation (32-bit with ALIVE2_X_RESP, else 1..3).
    std::uint32_t creation() const;
    /// True when epmd answered ALIVE2_X_RESP (32-bit creation).
    bool extended() const;

    /// Waits until the registration ends. Completion: `void(std::error_code)` with
    /// epmd_errc::closed when epmd dropped it, or std::errc::operation_canceled when
    /// close() (or the destructor) ended it here. Completes at once (posted) if the
    /// registration already ended.
    template <class CompletionToken>
    auto async_wait_closed(CompletionToken&& token) {
        return otp::detail::async_erased<std::error_code>(
            get_executor(), [st = st_](auto cb) { start_wait_closed(st, std::move(cb)); },
            std::forward<CompletionToken>(token));
    }

    /// Unregisters by closing the connection; idempotent.
    void close() noexcept;
    /// The watching executor (the client's); throws std::logic_error when empty.
    executor_type get_executor() const;

  private:
    friend class client;
    explicit registration(std::shared_ptr<detail::registration_state> st) noexcept;
    static void start_wait_closed(const std::shared_ptr<detail::registration_state>& st,
                                  otp::detail::unique_callback<std::error_code> cb);
    std::shared_ptr<detail::registration_state> st_;
};

/// How the embedded server listens and behaves.
struct server_options {
    /// Listen address, an IPv4 or IPv6 literal. "0.0.0.0" (all IPv4 addresses) as epmd
    /// does; "::" listens on IPv6 and IPv4 both.
    std::string address = "0.0.0.0";
    /// Listen port; unset: ERL_EPMD_PORT, then 4369; 0: an ephemeral port (see port()).
    std::optional<std::uint16_t> port;
    /// Connections that are not registrations close this long after they were accepted
    /// (epmd: 60 s of idleness). Counting from the accept rather than the last byte
    /// keeps a client that trickles bytes from holding a connection forever.
    std::chrono::milliseconds idle_timeout{60000};
    /// Like `epmd -relaxed_command_check`: obey STOP, and KILL while nodes are registered.
    bool relaxed_command_check = false;
    /// Connections beyond this many are closed at once (each holds at most 3 KiB).
    std::size_t max_connections = 1024;
    /// Registrations beyond this many are refused.
    std::size_t max_nodes = 4096;
    /// Receives one line per refused request or misbehaving connection, and debug
    /// lines for registrations.
    logger_ptr logger;
};

/// An epmd inside this process that real erl nodes, `epmd -names` and clients use like
/// the real one: same requests, same replies, same refusals. Registrations live as long
/// as their connections. Opt-in: nothing listens until start().
///
/// All I/O runs on a strand of the given executor, so the executor may be run by many
/// threads. Thread safety: start() must precede other calls; port(),
/// local_endpoint(), stop() and async_wait_stopped() are then safe from any thread.
class server {
  public:
    /// The executor whose strand runs the server.
    using executor_type = boost::asio::any_io_executor;

    /// A server that will run on `ex`; it does not listen yet.
    explicit server(executor_type ex, server_options opts = {});
    /// A server on an execution context, e.g. an io_context.
    template <class ExecutionContext, class = std::enable_if_t<std::is_convertible_v<
                                          ExecutionContext&, boost::asio::execution_context&>>>
    explicit server(ExecutionContext& ctx, server_options opts = {})
        : server(executor_type(ctx.get_executor()), std::move(opts)) {}
    server(const server&) = delete;
    server& operator=(const server&) = delete;
    /// Stops the server (see stop()); in-flight handlers finish on the executor.
    ~server();

    /// Binds, listens and starts accepting. Errors: the socket's (e.g. address in use),
    /// std::errc::invalid_argument for an unparsable address.
    void start(std::error_code& ec);
    /// Binds, listens and starts accepting; throws otp::system_error.
    void start();

    /// The bound port (useful with port 0); 0 before start().
    std::uint16_t port() const noexcept;
    /// The bound address and port.
    boost::asio::ip::tcp::endpoint local_endpoint() const;

    /// Stops accepting and closes every connection, which drops all registrations.
    /// Idempotent; returns before the connections are closed (that happens on the
    /// strand).
    void stop();

    /// Waits until the server stops: by stop() or an accepted KILL_REQ. Completion:
    /// `void(std::error_code)`, success in both cases.
    template <class CompletionToken>
    auto async_wait_stopped(CompletionToken&& token) {
        return otp::detail::async_erased<std::error_code>(
            ex_, [impl = impl_](auto cb) { start_wait_stopped(impl, std::move(cb)); },
            std::forward<CompletionToken>(token));
    }

  private:
    static void start_wait_stopped(const std::shared_ptr<detail::server_impl>& impl,
                                   otp::detail::unique_callback<std::error_code> cb);
    executor_type ex_;
    std::shared_ptr<detail::server_impl> impl_;
};

}  // namespace otp::epmd

// The epmd client: one connection per request, a timer racing each one, and the
// registration connection kept open and watched. Bytes are interpreted by the pure
// epmd/client_logic code; this file only moves them.
#include <array>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <optional>
#include <vector>

#include <spdlog/logger.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "epmd/blocking_socket.hpp"
#include "epmd/client_logic.hpp"
#include "epmd/cloexec.hpp"
#include "epmd/host_addresses.hpp"
#include "epmd/host_lookup.hpp"
#include "epmd/port_please_on.hpp"
#include "io_traffic.hpp"
#include "otp/epmd.hpp"

namespace otp::epmd {
namespace detail {

using boost::asio::ip::tcp;
using otp::epmd::detail::request_kind;

/// What every request of one client needs, shared by the requests in flight.
struct client_config {
    std::string host;
    std::uint16_t port = 0;
    std::chrono::milliseconds timeout{};
    logger_ptr log;
    std::string where;  // "host:port", IPv6 literals in brackets
    // Where epmd is when that is known without a resolver (given addresses, an address
    // literal, a loopback name); empty: every request resolves `host`.
    std::vector<tcp::endpoint> endpoints;
};

/// The open ALIVE2 connection behind a registration.
struct registration_state {
    explicit registration_state(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;
    node_entry node;
    alive2_result result;
    std::shared_ptr<const client_config> cfg;
    std::atomic<bool> open{true};
    bool closed_here = false;
    std::error_code reason;
    std::uint8_t probe = 0;
    std::vector<otp::detail::unique_callback<std::error_code>> waiters;
};

namespace {

// epmd knows nodes by their alive part; accept "name@host" for convenience.
std::string_view alive_part(std::string_view name) {
    return name.substr(0, name.find('@'));
}

/// One request on its own connection: resolve (unless the endpoints are known),
/// connect, write, read until the pure reader has the reply, all raced by a timer that
/// closes the socket on expiry.
class exchange : public std::enable_shared_from_this<exchange> {
  public:
    /// Called once with the outcome; the exchange is passed so that a registration can
    /// take its socket.
    using done_fn = otp::detail::unique_callback<std::error_code, reply_value, exchange&>;

    exchange(const boost::asio::any_io_executor& ex, std::shared_ptr<const client_config> cfg,
             request_kind kind, std::vector<std::uint8_t> request, done_fn done)
        : cfg_(std::move(cfg)),
          kind_(kind),
          socket_(ex),
          timer_(ex),
          request_(std::move(request)),
          done_(std::move(done)) {}

    void start() {
        timer_.expires_after(cfg_->timeout);
        // On expiry the request ends at once, even if a step (say, a slow DNS lookup)
        // cannot be interrupted; the steps still in flight find it finished and stop.
        timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (ec || self->finished_) return;
            self->cfg_->log->debug("epmd {}: no answer within {} ms", self->cfg_->where,
                                   self->cfg_->timeout.count());
            self->finish(epmd_errc::timeout, {});
        });
        if (!cfg_->endpoints.empty()) return connect(cfg_->endpoints);
        resolver_.emplace(socket_.get_executor());
        resolver_->async_resolve(cfg_->host, std::to_string(cfg_->port),
                                 tcp::resolver::numeric_service,
                                 [self = shared_from_this()](boost::system::error_code ec,
                                                             tcp::resolver::results_type r) {
                                     self->on_resolved(ec, std::move(r));
                                 });
    }

    /// The connection, once a registration succeeded.
    tcp::socket& socket() noexcept { return socket_; }

  private:
    void on_resolved(std::error_code ec, tcp::resolver::results_type results) {
        if (finished_) return;
        if (ec) return fail(epmd_errc::unreachable, "resolving the host", ec);
        connect(results);
    }

    template <class Endpoints>
    void connect(const Endpoints& endpoints) {
        boost::asio::async_connect(
            socket_, endpoints,
            [self = shared_from_this()](boost::system::error_code ec, const tcp::endpoint&) {
                if (self->finished_) return;
                if (ec) return self->fail(epmd_errc::unreachable, "connecting", ec);
                set_cloexec(self->socket_.native_handle());
                self->write();
            });
    }

    void write() {
        boost::asio::async_write(
            socket_, boost::asio::buffer(request_),
            [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                if (self->finished_) return;
                if (ec) return self->fail(epmd_errc::closed, "writing", ec);
                otp::detail::note_traffic();
                self->read();
            });
    }

    void read() {
        constexpr std::size_t chunk = 4096;
        if (in_.size() > max_reply_size)
            return fail(epmd_errc::malformed_reply, "reading an oversized reply", {});
        const std::size_t have = in_.size();
        in_.resize(have + chunk);
        socket_.async_read_some(
            boost::asio::buffer(in_.data() + have, chunk),
            [self = shared_from_this(), have](boost::system::error_code ec, std::size_t n) {
                if (self->finished_) return;
                self->in_.resize(have + n);
                if (n > 0) otp::detail::note_traffic();
                const bool eof = ec == boost::asio::error::eof;
                if (ec && !eof) return self->fail(epmd_errc::closed, "reading", ec);
                reply_value value;
                std::error_code reply_ec;
                switch (read_reply(self->kind_, self->in_, eof, value, reply_ec)) {
                    case parse_status::need_more:
                        return self->read();
                    case parse_status::done:
                        return self->finish(reply_ec, std::move(value));
                    case parse_status::error:
                        return self->finish(reply_ec, {});
                }
            });
    }

    // A transport failure: the cause goes to the log, the caller gets `what`.
    void fail(epmd_errc what, const char* step, std::error_code cause) {
        cfg_->log->debug("epmd {}: {} failed: {}", cfg_->where, step,
                         cause ? cause.message() : make_error_code(what).message());
        finish(what, {});
    }

    void finish(std::error_code ec, reply_value value) {
        if (finished_) return;
        finished_ = true;
        timer_.cancel();
        if (resolver_) resolver_->cancel();
        // Only a successful registration keeps its connection; everything else is one
        // request per connection, as epmd expects.
        if (ec || kind_ != request_kind::alive2) {
            boost::system::error_code ignored;
            socket_.close(ignored);
        }
        if (ec) cfg_->log->debug("epmd {}: {}", cfg_->where, ec.message());
        done_(ec, std::move(value), *this);
    }

    std::shared_ptr<const client_config> cfg_;
    request_kind kind_;
    std::optional<tcp::resolver> resolver_;  // only for names that need one
    tcp::socket socket_;
    boost::asio::steady_timer timer_;
    std::vector<std::uint8_t> request_;
    std::vector<std::uint8_t> in_;
    done_fn done_;
    bool finished_ = false;
};

// Completes `cb` with an error without calling it from inside the initiating function.
template <class T>
void post_error(const boost::asio::any_io_executor& ex,
                otp::detail::unique_callback<std::error_code, T> cb, std::error_code ec) {
    boost::asio::post(ex, [cb = std::move(cb), ec]() mutable { cb(ec, T{}); });
}

// Starts a request whose reply holds a T (or nothing on error).
template <class T>
void start_exchange(const boost::asio::any_io_executor& ex,
                    const std::shared_ptr<const client_config>& cfg, request_kind kind,
                    result<std::vector<std::uint8_t>> request,
                    otp::detail::unique_callback<std::error_code, T> cb) {
    if (!request) return post_error(ex, std::move(cb), request.error());
    auto x = std::make_shared<exchange>(
        ex, cfg, kind, std::move(*request),
        [cb = std::move(cb)](std::error_code ec, reply_value v, exchange&) mutable {
            T* value = std::get_if<T>(&v);
            cb(ec, value != nullptr ? std::move(*value) : T{});
        });
    x->start();
}

// Follows the registration connection until epmd closes it or sends anything at all
// (epmd never does while the node lives), or until it is closed here.
void watch(const std::shared_ptr<registration_state>& st) {
    st->socket.async_read_some(
        boost::asio::buffer(&st->probe, 1), [st](boost::system::error_code ec, std::size_t n) {
            st->open = false;
            if (st->closed_here) {
                st->reason = std::make_error_code(std::errc::operation_canceled);
            } else {
                st->reason = epmd_errc::closed;
                st->cfg->log->warn("epmd {} dropped the registration of {} ({})", st->cfg->where,
                                   st->node.name,
                                   n > 0 ? "unexpected byte"
                                   : ec  ? ec.message()
                                         : "closed");
                boost::system::error_code ignored;
                st->socket.close(ignored);
            }
            auto waiters = std::move(st->waiters);
            for (auto& w : waiters)
                w(st->reason);
        });
}

std::shared_ptr<registration_state> make_registration(tcp::socket socket, node_entry node,
                                                      alive2_result r,
                                                      std::shared_ptr<const client_config> cfg) {
    auto st = std::make_shared<registration_state>(std::move(socket));
    st->node = std::move(node);
    st->result = r;
    st->cfg = std::move(cfg);
    st->cfg->log->debug("registered {} (port {}) with epmd {}, creation {}", st->node.name,
                        st->node.port, st->cfg->where, r.creation);
    return st;
}

// Registers and hands over the open connection, not yet watched.
void start_registration(
    const boost::asio::any_io_executor& ex, const std::shared_ptr<const client_config>& cfg,
    node_entry node,
    otp::detail::unique_callback<std::error_code, std::shared_ptr<registration_state>> cb) {
    node.name = std::string(alive_part(node.name));
    auto request = encode_alive2_request(node);
    if (!request) {
        return boost::asio::post(
            ex, [cb = std::move(cb), ec = request.error()]() mutable { cb(ec, nullptr); });
    }
    auto x = std::make_shared<exchange>(
        ex, cfg, request_kind::alive2, std::move(*request),
        [cb = std::move(cb), node = std::move(node), cfg](std::error_code ec, reply_value v,
                                                          exchange& x) mutable {
            if (ec) return cb(ec, nullptr);
            cb({}, make_registration(std::move(x.socket()), std::move(node),
                                     std::get<alive2_result>(v), cfg));
        });
    x->start();
}

// The synchronous forms (but a registration's) wait on the calling thread alone, on `s`: a
// lookup that precedes a dial costs its own system calls only (no reactor, no hand-over),
// and the dial's abort() reaches it.
template <class T>
T exchange_on(blocking_socket& s, const client_config& cfg, request_kind kind,
              result<std::vector<std::uint8_t>> request, std::error_code& ec) {
    const auto deadline = std::chrono::steady_clock::now() + cfg.timeout;
    auto fail = [&](epmd_errc what, const char* step, std::error_code cause) {
        if (cause == std::errc::timed_out) what = epmd_errc::timeout;
        cfg.log->debug("epmd {}: {} failed: {}", cfg.where, step, cause.message());
        ec = what;
        return T{};
    };
    ec = {};
    if (!request) {
        ec = request.error();
        return T{};
    }
    std::vector<tcp::endpoint> endpoints = cfg.endpoints;
    if (endpoints.empty()) {
        // Names that need a resolver: waited for within the request's time limit, as the
        // asynchronous form does.
        std::error_code rec;
        const auto found = lookup_here(cfg.host, deadline, std::make_shared<host_lookup>(), rec);
        if (rec) return fail(epmd_errc::unreachable, "resolving the host", rec);
        endpoints = endpoints_of(found, cfg.port);
    }
    if (auto e = s.connect(endpoints, deadline))
        return fail(epmd_errc::unreachable, "connecting", e);
    if (auto e = s.write_all(*request, deadline)) return fail(epmd_errc::closed, "writing", e);
    std::vector<std::uint8_t> in;
    for (;;) {
        constexpr std::size_t chunk = 4096;
        if (in.size() > max_reply_size)
            return fail(epmd_errc::malformed_reply, "reading an oversized reply",
                        make_error_code(epmd_errc::malformed_reply));
        const std::size_t have = in.size();
        in.resize(have + chunk);
        std::size_t n = 0;
        if (auto e = s.read_some({in.data() + have, chunk}, n, deadline))
            return fail(epmd_errc::closed, "reading", e);
        in.resize(have + n);
        reply_value value;
        std::error_code reply_ec;
        switch (read_reply(kind, in, n == 0, value, reply_ec)) {
            case parse_status::need_more:
                if (n == 0)
                    return fail(epmd_errc::closed, "reading", make_error_code(epmd_errc::closed));
                continue;
            case parse_status::done:
            case parse_status::error:
                ec = reply_ec;
                if (ec) cfg.log->debug("epmd {}: {}", cfg.where, ec.message());
                T* v = std::get_if<T>(&value);
                return v == nullptr ? T{} : std::move(*v);  // negative answers carry a value too
        }
    }
}

template <class T>
T exchange_here(const client_config& cfg, request_kind kind,
                result<std::vector<std::uint8_t>> request, std::error_code& ec) {
    blocking_socket s;
    return exchange_on<T>(s, cfg, kind, std::move(request), ec);
}

std::shared_ptr<const client_config> make_config(client_options opts) {
    auto cfg = std::make_shared<client_config>();
    cfg->host = opts.host.empty() ? "localhost" : std::move(opts.host);
    cfg->port = choose_port(opts.port, std::getenv("ERL_EPMD_PORT"));
    cfg->timeout = opts.timeout;
    cfg->log = logger_or_null(std::move(opts.logger));
    const bool v6_literal = cfg->host.find(':') != std::string::npos;
    cfg->where = (v6_literal ? "[" + cfg->host + "]" : cfg->host) + ":" + std::to_string(cfg->port);
    if (opts.addresses.empty())
        opts.addresses = literal_addresses(cfg->host).value_or(opts.addresses);
    cfg->endpoints = endpoints_of(opts.addresses, cfg->port);
    return cfg;
}

[[noreturn]] void throw_for(const client_config& cfg, std::error_code ec) {
    throw otp::system_error(ec, "epmd at " + cfg.where);
}

}  // namespace
}  // namespace detail

// --- client --------------------------------------------------------------------------

client::client(executor_type ex, client_options opts)
    : ex_(std::move(ex)), cfg_(detail::make_config(std::move(opts))) {}

std::string client::endpoint_text() const {
    return cfg_->where;
}

std::uint16_t client::port() const noexcept {
    return cfg_->port;
}

void client::start_register(const executor_type& ex, const config_ptr& cfg, node_entry node,
                            callback<registration> cb) {
    detail::start_registration(
        ex, cfg, std::move(node),
        [cb = std::move(cb)](std::error_code ec,
                             std::shared_ptr<detail::registration_state> st) mutable {
            if (ec) return cb(ec, registration{});
            detail::watch(st);
            cb({}, registration(std::move(st)));
        });
}

registration client::register_node(const node_entry& node, std::error_code& ec) {
    // Declared before the state so that the state's socket goes before its io_context.
    boost::asio::io_context ctx;
    std::shared_ptr<detail::registration_state> st;
    ec = {};
    detail::start_registration(
        ctx.get_executor(), cfg_, node,
        [&](std::error_code e, std::shared_ptr<detail::registration_state> s) {
            ec = e;
            st = std::move(s);
        });
    ctx.run();
    if (ec) return {};
    // The private io_context is about to go: the connection moves to the client's
    // executor, which watches it from now on.
    boost::system::error_code bec;
    const auto protocol = st->socket.local_endpoint(bec).protocol();
    boost::asio::ip::tcp::socket moved(ex_);
    if (!bec) moved.assign(protocol, st->socket.release(bec), bec);
    if (bec) {
        ec = bec;
        return {};
    }
    auto kept = std::make_shared<detail::registration_state>(std::move(moved));
    kept->node = std::move(st->node);
    kept->result = st->result;
    kept->cfg = cfg_;
    detail::watch(kept);
    return registration(std::move(kept));
}

registration client::register_node(const node_entry& node) {
    std::error_code ec;
    registration r = register_node(node, ec);
    if (ec) detail::throw_for(*cfg_, ec);
    return r;
}

void client::start_port_please(const executor_type& ex, const config_ptr& cfg, std::string name,
                               callback<node_entry> cb) {
    detail::start_exchange(ex, cfg, detail::request_kind::port_please2,
                           encode_port_please2_request(detail::alive_part(name)), std::move(cb));
}

node_entry client::port_please(std::string_view name, std::error_code& ec) {
    return detail::exchange_here<node_entry>(*cfg_, detail::request_kind::port_please2,
                                             encode_port_please2_request(detail::alive_part(name)),
                                             ec);
}

node_entry detail::port_please_on(blocking_socket& s, client_options opts, std::string_view name,
                                  std::error_code& ec) {
    return exchange_on<node_entry>(s, *make_config(std::move(opts)), request_kind::port_please2,
                                   encode_port_please2_request(alive_part(name)), ec);
}

node_entry client::port_please(std::string_view name) {
    std::error_code ec;
    node_entry n = port_please(name, ec);
    if (ec) detail::throw_for(*cfg_, ec);
    return n;
}

void client::start_names(const executor_type& ex, const config_ptr& cfg, callback<names_reply> cb) {
    detail::start_exchange(ex, cfg, detail::request_kind::names,
                           encode_simple_request(code::names_req), std::move(cb));
}

names_reply client::names(std::error_code& ec) {
    return detail::exchange_here<names_reply>(*cfg_, detail::request_kind::names,
                                              encode_simple_request(code::names_req), ec);
}

names_reply client::names() {
    std::error_code ec;
    names_reply r = names(ec);
    if (ec) detail::throw_for(*cfg_, ec);
    return r;
}

void client::start_dump(const executor_type& ex, const config_ptr& cfg, callback<dump_reply> cb) {
    detail::start_exchange(ex, cfg, detail::request_kind::dump,
                           encode_simple_request(code::dump_req), std::move(cb));
}

dump_reply client::dump(std::error_code& ec) {
    return detail::exchange_here<dump_reply>(*cfg_, detail::request_kind::dump,
                                             encode_simple_request(code::dump_req), ec);
}

dump_reply client::dump() {
    std::error_code ec;
    dump_reply r = dump(ec);
    if (ec) detail::throw_for(*cfg_, ec);
    return r;
}

void client::start_kill(const executor_type& ex, const config_ptr& cfg, callback<std::string> cb) {
    detail::start_exchange(ex, cfg, detail::request_kind::kill,
                           encode_simple_request(code::kill_req), std::move(cb));
}

std::string client::kill(std::error_code& ec) {
    return detail::exchange_here<std::string>(*cfg_, detail::request_kind::kill,
                                              encode_simple_request(code::kill_req), ec);
}

std::string client::kill() {
    std::error_code ec;
    std::string r = kill(ec);
    if (ec) detail::throw_for(*cfg_, ec);
    return r;
}

void client::start_stop(const executor_type& ex, const config_ptr& cfg, std::string name,
                        callback<std::string> cb) {
    detail::start_exchange(ex, cfg, detail::request_kind::stop,
                           encode_stop_request(detail::alive_part(name)), std::move(cb));
}

std::string client::stop(std::string_view name, std::error_code& ec) {
    return detail::exchange_here<std::string>(*cfg_, detail::request_kind::stop,
                                              encode_stop_request(detail::alive_part(name)), ec);
}

std::string client::stop(std::string_view name) {
    std::error_code ec;
    std::string r = stop(name, ec);
    if (ec) detail::throw_for(*cfg_, ec);
    return r;
}

// --- registration --------------------------------------------------------------------

registration::registration() noexcept = default;
registration::registration(std::shared_ptr<detail::registration_state> st) noexcept
    : st_(std::move(st)) {}
registration::registration(registration&&) noexcept = default;
registration& registration::operator=(registration&& other) noexcept {
    if (this != &other) {
        close();
        st_ = std::move(other.st_);
    }
    return *this;
}
registration::~registration() {
    close();
}

bool registration::is_open() const noexcept {
    return st_ && st_->open;
}

const node_entry& registration::node() const {
    if (!st_) throw std::logic_error("otp::epmd::registration: empty");
    return st_->node;
}

std::uint32_t registration::creation() const {
    if (!st_) throw std::logic_error("otp::epmd::registration: empty");
    return st_->result.creation;
}

bool registration::extended() const {
    if (!st_) throw std::logic_error("otp::epmd::registration: empty");
    return st_->result.extended;
}

registration::executor_type registration::get_executor() const {
    if (!st_) throw std::logic_error("otp::epmd::registration: empty");
    return st_->socket.get_executor();
}

void registration::close() noexcept {
    if (!st_ || !st_->open) return;
    st_->open = false;
    st_->closed_here = true;
    st_->reason = std::make_error_code(std::errc::operation_canceled);
    boost::system::error_code ignored;
    st_->socket.close(ignored);  // the watcher's read ends, completing the waiters
}

void registration::start_wait_closed(const std::shared_ptr<detail::registration_state>& st,
                                     otp::detail::unique_callback<std::error_code> cb) {
    if (st->open) {
        st->waiters.push_back(std::move(cb));
        return;
    }
    boost::asio::post(st->socket.get_executor(),
                      [cb = std::move(cb), ec = st->reason]() mutable { cb(ec); });
}

}  // namespace otp::epmd

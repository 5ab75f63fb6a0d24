// The embedded epmd server: an acceptor and one small session per connection, all on
// one strand. What to answer is decided by the pure epmd/server_logic code; sessions
// only read bytes, write replies, run the idle timer and close.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <unordered_map>

#include <spdlog/logger.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include "epmd/client_logic.hpp"
#include "epmd/cloexec.hpp"
#include "epmd/registry.hpp"
#include "epmd/server_logic.hpp"
#include "otp/epmd.hpp"

namespace otp::epmd::detail {

using boost::asio::ip::tcp;
using strand_type = boost::asio::strand<boost::asio::any_io_executor>;

class session;

/// The server's state; lives as long as the server object or any of its handlers.
class server_impl : public std::enable_shared_from_this<server_impl> {
  public:
    server_impl(const boost::asio::any_io_executor& ex, server_options opts);

    void start(std::error_code& ec);
    void stop() {
        boost::asio::post(strand_,
                          [self = shared_from_this()] { self->shutdown("asked to stop"); });
    }
    void wait_stopped(otp::detail::unique_callback<std::error_code> cb) {
        boost::asio::post(strand_, [self = shared_from_this(), cb = std::move(cb)]() mutable {
            if (self->stopped_) return cb({});
            self->stop_waiters_.push_back(std::move(cb));
        });
    }

    std::uint16_t port() const noexcept { return port_; }
    /// The configured listen address and port, for messages.
    std::string address_text() const {
        return opts_.address + " port " +
               std::to_string(epmd::detail::choose_port(opts_.port, std::getenv("ERL_EPMD_PORT")));
    }
    tcp::endpoint local_endpoint() const { return local_; }

  private:
    friend class session;

    void accept();
    void on_accept(std::error_code ec, tcp::socket socket);
    // On the strand: closes everything and completes the waiters.
    void shutdown(const char* why);
    void forget(registry::conn_id id) { sessions_.erase(id); }
    void evict(registry::conn_id id);

    strand_type strand_;
    tcp::acceptor acceptor_;
    boost::asio::steady_timer accept_retry_;
    server_options opts_;
    logger_ptr log_;
    registry registry_;
    server_policy policy_;
    std::unordered_map<registry::conn_id, std::weak_ptr<session>> sessions_;
    registry::conn_id next_id_ = 1;  // 0 means "nobody" to the registry
    bool stopped_ = false;
    std::vector<otp::detail::unique_callback<std::error_code>> stop_waiters_;
    std::atomic<std::uint16_t> port_{0};
    tcp::endpoint local_;
};

namespace {

ip_bytes to_ip_bytes(const boost::asio::ip::address& a) {
    if (a.is_v6()) return a.to_v6().to_bytes();
    return boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, a.to_v4()).to_bytes();
}

std::string endpoint_text(const tcp::endpoint& ep) {
    const auto a = ep.address();
    return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" +
           std::to_string(ep.port());
}

}  // namespace

/// One accepted connection: reads its single request, writes the answer, then closes
/// or (a registration) stays open and silent until the peer goes.
class session : public std::enable_shared_from_this<session> {
  public:
    session(std::shared_ptr<server_impl> srv, tcp::socket socket, registry::conn_id id)
        : srv_(std::move(srv)), socket_(std::move(socket)), idle_(srv_->strand_), id_(id) {}

    void start() {
        boost::system::error_code ec1, ec2;
        const tcp::endpoint peer = socket_.remote_endpoint(ec1);
        const tcp::endpoint local = socket_.local_endpoint(ec2);
        if (ec1 || ec2) return close();  // the peer left already
        peer_ = endpoint_text(peer);
        local_peer_ = is_local_peer(to_ip_bytes(peer.address()), to_ip_bytes(local.address()));
        idle_.expires_after(srv_->opts_.idle_timeout);
        idle_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (ec || self->closed_) return;
            // Idling after a refused registration is what epmd lets nodes do; idling
            // before finishing a request is a slow or stuck client.
            self->srv_->log_->log(
                self->then_ == after_reply::linger ? spdlog::level::debug : spdlog::level::warn,
                "epmd: closing {}: idle for {} ms", self->peer_,
                self->srv_->opts_.idle_timeout.count());
            self->close();
        });
        read();
    }

    /// Closes the connection and drops its registration, if any.
    void close() {
        if (closed_) return;
        closed_ = true;
        idle_.cancel();
        boost::system::error_code ignored;
        socket_.close(ignored);
        if (registered_) srv_->log_->info("epmd: unregistered {}", name_);
        srv_->registry_.connection_closed(id_);
        srv_->forget(id_);
    }

  private:
    void read() {
        socket_.async_read_some(
            boost::asio::buffer(buf_.data() + have_, buf_.size() - have_),
            [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                self->on_read(ec, n);
            });
    }

    void on_read(std::error_code ec, std::size_t n) {
        if (closed_) return;
        if (ec) {
            if (have_ > 0)
                srv_->log_->warn("epmd: closing {}: request cut short after {} bytes ({})", peer_,
                                 have_, ec.message());
            return close();
        }
        have_ += n;
        const server_input in = read_request({buf_.data(), have_});
        switch (in.status) {
            case parse_status::need_more:
                // Cannot fill up: parse_request refuses lengths that do not fit buf_.
                return read();
            case parse_status::error:
                srv_->log_->warn("epmd: closing {}: {}", peer_, in.ec.message());
                return close();
            case parse_status::done:
                break;
        }
        if (const auto* a = std::get_if<alive2_request>(&in.req)) name_ = a->node.name;
        server_decision d =
            handle_request(srv_->registry_, id_, in.req, local_peer_, srv_->policy_);
        if (!d.refusal.empty()) srv_->log_->warn("epmd: {}: {}", peer_, d.refusal);
        if (d.evict != 0) srv_->evict(d.evict);
        if (d.then == after_reply::keep_registration) {
            registered_ = true;
            srv_->log_->info("epmd: registered {} at port {} from {}", name_,
                             std::get<alive2_request>(in.req).node.port, peer_);
        }
        if (d.reply.empty()) return close();
        then_ = d.then;
        reply_ = std::move(d.reply);
        boost::asio::async_write(
            socket_, boost::asio::buffer(reply_),
            [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                self->on_written(ec);
            });
    }

    void on_written(std::error_code ec) {
        if (closed_) return;
        if (ec) return close();
        switch (then_) {
            case after_reply::close:
                return close();
            case after_reply::keep_registration:
                // A registration lasts as long as the node: no idle limit.
                idle_.cancel();
                return watch();
            case after_reply::linger:
                return watch();
            case after_reply::stop_server:
                close();
                return srv_->shutdown("KILL_REQ");
        }
    }

    // epmd treats any byte, EOF or error on a registration as the node going away.
    void watch() {
        socket_.async_read_some(
            boost::asio::buffer(&probe_, 1),
            [self = shared_from_this()](boost::system::error_code, std::size_t) { self->close(); });
    }

    std::shared_ptr<server_impl> srv_;
    tcp::socket socket_;
    boost::asio::steady_timer idle_;
    registry::conn_id id_;
    std::string peer_;
    std::string name_;
    bool local_peer_ = false;
    bool registered_ = false;
    bool closed_ = false;
    after_reply then_ = after_reply::close;
    std::array<std::uint8_t, max_request_buffer> buf_{};
    std::size_t have_ = 0;
    std::vector<std::uint8_t> reply_;
    std::uint8_t probe_ = 0;
};

namespace {
// epmd seeds creations from the wall clock so that a restarted epmd does not hand a
// re-registering node the creation its previous incarnation had.
std::uint32_t creation_seed() {
    using namespace std::chrono;
    return static_cast<std::uint32_t>(
        duration_cast<seconds>(system_clock::now().time_since_epoch()).count());
}
}  // namespace

server_impl::server_impl(const boost::asio::any_io_executor& ex, server_options opts)
    : strand_(boost::asio::make_strand(ex)),
      acceptor_(strand_),
      accept_retry_(strand_),
      opts_(std::move(opts)),
      log_(logger_or_null(opts_.logger)),
      registry_(creation_seed(), opts_.max_nodes) {
    policy_.relaxed_command_check = opts_.relaxed_command_check;
}

void server_impl::start(std::error_code& ec) {
    boost::system::error_code bec;
    const auto address = boost::asio::ip::make_address(opts_.address, bec);
    if (bec) {
        ec = std::make_error_code(std::errc::invalid_argument);
        return;
    }
    const tcp::endpoint ep(address,
                           epmd::detail::choose_port(opts_.port, std::getenv("ERL_EPMD_PORT")));
    acceptor_.open(ep.protocol(), bec);
    if (!bec) set_cloexec(acceptor_.native_handle());
    if (!bec) acceptor_.set_option(tcp::acceptor::reuse_address(true), bec);
    // "::" serves IPv4 too, so one listener covers both families.
    if (!bec && address.is_v6() && address.is_unspecified())
        acceptor_.set_option(boost::asio::ip::v6_only(false), bec);
    if (!bec) acceptor_.bind(ep, bec);
    if (!bec) acceptor_.listen(boost::asio::socket_base::max_listen_connections, bec);
    if (!bec) local_ = acceptor_.local_endpoint(bec);
    ec = bec;
    if (ec) {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        return;
    }
    port_ = local_.port();
    policy_.port = local_.port();
    log_->info("epmd: listening on {}", endpoint_text(local_));
    boost::asio::post(strand_, [self = shared_from_this()] { self->accept(); });
}

void server_impl::accept() {
    if (stopped_) return;
    // The accepted socket takes the acceptor's executor: the strand.
    acceptor_.async_accept(
        [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
            self->on_accept(ec, std::move(socket));
        });
}

void server_impl::on_accept(std::error_code ec, tcp::socket socket) {
    if (stopped_) return;
    if (ec) {
        // Typically out of file descriptors: wait a little rather than spin.
        log_->warn("epmd: accept failed: {}", ec.message());
        accept_retry_.expires_after(std::chrono::milliseconds(100));
        accept_retry_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (!ec) self->accept();
        });
        return;
    }
    if (sessions_.size() >= opts_.max_connections) {
        boost::system::error_code ignored;
        const auto peer = socket.remote_endpoint(ignored);
        log_->warn("epmd: closing {}: more than {} connections", endpoint_text(peer),
                   opts_.max_connections);
        socket.close(ignored);
    } else {
        set_cloexec(socket.native_handle());
        const registry::conn_id id = next_id_++;
        auto s = std::make_shared<session>(shared_from_this(), std::move(socket), id);
        sessions_.emplace(id, s);
        s->start();
    }
    accept();
}

void server_impl::evict(registry::conn_id id) {
    const auto it = sessions_.find(id);
    if (it == sessions_.end()) return;
    if (auto s = it->second.lock()) s->close();
}

void server_impl::shutdown(const char* why) {
    if (stopped_) return;
    stopped_ = true;
    log_->info("epmd: stopping ({})", why);
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_.cancel();
    // close() erases from the map, so walk a copy.
    std::vector<std::shared_ptr<session>> live;
    for (auto& [id, w] : sessions_)
        if (auto s = w.lock()) live.push_back(std::move(s));
    for (auto& s : live)
        s->close();
    sessions_.clear();
    auto waiters = std::move(stop_waiters_);
    for (auto& w : waiters)
        w({});
}

}  // namespace otp::epmd::detail

namespace otp::epmd {

server::server(executor_type ex, server_options opts)
    : ex_(std::move(ex)), impl_(std::make_shared<detail::server_impl>(ex_, std::move(opts))) {}

server::~server() {
    impl_->stop();
}

void server::start(std::error_code& ec) {
    impl_->start(ec);
}

void server::start() {
    std::error_code ec;
    impl_->start(ec);
    if (ec) throw otp::system_error(ec, "epmd server on " + impl_->address_text());
}

std::uint16_t server::port() const noexcept {
    return impl_->port();
}

boost::asio::ip::tcp::endpoint server::local_endpoint() const {
    return impl_->local_endpoint();
}

void server::stop() {
    impl_->stop();
}

void server::start_wait_stopped(const std::shared_ptr<detail::server_impl>& impl,
                                otp::detail::unique_callback<std::error_code> cb) {
    impl->wait_stopped(std::move(cb));
}

}  // namespace otp::epmd

// The runtime's life cycle and its connections: start-up (name, cookie, listener,
// epmd), accepting and dialling through the handshake driver with net_kernel's
// decisions, and shutdown.
#include <netdb.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <future>
#include <limits>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "epmd/cloexec.hpp"
#include "epmd/host_addresses.hpp"
#include "handshake/driver.hpp"
#include "node/cookie_file.hpp"
#include "node/dial_resolver.hpp"
#include "node/random.hpp"
#include "node/runtime.hpp"
#include "node/spin_wait.hpp"

namespace otp::node_detail {
namespace {

using tcp = boost::asio::ip::tcp;

// Runs the Erlang handshake on `sock`, or with TLS on `tls` once the TLS handshake
// (client when dialling, server when accepting) is done; both within `limit` per step.
template <class Fsm>
void start_handshake(const std::shared_ptr<tcp::socket>& sock,
                     const std::shared_ptr<dist::tls_stream>& tls, Fsm fsm,
                     std::chrono::milliseconds limit, handshake::decide_fn decide,
                     handshake::handshake_done done) {
    if (!tls)
        return handshake::driver<tcp::socket, Fsm>::start(*sock, std::move(fsm), limit,
                                                          std::move(decide), std::move(done));
    constexpr auto role = std::is_same_v<Fsm, handshake::initiator_fsm>
                              ? boost::asio::ssl::stream_base::client
                              : boost::asio::ssl::stream_base::server;
    dist::async_tls_handshake(
        tls, role, limit,
        [tls, fsm = std::move(fsm), limit, decide = std::move(decide),
         done = std::move(done)](std::error_code ec) mutable {
            if (ec) return done(ec, handshake_result{});
            // TLS alerts can still come inside the Erlang handshake (TLS 1.3 judges the
            // client's certificate after the client thinks it is done).
            auto map_io = [tls](const boost::system::error_code& e) {
                const std::error_code r = dist::tls_stream_error(e, *tls);
                return r == dist_errc::closed ? make_error_code(handshake_errc::closed) : r;
            };
            handshake::driver<dist::tls_stream, Fsm>::start(
                *tls, std::move(fsm), limit, std::move(decide), std::move(done), map_io);
        });
}

// The otpcpp-only check: the peer's certificate names the host of the node it claims.
bool names_node(dist::tls_stream& tls, const std::string& node_name) {
    const auto at = node_name.find('@');
    return at != std::string::npos &&
           dist::peer_certificate_names_host(tls, node_name.substr(at + 1));
}

// Counts connections still flushing at shutdown; the closing thread waits on it.
class flush_latch {
  public:
    explicit flush_latch(std::size_t n) : left_(n) {}
    void count_down() {
        std::lock_guard lock(mu_);
        if (left_ > 0 && --left_ == 0) cv_.notify_all();
    }
    void wait_for(std::chrono::milliseconds limit) {
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, limit, [&] { return left_ == 0; });
    }

  private:
    std::mutex mu_;
    std::condition_variable cv_;
    std::size_t left_;
};

// This machine's name as erl picks it: the short name is the host name up to the
// first dot; the long name is the fully qualified name.
std::string this_host(name_mode mode) {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
    std::string host = buf;
    if (mode == name_mode::short_names) return host.substr(0, host.find('.'));
    if (host.find('.') != std::string::npos) return host;
    addrinfo hints{};
    hints.ai_flags = AI_CANONNAME;
    addrinfo* res = nullptr;
    if (::getaddrinfo(host.c_str(), nullptr, &hints, &res) == 0 && res) {
        if (res->ai_canonname && std::strchr(res->ai_canonname, '.')) host = res->ai_canonname;
        ::freeaddrinfo(res);
    }
    return host;
}

}  // namespace

std::uint64_t offered_flags(bool hidden) noexcept {
    std::uint64_t f = dflag::mandatory_otp26 | dflag::dist_monitor | dflag::dist_monitor_name |
                      dflag::exit_payload | dflag::send_sender | dflag::big_seqtrace_labels |
                      dflag::mandatory_25_digest | dflag::dist_hdr_atom_cache | dflag::fragments |
                      dflag::alias | dflag::spawn | dflag::small_atom_tags | dflag::unicode_io;
    if (!hidden) f |= dflag::published;
    return f;
}

std::uint64_t required_flags() noexcept {
    return dflag::mandatory_otp26;
}

runtime::runtime(node_options opts) : opts_(std::move(opts)), log_(logger_or_null(opts_.logger)) {}

runtime::~runtime() {
    shutdown();
}

result<std::shared_ptr<runtime>> runtime::start(node_options opts) {
    std::shared_ptr<runtime> rt(new runtime(std::move(opts)));
    if (auto ec = rt->init()) {
        rt->shutdown();
        return ec;
    }
    return rt;
}

std::error_code runtime::init() {
    mode_ = opts_.long_names ? name_mode::long_names : name_mode::short_names;
    std::string given = opts_.name.empty() ? "otpcpp_" + std::to_string(::getpid()) : opts_.name;
    auto nn = parse_node_name(given, mode_, this_host(mode_));
    if (!nn) return nn.error();
    if (opts_.cookie) {
        cookie_ = *opts_.cookie;
    } else {
        auto cf = load_default_cookie();
        if (!cf) return cf.error();
        if (cf->readable_by_others)
            log_->warn("node: cookie file {} is readable by others", cf->path);
        cookie_ = cf->cookie;
    }

    if (opts_.tls) {
        std::string why;
        auto t = dist::tls_config::make(*opts_.tls, why);
        if (!t) {
            log_->error("node {}: TLS settings refused: {}", nn->full(), why);
            return t.error();
        }
        tls_ = std::move(*t);
        for (const auto& i : opts_.tls->ignored)
            log_->info("node {}: TLS option {} ({} list) has no effect: {}", nn->full(), i.option,
                       to_string(i.role), i.reason);
    }
    if (opts_.executor) {
        ex_ = *opts_.executor;
    } else {
        own_io_ = std::make_shared<boost::asio::io_context>();
        ex_ = own_io_->get_executor();
        complete_in_reader_ = opts_.io_threads <= 1;
    }
    if (auto ec = listen()) return ec;

    std::uint32_t creation = 0;
    if (opts_.register_with_epmd) {
        epmd::client_options eo;
        eo.host = opts_.epmd_host;
        eo.port = opts_.epmd_port;
        eo.timeout = opts_.setup_time;
        eo.logger = log_;
        epmd_ = std::make_unique<epmd::client>(ex_, eo);
        epmd::node_entry entry;
        entry.name = nn->alive;
        entry.port = port_;
        entry.node_type = opts_.hidden ? epmd::node_type_hidden : epmd::node_type_normal;
        std::error_code ec;
        registration_ = epmd_->register_node(entry, ec);
        if (ec) {
            log_->error("node {}: epmd registration failed: {}", nn->full(), ec.message());
            return ec;
        }
        creation = registration_.creation();
    } else {
        do {
            creation = random_u32();
        } while (creation == 0);
    }
    std::uint64_t seed = (std::uint64_t{random_u32()} << 32) | random_u32();
    ids_ = std::make_unique<id_source>(atom(nn->full()), creation, seed);
    resolver_ = std::make_unique<dial_resolver>(nn->host);
    std::error_code pec;
    poller_ = dist::dist_poller::create(ex_, pec);
    if (pec) {
        log_->error("node {}: no epoll set for connections: {}", nn->full(), pec.message());
        return pec;
    }
    pool_ = std::make_unique<boost::asio::thread_pool>(std::max(1u, opts_.function_threads));
    running_ = true;
    start_services();
    accept_next();
    if (own_io_) {
        const unsigned n = std::max(1u, opts_.io_threads);
        for (unsigned i = 0; i < n; ++i)
            threads_.emplace_back([io = own_io_.get(), spin = opts_.spin_wait] {
                auto guard = boost::asio::make_work_guard(*io);
                node_detail::run_io_thread(*io, spin);
            });
    }
    log_->info("node {} up on port {} (creation {})", nn->full(), port_, creation);
    return {};
}

std::error_code runtime::listen() {
    boost::system::error_code ec;
    auto addr = opts_.listen_address.empty()
                    ? boost::asio::ip::address(boost::asio::ip::address_v6::any())
                    : boost::asio::ip::make_address(opts_.listen_address, ec);
    if (ec) return ec;
    acceptor_ = std::make_unique<tcp::acceptor>(ex_);
    auto try_port = [&](std::uint16_t port) -> boost::system::error_code {
        boost::system::error_code e;
        tcp::endpoint ep(addr, port);
        acceptor_->close(e);
        e = {};
        acceptor_->open(ep.protocol(), e);
        if (e && opts_.listen_address.empty()) {
            // No IPv6 here: every IPv4 interface instead.
            addr = boost::asio::ip::address_v4::any();
            ep = tcp::endpoint(addr, port);
            e = {};
            acceptor_->open(ep.protocol(), e);
        }
        if (e) return e;
        epmd::detail::set_cloexec(acceptor_->native_handle());
        acceptor_->set_option(tcp::acceptor::reuse_address(true), e);
        if (ep.protocol() == tcp::v6()) acceptor_->set_option(boost::asio::ip::v6_only(false), e);
        e = {};
        acceptor_->bind(ep, e);
        if (!e) acceptor_->listen(boost::asio::socket_base::max_listen_connections, e);
        return e;
    };
    const std::uint16_t lo = opts_.listen_port_min;
    const std::uint16_t hi = std::max(opts_.listen_port_min, opts_.listen_port_max);
    for (std::uint32_t p = lo; p <= hi; ++p) {
        ec = try_port(static_cast<std::uint16_t>(p));
        if (!ec) break;
    }
    if (ec) {
        log_->error("node: cannot listen on {}:{}-{}: {}", addr.to_string(), lo, hi, ec.message());
        return ec;
    }
    port_ = acceptor_->local_endpoint().port();
    return {};
}

std::pair<std::string, std::string> runtime::cookies_for(const std::string& peer) const {
    auto it = opts_.peer_cookies.find(peer);
    const std::string& c = it == opts_.peer_cookies.end() ? cookie_ : it->second;
    return {c, c};
}

std::shared_ptr<dist::connection> runtime::open_connection(dist::dist_stream stream,
                                                           handshake_result hs) {
    if (opts_.dist_recv_buffer != 0) {
        boost::system::error_code ec;
        stream.socket().set_option(
            boost::asio::socket_base::receive_buffer_size(static_cast<int>(
                std::min<std::size_t>(opts_.dist_recv_buffer, std::numeric_limits<int>::max()))),
            ec);
        if (ec)
            log_->warn("node {}: cannot set the receive buffer of the connection to {}: {}",
                       name().name(), std::string(hs.peer_name), ec.message());
    }
    dist::connection_options o;
    o.net_ticktime = opts_.net_ticktime;
    o.busy_limit = opts_.dist_buf_busy_limit;
    o.log = log_;
    o.decoder.header_format = (hs.flags & (dflag::dist_hdr_atom_cache | dflag::fragments)) != 0;
    o.decoder.fragments = (hs.flags & dflag::fragments) != 0;
    o.decoder.direct_control = true;
    // Large binaries reference the packet they came in (a buffer of their own size)
    // instead of being copied out of it; small ones are copied, so that the read
    // buffer is reused.
    o.decoder.terms.zero_copy = true;
    o.decoder.terms.zero_copy_min = 64 * 1024;
    o.poller = poller_;
    o.read_coalescing = opts_.read_coalescing;
    o.spin_wait = opts_.spin_wait;
    return std::make_shared<dist::connection>(std::move(stream), std::move(hs), o,
                                              shared_from_this());
}

// --- accepting -----------------------------------------------------------------------

void runtime::accept_next() {
    // With TLS the TCP socket lives inside its TLS stream; `sock` points at it and
    // keeps the stream alive, so the plain and TLS paths hold sockets alike.
    // Each accepted socket is used on a strand of its own, as a dial's is: shutdown()
    // closes it there, never beside on_accepted() on another I/O thread.
    const boost::asio::any_io_executor strand = boost::asio::make_strand(ex_);
    std::shared_ptr<dist::tls_stream> tls = tls_ ? tls_->server_stream(strand) : nullptr;
    auto sock = tls ? std::shared_ptr<tcp::socket>(tls, &tls->next_layer())
                    : std::make_shared<tcp::socket>(strand);
    acceptor_->async_accept(
        *sock, [self = shared_from_this(), sock, tls](const boost::system::error_code& ec) {
            if (ec) {
                if (ec == boost::asio::error::operation_aborted || !self->running_) return;
                self->log_->warn("node {}: accept failed: {}", self->name().name(), ec.message());
            } else {
                boost::asio::dispatch(sock->get_executor(),
                                      [self, sock, tls] { self->on_accepted(sock, tls); });
            }
            if (self->running_) self->accept_next();
        });
}

void runtime::on_accepted(std::shared_ptr<tcp::socket> sock,
                          std::shared_ptr<dist::tls_stream> tls) {
    {
        lock_t lock(mu_);
        if (!running_) return;
        handshaking_.insert(sock);
    }
    epmd::detail::set_cloexec(sock->native_handle());
    boost::system::error_code ignored;
    sock->set_option(tcp::no_delay(true), ignored);
    handshake::acceptor_config cfg;
    cfg.our_name = name().name();
    cfg.our_flags = offered_flags(opts_.hidden);
    cfg.our_creation = creation();
    cfg.challenge = random_u32();
    cfg.required_flags = required_flags();
    cfg.frame.length_width = tls ? 4 : 2;
    auto attempt = std::make_shared<attempt_id>(0);
    auto peer_name = std::make_shared<atom>();
    start_handshake(
        sock, tls, handshake::acceptor_fsm(cfg), opts_.setup_time,
        [weak = weak_from_this(), attempt, peer_name, tls](handshake::acceptor_fsm& fsm) {
            handshake::acceptor_decision d;
            auto self = weak.lock();
            if (!self) {
                d.status = handshake_status::not_allowed;
                return d;
            }
            const std::string& peer = fsm.result().peer_name;
            std::tie(d.cookie, d.peer_cookie) = self->cookies_for(peer);
            if (fsm.peer_wants_name()) {
                // Dynamic names are not given out: we are not a name server.
                d.status = handshake_status::not_allowed;
                return d;
            }
            if (tls && self->tls_->verify_node_name() && !names_node(*tls, peer)) {
                self->log_->warn("node {}: refusing {}: {}", self->name().name(), peer,
                                 make_error_code(tls_errc::node_name_mismatch).message());
                d.status = handshake_status::not_allowed;
                return d;
            }
            std::function<void()> abort;
            {
                lock_t lock(self->mu_);
                if (!self->running_) {
                    d.status = handshake_status::not_allowed;
                    return d;
                }
                *peer_name = atom(peer);
                *attempt = (attempt_id{1} << 63) | self->next_accept_++;
                auto dec = self->registry_.on_accept(*peer_name, self->name(), *attempt);
                d.status = dec.status;
                if (dec.drop) d.status = handshake_status::nok;
                if (dec.superseded) {
                    // ok_simultaneous: our own attempt gives way to this one.
                    auto it = self->peers_.find(*peer_name);
                    if (it != self->peers_.end() && it->second.dial_attempt == *dec.superseded) {
                        abort = std::move(it->second.dial_abort);
                        it->second.dial_attempt = 0;
                    }
                }
            }
            if (abort) abort();
            return d;
        },
        [weak = weak_from_this(), sock, tls, attempt, peer_name](std::error_code ec,
                                                                 handshake_result hs) {
            auto self = weak.lock();
            if (!self) return;
            {
                lock_t lock(self->mu_);
                self->handshaking_.erase(sock);
            }
            if (ec) {
                ++self->refused_;
                self->log_->warn(
                    "node {}: handshake from {} failed: {}", self->name().name(),
                    peer_name->name().empty() ? std::string("unknown node") : peer_name->name(),
                    ec.message());
                if (*attempt) self->finish_attempt(*peer_name, *attempt, ec, nullptr);
                return;
            }
            auto conn = self->open_connection(
                tls ? dist::dist_stream(tls) : dist::dist_stream(std::move(*sock)), std::move(hs));
            self->finish_attempt(*peer_name, *attempt, {}, std::move(conn));
        });
}

// --- dialling --------------------------------------------------------------------------

result<node_name> runtime::dial_target(atom node) const {
    auto nn = parse_node_name(node.name(), mode_, "");
    if (nn && nn->host.empty()) return make_error_code(node_errc::bad_node_name);
    return nn;
}

bool runtime::claim_dial(atom node, attempt_id attempt, std::function<void()> abort) {
    {
        // An accepted connection from the node may have superseded this attempt before
        // it started. finish_attempt takes mu_ itself, so it runs after the unlock.
        lock_t lock(mu_);
        auto it = peers_.find(node);
        if (it != peers_.end() && it->second.dial_attempt == attempt) {
            it->second.dial_abort = std::move(abort);
            return true;
        }
    }
    finish_attempt(node, attempt, make_error_code(handshake_errc::nok), nullptr);
    return false;
}

bool runtime::still_dialling(atom node, attempt_id attempt) const {
    lock_t lock(mu_);
    auto it = peers_.find(node);
    return running_ && it != peers_.end() && it->second.dial_attempt == attempt;
}

epmd::client_options runtime::epmd_options(const node_name& peer,
                                           std::vector<boost::asio::ip::address> addresses) const {
    epmd::client_options eo;
    eo.host = peer.host;
    eo.addresses = std::move(addresses);
    eo.port = opts_.epmd_port;
    eo.timeout = opts_.setup_time;
    eo.logger = log_;
    return eo;
}

handshake::initiator_config runtime::initiator_config_for(atom node, attempt_id attempt, bool tls) {
    handshake::initiator_config cfg;
    cfg.our_name = name().name();
    cfg.our_flags = offered_flags(opts_.hidden);
    cfg.our_creation = creation();
    cfg.peer_name = node.name();
    std::tie(cfg.cookie, cfg.peer_cookie) = cookies_for(std::string(node.name()));
    cfg.challenge = random_u32();
    cfg.required_flags = required_flags();
    cfg.frame.length_width = tls ? 4 : 2;
    // The peer holds a connection from us (we restarted, or it has not seen the old
    // one drop): replace it only if this attempt is still the one we want.
    cfg.still_pending = [weak = weak_from_this(), node, attempt] {
        auto self = weak.lock();
        return self && self->still_dialling(node, attempt);
    };
    return cfg;
}

std::optional<std::error_code> runtime::dial_failed(atom node, attempt_id attempt,
                                                    std::error_code ec, const char* what) {
    ++refused_;
    log_->warn("node {}: cannot connect to {}: {}: {}", name().name(), node.name(), what,
               ec.message());
    return finish_attempt(node, attempt, ec, nullptr);
}

std::optional<std::error_code> runtime::dial_handshake_ended(
    atom node, attempt_id attempt, std::error_code ec, handshake_result hs,
    const std::function<dist::dist_stream()>& stream, bool start_here) {
    if (ec == handshake_errc::nok) {
        // Losing a simultaneous connect is no failure: the peer's own attempt is on its
        // way to us and takes over this attempt's place (and its waiting senders) when
        // it arrives. Only if it never comes does this attempt fail.
        log_->debug("node {}: {} answered nok", name().name(), node.name());
        auto timer = std::make_shared<boost::asio::steady_timer>(ex_, opts_.setup_time);
        timer->async_wait([weak = weak_from_this(), timer, node,
                           attempt](const boost::system::error_code&) {
            if (auto rt = weak.lock())
                rt->finish_attempt(node, attempt, make_error_code(handshake_errc::nok), nullptr);
        });
        return std::nullopt;
    }
    if (ec) {
        ++refused_;
        log_->warn("node {}: handshake with {} failed: {}", name().name(), node.name(),
                   ec.message());
        return finish_attempt(node, attempt, ec, nullptr);
    }
    auto conn = open_connection(stream(), std::move(hs));
    const bool started = start_here && conn->start_here();
    return finish_attempt(node, attempt, {}, std::move(conn), started);
}

void runtime::start_dial(atom node, attempt_id attempt) {
    auto nn = dial_target(node);
    if (!nn) return (void)finish_attempt(node, attempt, nn.error(), nullptr);
    // The dial's socket lives on a strand: the accept path may close it (ok_simultaneous)
    // from another I/O thread, and Asio sockets are not thread-safe.
    const auto strand = boost::asio::make_strand(ex_);
    std::shared_ptr<dist::tls_stream> tls = tls_ ? tls_->client_stream(strand, nn->host) : nullptr;
    auto sock = tls ? std::shared_ptr<tcp::socket>(tls, &tls->next_layer())
                    : std::make_shared<tcp::socket>(strand);
    const bool claimed = claim_dial(node, attempt, [sock] {
        boost::asio::post(sock->get_executor(), [sock] {
            boost::system::error_code ignored;
            sock->close(ignored);
        });
    });
    if (!claimed) return;
    // Pending steps hold the runtime weakly: a node closing does not wait for them.
    auto self = weak_from_this();
    auto fail = [self, node, attempt](std::error_code ec, const char* what) {
        if (auto rt = self.lock()) rt->dial_failed(node, attempt, ec, what);
    };
    // The steps, last first. Every use of the socket runs on its strand.
    auto connect_node = [self, sock, tls, node, attempt, fail,
                         limit = opts_.setup_time](std::vector<tcp::endpoint> eps) {
        boost::asio::dispatch(sock->get_executor(), [self, sock, tls, node, attempt, fail, limit,
                                                     eps = std::move(eps)] {
            // SYNs that go unanswered (a firewall, a full backlog) would hold the dial
            // for the system's retries, minutes; net_setuptime bounds it in erl too.
            // Both handlers run on the socket's strand.
            struct deadline {
                boost::asio::steady_timer timer;
                bool settled = false, expired = false;
            };
            auto d = std::make_shared<deadline>(deadline{{sock->get_executor(), limit}});
            d->timer.async_wait([sock, d](const boost::system::error_code& ec) {
                if (ec || d->settled) return;
                d->expired = true;
                boost::system::error_code ignored;
                sock->close(ignored);
            });
            boost::asio::async_connect(
                *sock, eps,
                [self, sock, tls, node, attempt, fail, d](const boost::system::error_code& ec,
                                                          const tcp::endpoint&) {
                    d->settled = true;
                    d->timer.cancel();
                    if (d->expired) return fail(node_errc::unreachable, "connect timed out");
                    if (ec) return fail(node_errc::unreachable, "connect");
                    if (auto rt = self.lock()) rt->handshake_dial(sock, tls, node, attempt);
                });
        });
    };
    auto ask_epmd = [self, fail, connect_node, peer = *nn](address_list addresses) {
        auto rt = self.lock();
        if (!rt) return;
        epmd::client(rt->ex_, rt->epmd_options(peer, addresses))
            .async_port_please(peer.alive, [self, fail, connect_node, host = peer.host,
                                            addresses = std::move(addresses)](
                                               std::error_code ec, epmd::node_entry entry) {
                if (ec == epmd_errc::not_found) return fail(node_errc::unreachable, "epmd lookup");
                if (ec) {
                    // Perhaps the addresses are stale: the next dial looks them up again.
                    if (auto rt = self.lock()) rt->resolver_->failed(host);
                    return fail(ec, "epmd lookup");
                }
                connect_node(epmd::detail::endpoints_of(addresses, entry.port));
            });
    };
    // The host is resolved once and its addresses serve both epmd and the node, as erl
    // and ei do: at most one resolver round trip per dial (see dial_resolver).
    resolver_->resolve(ex_, nn->host, opts_.setup_time,
                       [fail, ask_epmd](std::error_code ec, address_list addresses) {
                           if (ec) return fail(node_errc::unreachable, "resolve");
                           ask_epmd(std::move(addresses));
                       });
}

void runtime::handshake_dial(std::shared_ptr<tcp::socket> sock,
                             std::shared_ptr<dist::tls_stream> tls, atom node, attempt_id attempt) {
    // An incoming connection from the same node may have taken this attempt's place
    // while we looked the node up (ok_simultaneous): then the peer must not see a
    // second handshake, which it would take for a restart (`alive`).
    if (!still_dialling(node, attempt)) {
        boost::system::error_code ignored;
        sock->close(ignored);
        finish_attempt(node, attempt, make_error_code(handshake_errc::nok), nullptr);
        return;
    }
    epmd::detail::set_cloexec(sock->native_handle());
    boost::system::error_code ignored;
    sock->set_option(tcp::no_delay(true), ignored);
    start_handshake(
        sock, tls, handshake::initiator_fsm(initiator_config_for(node, attempt, tls != nullptr)),
        opts_.setup_time, nullptr,
        [weak = weak_from_this(), sock, tls, node, attempt](std::error_code ec,
                                                            handshake_result hs) {
            if (auto self = weak.lock())
                self->dial_handshake_ended(node, attempt, ec, std::move(hs), [&] {
                    return tls ? dist::dist_stream(tls) : dist::dist_stream(std::move(*sock));
                });
        });
}

// --- shutdown ----------------------------------------------------------------------------

bool runtime::on_io_thread() const noexcept {
    const auto me = std::this_thread::get_id();
    for (const auto& t : threads_)
        if (t.get_id() == me) return true;
    return false;
}

void runtime::shutdown() {
    std::vector<std::shared_ptr<dist::connection>> conns;
    std::vector<std::shared_ptr<mailbox_state>> procs;
    std::vector<std::shared_ptr<tcp::socket>> dialing;  // accepted, in their handshake
    std::vector<std::function<void()>> dial_aborts;
    {
        lock_t lock(mu_);
        const bool was_running = running_.exchange(false);
        if (was_running) log_->info("node {} shutting down", name().name());
        if (guard_timer_) guard_timer_->cancel();
        for (auto& [n, p] : peers_) {
            if (p.conn) conns.push_back(p.conn);
            if (p.dial_abort) dial_aborts.push_back(std::move(p.dial_abort));
            // Sends waiting for a dial that will not finish now.
            unreachable_ += p.pending.size();
            p.pending.clear();
            for (auto& w : p.waiters)
                boost::asio::post(ex_, [w = std::move(w)]() mutable {
                    w(make_error_code(node_errc::node_closed));
                });
            p.waiters.clear();
        }
        for (auto& [k, p] : procs_)
            procs.push_back(p);
        dialing.insert(dialing.end(), handshaking_.begin(), handshaking_.end());
        handshaking_.clear();
        for (auto& p : procs)
            close_locked(p, atom("shutdown"));
    }
    // What mailboxes sent before close() still goes out (as a BEAM node's exit
    // flushes its distribution buffers), within opts_.close_flush_time.
    auto flushed = std::make_shared<flush_latch>(conns.size());
    if (ex_) {
        // Socket operations belong on the executor; wait for them there.
        std::promise<void> done;
        auto closer = [&] {
            boost::system::error_code e;
            if (acceptor_) acceptor_->close(e);
            for (auto& abort : dial_aborts)
                abort();
            // An accepted socket is used on its own strand only.
            for (auto& s : dialing)
                boost::asio::post(s->get_executor(), [s] {
                    boost::system::error_code ignored;
                    s->close(ignored);
                });
            registration_.close();
            for (auto& c : conns)
                c->close_after_flush(make_error_code(node_errc::node_closed),
                                     opts_.close_flush_time, [flushed] { flushed->count_down(); });
            done.set_value();
        };
        if (own_io_ && !threads_.empty() && !on_io_thread()) {
            boost::asio::post(ex_, closer);
            done.get_future().wait();
            flushed->wait_for(opts_.close_flush_time + std::chrono::seconds(1));
        } else {
            closer();
        }
    }
    if (own_io_ && !threads_.empty() && !on_io_thread()) {
        // Let the closes run, then stop whatever is still waiting (epmd lookups,
        // handshakes in progress) rather than wait out their timeouts.
        std::promise<void> drained;
        boost::asio::post(ex_, [&] { drained.set_value(); });
        drained.get_future().wait();
        own_io_->stop();
        for (auto& t : threads_)
            t.join();
        threads_.clear();
        // Completions already due (receivers told mailbox_closed) still run.
        own_io_->restart();
        own_io_->poll();
    }
    // The connections are closed or closing; their poller ends with the executor's
    // next turn (or with the executor, when that does not run any more).
    if (poller_ && ex_) boost::asio::post(ex_, [p = poller_] { p->close(); });
    if (pool_) {
        // Functions still running finish; queued ones are dropped with the node.
        pool_->stop();
        pool_->join();
    }
    {
        lock_t lock(mu_);
        // Break the connection ↔ runtime cycles of anything that did not close in time,
        // and drop function calls that never started (they hold the runtime).
        pool_.reset();
        peers_.clear();
        procs_.clear();
        names_.clear();
        aliases_.clear();
    }
}

}  // namespace otp::node_detail

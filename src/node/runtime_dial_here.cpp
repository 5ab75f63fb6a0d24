// connect() dialling on the calling thread: resolve, epmd lookup, TCP connect and the
// handshake each wait on the caller's own sockets (see runtime::dial_here). A dial run
// by the I/O thread instead costs two thread hand-overs, a reactor registration per
// socket, timers and the I/O thread's spinning between the steps; for a caller that
// blocks anyway, that was about half of what a connection cost the client.
#include <unistd.h>

#include <algorithm>
#include <utility>

#include <boost/asio/strand.hpp>

#include "epmd/blocking_socket.hpp"
#include "epmd/host_addresses.hpp"
#include "epmd/port_please_on.hpp"
#include "handshake/blocking_driver.hpp"
#include "node/dial_resolver.hpp"
#include "node/runtime.hpp"

namespace otp::node_detail {

std::optional<std::error_code> runtime::dial_here(atom node, attempt_id attempt,
                                                  std::chrono::steady_clock::time_point deadline) {
    using clock = std::chrono::steady_clock;
    auto nn = dial_target(node);
    if (!nn) return finish_attempt(node, attempt, nn.error(), nullptr);
    auto sock = std::make_shared<epmd::detail::blocking_socket>();
    sock->spin_before_waiting(opts_.spin_wait);
    auto resolving = std::make_shared<dial_resolver::wait>();
    if (!claim_dial(node, attempt, [sock, resolving] {
            resolving->cancel();
            sock->abort();
        }))
        return std::nullopt;
    // The caller's deadline ends the attempt (for every sender waiting on it): the
    // thread that would go on with it is the caller's.
    auto step_end = [&] { return std::min(deadline, clock::now() + opts_.setup_time); };
    // abort() came: an accepted attempt superseded this one (it decides for the waiters,
    // as after `nok`), or the node is closing.
    auto aborted = [&] {
        return running_ ? make_error_code(handshake_errc::nok)
                        : make_error_code(node_errc::node_closed);
    };

    std::error_code ec;
    const address_list addresses = resolver_->resolve_here(nn->host, step_end(), resolving, ec);
    if (ec == std::errc::operation_canceled)
        return finish_attempt(node, attempt, aborted(), nullptr);
    if (ec) return dial_failed(node, attempt, node_errc::unreachable, "resolve");

    auto eo = epmd_options(*nn, addresses);
    eo.timeout = std::max(std::chrono::milliseconds(1),
                          std::chrono::ceil<std::chrono::milliseconds>(step_end() - clock::now()));
    // On the attempt's socket, so that an abort ends the lookup too.
    const epmd::node_entry entry =
        epmd::detail::port_please_on(*sock, std::move(eo), nn->alive, ec);
    if (ec && sock->aborted()) return finish_attempt(node, attempt, aborted(), nullptr);
    if (ec == epmd_errc::not_found)
        return dial_failed(node, attempt, node_errc::unreachable, "epmd lookup");
    if (ec) {
        // Perhaps the addresses are stale: the next dial looks them up again.
        resolver_->failed(nn->host);
        return dial_failed(node, attempt, ec, "epmd lookup");
    }

    ec = sock->connect(epmd::detail::endpoints_of(addresses, entry.port), step_end());
    if (ec == std::errc::operation_canceled)
        return finish_attempt(node, attempt, aborted(), nullptr);
    if (ec == std::errc::timed_out)
        return dial_failed(node, attempt, node_errc::unreachable, "connect timed out");
    if (ec) return dial_failed(node, attempt, node_errc::unreachable, "connect");
    // As in handshake_dial: a peer that took this attempt's place meanwhile must not
    // see a second handshake.
    if (!still_dialling(node, attempt)) return finish_attempt(node, attempt, aborted(), nullptr);
    sock->set_no_delay();

    handshake::initiator_fsm fsm(initiator_config_for(node, attempt, false));
    ec = handshake::run_blocking(*sock, fsm, opts_.setup_time, deadline);
    if (ec == std::errc::operation_canceled) ec = aborted();
    const auto stream = [&] {
        // The connection's socket is Asio's, on the node's executor, like a dialled one.
        boost::asio::ip::tcp::socket s(boost::asio::make_strand(ex_));
        const int fd = sock->release();
        boost::system::error_code bec;
        s.assign(sock->protocol(), fd, bec);
        if (bec) ::close(fd);  // the connection then finds no socket and closes
        return dist::dist_stream(std::move(s));
    };
    return dial_handshake_ended(node, attempt, ec,
                                ec ? handshake_result{} : std::move(fsm.result()), stream, true);
}

}  // namespace otp::node_detail

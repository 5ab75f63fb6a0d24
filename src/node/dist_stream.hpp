// The byte stream under one distribution connection: plain TCP or TLS over TCP. The
// connection's reader, writer and ticks are the same code for both; only the calls
// that touch the stream go through visit().
#pragma once

#include <memory>
#include <utility>
#include <variant>

#include <boost/asio/ip/tcp.hpp>

#include "node/tls_transport.hpp"

namespace otp::dist {

/// A connected stream, owned by one connection. Not thread-safe (use it on the
/// connection's strand).
class dist_stream {
  public:
    using tcp_socket = boost::asio::ip::tcp::socket;

    /// Plain TCP.
    explicit dist_stream(tcp_socket s) : s_(std::move(s)) {}
    /// TLS, its handshake done.
    explicit dist_stream(std::shared_ptr<tls_stream> s) : s_(std::move(s)) {}

    /// Calls `f` with the stream to read and write (a tcp_socket& or a tls_stream&).
    template <class F>
    decltype(auto) visit(F&& f) {
        if (auto* tls = std::get_if<std::shared_ptr<tls_stream>>(&s_)) return f(**tls);
        return f(std::get<tcp_socket>(s_));
    }
    /// The TCP socket underneath, for options, shutdown and close.
    tcp_socket& socket() noexcept {
        if (auto* tls = std::get_if<std::shared_ptr<tls_stream>>(&s_)) return (*tls)->next_layer();
        return std::get<tcp_socket>(s_);
    }
    /// The TLS stream, or nullptr for plain TCP.
    tls_stream* tls() noexcept {
        auto* tls = std::get_if<std::shared_ptr<tls_stream>>(&s_);
        return tls ? tls->get() : nullptr;
    }

  private:
    std::variant<tcp_socket, std::shared_ptr<tls_stream>> s_;
};

}  // namespace otp::dist

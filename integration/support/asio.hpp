// Asio helpers for integration tests: running an io_context until a condition holds,
// and raw TCP clients that send arbitrary bytes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace otp::itest {

/// Runs handlers of `ctx` until `pred` holds or `timeout` passes; returns pred(). Works
/// while other work (a registration's watcher) keeps the context busy forever.
bool run_until(boost::asio::io_context& ctx, const std::function<bool()>& pred,
               std::chrono::milliseconds timeout);

/// A blocking TCP connection to host:port for sending raw bytes (garbage, truncated
/// requests) and reading what comes back. Not thread-safe.
class raw_client {
  public:
    /// Connects; throws boost::system::system_error on failure.
    raw_client(const std::string& host, std::uint16_t port);
    /// Sends bytes as they are.
    void send(std::string_view bytes);
    /// Sends an epmd request: u16 length then the body.
    void send_request(std::string_view body);
    /// Reads until the peer closes or `timeout` passes. `closed` tells which.
    std::string read_all(std::chrono::milliseconds timeout, bool* closed = nullptr);
    /// The underlying socket.
    boost::asio::ip::tcp::socket& socket() noexcept { return socket_; }

  private:
    boost::asio::io_context ctx_;
    boost::asio::ip::tcp::socket socket_;
};

}  // namespace otp::itest

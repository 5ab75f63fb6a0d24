// Asio helpers for integration tests.
#include "support/asio.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace otp::itest {

bool run_until(boost::asio::io_context& ctx, const std::function<bool()>& pred,
               std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred() && std::chrono::steady_clock::now() < deadline) {
        if (ctx.stopped()) ctx.restart();
        ctx.run_one_for(std::chrono::milliseconds(20));
    }
    return pred();
}

raw_client::raw_client(const std::string& host, std::uint16_t port) : socket_(ctx_) {
    boost::asio::ip::tcp::resolver r(ctx_);
    boost::asio::connect(socket_, r.resolve(host, std::to_string(port)));
}

void raw_client::send(std::string_view bytes) {
    boost::asio::write(socket_, boost::asio::buffer(bytes.data(), bytes.size()));
}

void raw_client::send_request(std::string_view body) {
    std::string framed;
    framed.push_back(static_cast<char>(body.size() >> 8));
    framed.push_back(static_cast<char>(body.size() & 0xFF));
    framed.append(body);
    send(framed);
}

std::string raw_client::read_all(std::chrono::milliseconds timeout, bool* closed) {
    std::string out;
    char buf[4096];
    bool eof = false;
    bool done = false;
    boost::asio::steady_timer timer(ctx_, timeout);
    timer.async_wait([&](boost::system::error_code ec) {
        if (!ec) done = true;
    });
    std::function<void()> read = [&] {
        socket_.async_read_some(boost::asio::buffer(buf),
                                [&](boost::system::error_code ec, std::size_t n) {
                                    out.append(buf, n);
                                    if (ec == boost::asio::error::operation_aborted) return;
                                    if (ec) {
                                        eof = true;
                                        done = true;
                                        return;
                                    }
                                    read();
                                });
    };
    read();
    ctx_.restart();
    while (!done && ctx_.run_one() > 0) {
    }
    // Leave no handler behind that refers to this frame.
    timer.cancel();
    if (!eof) socket_.cancel();
    ctx_.restart();
    ctx_.run();
    if (closed != nullptr) *closed = eof;
    return out;
}

}  // namespace otp::itest

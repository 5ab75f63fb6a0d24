// Runs a handshake state machine over an Asio stream: moves its bytes, enforces a
// deadline on every step (OTP's net_setuptime), and reports one outcome. The same
// driver serves plain TCP and TLS streams; only the framing width differs.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <type_traits>

#include <boost/asio/error.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "handshake/acceptor_fsm.hpp"
#include "handshake/initiator_fsm.hpp"
#include "io_traffic.hpp"
#include "otp/detail/async.hpp"

namespace otp::handshake {

/// Called on step::decide with the acceptor (peer name and flags known); returns the
/// runtime's answer. Runs on the stream's executor.
using decide_fn = std::function<acceptor_decision(acceptor_fsm&)>;

/// Completion of a handshake: the error, or the established connection's facts.
using handshake_done = otp::detail::unique_callback<std::error_code, handshake_result>;

/// Turns a stream's I/O error into the handshake's (e.g. TLS alerts into tls_errc);
/// empty: EOF and resets are handshake_errc::closed, the rest is passed on.
using io_error_fn = std::function<std::error_code(const boost::system::error_code&)>;

/// One handshake in progress. Keeps itself alive until it completes; the stream must
/// outlive it. Not thread-safe: use it from the stream's executor (or strand).
template <class Stream, class Fsm>
class driver : public std::enable_shared_from_this<driver<Stream, Fsm>> {
  public:
    /// Starts the handshake; `done` is called exactly once, never from inside start().
    static void start(Stream& stream, Fsm fsm, std::chrono::milliseconds step_timeout,
                      decide_fn decide, handshake_done done, io_error_fn map_io = nullptr) {
        auto d = std::shared_ptr<driver>(
            new driver(stream, std::move(fsm), step_timeout, std::move(decide), std::move(done)));
        d->map_io_ = std::move(map_io);
        boost::asio::post(stream.get_executor(), [d] { d->run(d->fsm_.resume({})); });
    }

  private:
    driver(Stream& s, Fsm fsm, std::chrono::milliseconds t, decide_fn decide, handshake_done done)
        : stream_(s),
          fsm_(std::move(fsm)),
          timer_(s.get_executor()),
          timeout_(t),
          decide_(std::move(decide)),
          done_(std::move(done)) {}

    void run(step s) {
        for (;;) {
            switch (s.what) {
                case step::kind::write:
                    return write(s.bytes);
                case step::kind::read:
                    return read();
                case step::kind::decide:
                    if constexpr (std::is_same_v<Fsm, acceptor_fsm>) {
                        s = fsm_.decide(decide_(fsm_));
                        continue;
                    } else {
                        return finish(make_error_code(handshake_errc::bad_message));
                    }
                case step::kind::done:
                    return finish({});
                case step::kind::failed:
                    return finish(s.error);
            }
        }
    }

    // Every network step gets its own deadline, as OTP resets its timer per step.
    void arm() {
        timer_.expires_after(timeout_);
        timer_.async_wait([self = this->shared_from_this()](const boost::system::error_code& ec) {
            if (ec || self->finished_) return;
            self->timed_out_ = true;
            boost::system::error_code ignored;
            self->stream_.lowest_layer().cancel(ignored);
        });
    }

    void write(std::span<const std::uint8_t> bytes) {
        arm();
        boost::asio::async_write(
            stream_, boost::asio::buffer(bytes.data(), bytes.size()),
            [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                if (ec) return self->finish(self->io_error(ec));
                otp::detail::note_traffic();
                self->run(self->fsm_.resume({}));
            });
    }

    void read() {
        arm();
        stream_.async_read_some(
            boost::asio::buffer(buf_),
            [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                if (ec) return self->finish(self->io_error(ec));
                otp::detail::note_traffic();
                self->run(self->fsm_.resume({self->buf_.data(), n}));
            });
    }

    std::error_code io_error(const boost::system::error_code& ec) const {
        if (timed_out_) return make_error_code(handshake_errc::timeout);
        if (map_io_) return map_io_(ec);
        if (ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset)
            return make_error_code(handshake_errc::closed);
        return ec;
    }

    void finish(std::error_code ec) {
        if (finished_) return;
        finished_ = true;
        timer_.cancel();
        done_(ec, ec ? handshake_result{} : std::move(fsm_.result()));
    }

    Stream& stream_;
    Fsm fsm_;
    boost::asio::steady_timer timer_;
    std::chrono::milliseconds timeout_;
    decide_fn decide_;
    handshake_done done_;
    io_error_fn map_io_;
    std::array<std::uint8_t, 1024> buf_{};
    bool timed_out_ = false;
    bool finished_ = false;
};

}  // namespace otp::handshake

// Runs the initiator's handshake state machine on a socket the calling thread waits on
// itself (epmd::detail::blocking_socket), as ei does: a node's connect() dials this way,
// without its I/O thread. The asynchronous driver (driver.hpp) serves every other case.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <system_error>

#include "handshake/initiator_fsm.hpp"

namespace otp::handshake {

/// Runs `fsm` to its end over `socket`: each write or read within `step_limit` (OTP's
/// net_setuptime, per step) and all before `deadline`. `Socket` has write_all(bytes,
/// deadline) and read_some(into, n, deadline) returning std::error_code, timed_out on
/// expiry and n 0 when the peer closed. Returns the fsm's outcome, the I/O error
/// (handshake_errc::timeout, closed), or what the socket reported otherwise.
template <class Socket>
std::error_code run_blocking(Socket& socket, initiator_fsm& fsm,
                             std::chrono::milliseconds step_limit,
                             std::chrono::steady_clock::time_point deadline) {
    auto io_error = [](std::error_code ec) {
        if (ec == std::errc::timed_out) return make_error_code(handshake_errc::timeout);
        if (ec == std::errc::connection_reset || ec == std::errc::broken_pipe)
            return make_error_code(handshake_errc::closed);
        return ec;
    };
    std::array<std::uint8_t, 1024> buf{};
    step s = fsm.resume({});
    for (;;) {
        const auto until = std::min(deadline, std::chrono::steady_clock::now() + step_limit);
        switch (s.what) {
            case step::kind::write:
                if (auto ec = socket.write_all(s.bytes, until)) return io_error(ec);
                s = fsm.resume({});
                break;
            case step::kind::read: {
                std::size_t n = 0;
                if (auto ec = socket.read_some(buf, n, until)) return io_error(ec);
                if (n == 0) return make_error_code(handshake_errc::closed);
                s = fsm.resume({buf.data(), n});
                break;
            }
            case step::kind::decide:  // the acceptor's step
                return make_error_code(handshake_errc::bad_message);
            case step::kind::done:
                return {};
            case step::kind::failed:
                return s.error;
        }
    }
}

}  // namespace otp::handshake

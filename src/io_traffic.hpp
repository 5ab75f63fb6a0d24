// Whether the calling thread has moved bytes of a peer's traffic (a read or a write on
// a connection, a handshake or an epmd exchange). An I/O thread that did expects the
// answer or the next packet soon and polls for it before it sleeps
// (node_options::spin_wait); one that only ran timers or closed sockets sleeps at once,
// leaving the processor to the threads that have work (a busy peer on the same machine).
#pragma once

namespace otp::detail {

/// Set by note_traffic(); cleared by the thread that reads it.
inline thread_local bool traffic_moved = false;

/// Records that the calling thread read or wrote a peer's bytes.
inline void note_traffic() noexcept {
    traffic_moved = true;
}

}  // namespace otp::detail

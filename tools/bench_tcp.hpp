// Raw loopback TCP, the machine's ceiling for the benchmark's byte patterns: plain
// POSIX sockets between two threads of this process, no Erlang encoding, no runtime.
// Frames are a u32 length and the bytes; the receiving thread reads every byte.
#pragma once

#include "bench_report.hpp"

namespace otp::cli::bench {

/// bigbin's pattern: N x (one frame of `size` bytes, then wait for a 4-byte ack the
/// reader sends once it has read the whole frame). Reports mb_per_s (10^6 bytes).
report run_tcp_bigbin(long n, long size);

/// The same bytes streamed one way: N frames back to back, one ack at the end.
report run_tcp_stream(long n, long size);

/// pingpong's pattern: N sequential round trips of a `size`-byte frame and its ack,
/// each timed. Reports rt_per_s, rtt_median_us, rtt_p99_us.
report run_tcp_pingpong(long n, long size);

}  // namespace otp::cli::bench

// The request/reply workloads driven from the node's own I/O thread with
// mailbox::async_receive instead of a blocking receive on the caller's thread: each
// reply's handler sends the next request, so a round trip involves no hand-over
// between threads (as in a single-threaded ei client). The same checks and metrics as
// the blocking forms in bench_workloads.cpp. (receive has no async form: handling each
// of a stream of messages in its own handler on the I/O thread measured slower than
// the blocking pipeline, 79k against 139k msgs/s, and queued 85 MB.)
#pragma once

#include "bench_report.hpp"
#include "bench_workloads.hpp"

namespace otp::cli::bench {

/// W3 pingpong, async style.
report run_pingpong_async(const client_setup& s, mailbox& mb);
/// W4 bigbin, async style.
report run_bigbin_async(const client_setup& s, mailbox& mb);
/// W5 rpc with the bare rex message (client_setup::rpc_raw), async style.
report run_rpc_async(const client_setup& s, mailbox& mb);

}  // namespace otp::cli::bench

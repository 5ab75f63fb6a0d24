// cpp-idle: heap and RSS of one node per idle connection and per idle mailbox.
#include "bench_scale.hpp"

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <thread>
#include <vector>

#include "bench_fleet.hpp"
#include "otp/node.hpp"

namespace otp::cli::bench {
namespace {

using namespace std::chrono_literals;

/// What this process holds at one moment.
struct memory_sample {
    long long heap = 0;  // bytes malloc handed out and not freed, mmapped chunks included
    long long rss = 0;   // resident bytes
};

memory_sample sample() {
    memory_sample s;
    const struct mallinfo2 m = ::mallinfo2();
    s.heap = static_cast<long long>(m.uordblks + m.hblkhd);
    std::ifstream statm("/proc/self/statm");
    long long size = 0, resident = 0;
    if (statm >> size >> resident) s.rss = resident * ::sysconf(_SC_PAGESIZE);
    return s;
}

double per(long long before, long long after, long count) {
    return static_cast<double>(after - before) / static_cast<double>(count);
}

// A connection is one descriptor on each side, and the client process also holds
// each client node's listening socket: ~2 per connection there, plus a few dozen
// (epmd, the standard streams, the io_context's own).
void raise_fd_limit(long connections) {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) throw run_error("getrlimit(RLIMIT_NOFILE) failed");
    const auto needed = static_cast<rlim_t>(2 * connections + 64);
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < needed)
        throw run_error("cpp-idle with " + std::to_string(connections) + " connections needs " +
                        std::to_string(needed) + " file descriptors; the hard limit is " +
                        std::to_string(rl.rlim_max) + " (raise it: ulimit -Hn, limits.conf)");
    // The soft limit up to the hard one, as erl does; both processes inherit it.
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? needed : rl.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &rl) != 0)
        throw run_error("cannot raise the limit to " + std::to_string(rl.rlim_cur) +
                        " file descriptors");
}

node_options hub_options(const idle_setup& s, std::uint16_t epmd_port) {
    node_options o;
    o.name = "hub@localhost";
    o.cookie = s.cookie;
    o.epmd_port = epmd_port;
    o.hidden = true;
    o.logger = s.logger;
    return o;
}

// Waits until the hub lists `n` connections (the accepting side may register the
// last ones a moment after the clients saw them up).
bool await_connections(const node& hub, long n, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (static_cast<long>(hub.nodes().size()) < n) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

// Empty when nodes() is exactly the clients and each answers a ping over its
// connection; else what is wrong.
std::string check_connections(node& hub, long n, std::chrono::milliseconds timeout) {
    const auto up = hub.nodes();
    const std::set<atom> listed(up.begin(), up.end());
    if (static_cast<long>(listed.size()) != n)
        return "the hub lists " + std::to_string(listed.size()) + " nodes, not " +
               std::to_string(n);
    for (long i = 1; i <= n; ++i) {
        const atom client(client_fleet::client_name(i));
        if (!listed.contains(client)) return std::string(client.name()) + " is not connected";
        if (!hub.ping(client, timeout)) return std::string(client.name()) + " did not answer";
    }
    return {};
}

// Empty when every mailbox receives the message sent to it; else the first that did not.
std::string check_mailboxes(node& hub, std::vector<mailbox>& boxes) {
    mailbox probe = hub.create_mailbox();
    for (std::size_t i = 0; i < boxes.size(); ++i)
        probe.send(boxes[i].self(), term(static_cast<long>(i)));
    for (std::size_t i = 0; i < boxes.size(); ++i) {
        auto r = boxes[i].receive(1s);
        if (!r || r->message != term(static_cast<long>(i)))
            return "mailbox " + std::to_string(i) + " did not receive its message";
    }
    return {};
}

}  // namespace

report run_idle(const idle_setup& s) {
    raise_fd_limit(s.connections);
    fleet_options f;
    f.clients = s.connections;
    f.cookie = s.cookie;
    f.timeout = s.timeout;
    f.logger = s.logger;
    // Forked first, while this process has one thread; destroyed last, after the hub.
    client_fleet fleet(f);
    node hub(hub_options(s, fleet.epmd_port()));
    report r;
    stopwatch total;

    // Settled: the hub's own start-up is not counted.
    std::this_thread::sleep_for(100ms);
    const memory_sample idle_hub = sample();
    stopwatch connecting;
    fleet.connect_all(std::string(hub.name().name()), s.timeout);
    if (!await_connections(hub, s.connections, s.timeout))
        throw run_error("the hub lists " + std::to_string(hub.nodes().size()) + " of " +
                        std::to_string(s.connections) + " connections");
    const double connect_secs = connecting.secs();
    // Handshake leftovers are freed on the hub's I/O thread a moment after nodeup.
    std::this_thread::sleep_for(300ms);
    const memory_sample connected = sample();

    // Empty handles first, so that the vector's own memory is not counted per mailbox.
    std::vector<mailbox> boxes(static_cast<std::size_t>(s.mailboxes));
    const memory_sample before_boxes = sample();
    for (auto& b : boxes)
        b = hub.create_mailbox();
    const memory_sample with_boxes = sample();

    std::string wrong = check_connections(hub, s.connections, s.timeout);
    if (wrong.empty()) wrong = check_mailboxes(hub, boxes);
    r.workload = "cpp-idle";
    r.secs = total.secs();
    r.ok = wrong.empty();
    r.error = wrong;
    r.add_int("connections", s.connections);
    r.add_int("mailboxes", s.mailboxes);
    // Under a sanitizer's allocator glibc's mallinfo2 sees nothing: the heap figures
    // are then left out (and said to be), the RSS ones still stand.
    const bool heap_measured = idle_hub.heap > 0;
    r.add_str("heap_measured", heap_measured ? "yes" : "no");
    if (heap_measured)
        r.add("bytes_per_connection", per(idle_hub.heap, connected.heap, s.connections), 0);
    r.add("rss_bytes_per_connection", per(idle_hub.rss, connected.rss, s.connections), 0);
    if (heap_measured)
        r.add("bytes_per_mailbox", per(before_boxes.heap, with_boxes.heap, s.mailboxes), 0);
    r.add("rss_bytes_per_mailbox", per(before_boxes.rss, with_boxes.rss, s.mailboxes), 0);
    r.add_int("mailbox_handle_bytes", static_cast<long long>(sizeof(mailbox)));
    if (heap_measured) r.add_int("idle_hub_heap_bytes", idle_hub.heap);
    r.add_int("idle_hub_rss_kb", idle_hub.rss / 1024);
    r.add("connect_secs", connect_secs, 3);
    return r;
}

}  // namespace otp::cli::bench

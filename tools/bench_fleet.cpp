// The cpp-idle workload's client nodes, in a child process.
#include "bench_fleet.hpp"

#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "bench_local.hpp"
#include "bench_report.hpp"
#include "otp/node.hpp"

namespace otp::cli::bench {
namespace {

using clock_type = std::chrono::steady_clock;

// MSG_NOSIGNAL: a peer that is gone is an error here, not a SIGPIPE that ends us.
bool write_line(int fd, std::string line) {
    line += '\n';
    std::size_t done = 0;
    while (done < line.size()) {
        const ssize_t n = ::send(fd, line.data() + done, line.size() - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

enum class line_status { line, eof, timeout };

// The next '\n'-terminated line from `fd` into `line`, keeping bytes past it in
// `buffered`; waits until `deadline` (time_point::max(): for ever).
line_status next_line(int fd, std::string& buffered, std::string& line,
                      clock_type::time_point deadline) {
    for (;;) {
        if (const auto nl = buffered.find('\n'); nl != std::string::npos) {
            line = buffered.substr(0, nl);
            buffered.erase(0, nl + 1);
            return line_status::line;
        }
        int wait_ms = -1;
        if (deadline != clock_type::time_point::max()) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
            if (left.count() <= 0) return line_status::timeout;
            wait_ms = static_cast<int>(left.count());
        }
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, wait_ms);
        if (ready < 0 && errno == EINTR) continue;
        if (ready == 0) return line_status::timeout;
        char buf[512];
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return line_status::eof;
        buffered.append(buf, static_cast<std::size_t>(n));
    }
}

// fork() copies only the calling thread: any other thread's locks (malloc's, the
// logger's) could be held for ever in the child.
std::size_t thread_count() {
    std::error_code ec;
    std::size_t n = 0;
    for (std::filesystem::directory_iterator it("/proc/self/task", ec), end; !ec && it != end;
         it.increment(ec))
        ++n;
    return n;
}

// The io_context the client nodes share, run by one thread until destruction.
class io_runner {
  public:
    io_runner() : guard_(io_.get_executor()), thread_([this] { io_.run(); }) {}
    io_runner(const io_runner&) = delete;
    io_runner& operator=(const io_runner&) = delete;
    ~io_runner() {
        guard_.reset();
        io_.stop();
        thread_.join();
    }
    boost::asio::any_io_executor executor() { return io_.get_executor(); }

  private:
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    std::thread thread_;
};

// Reports the failure to the parent and ends the child at once: no destructors, as
// tearing down a thousand half-set-up nodes helps nobody.
[[noreturn]] void child_fail(int fd, const std::string& why) {
    write_line(fd, "error " + why);
    ::_exit(1);
}

// The child's whole life: epmd up, port reported; on "connect HUB", every client node
// started and connected, "connected" reported; then idle until the parent hangs up.
[[noreturn]] void child_main(int fd, const fleet_options& o) {
    try {
        local_epmd epmd;
        if (!write_line(fd, "port " + std::to_string(epmd.port()))) ::_exit(1);
        std::string buffered, line;
        if (next_line(fd, buffered, line, clock_type::time_point::max()) != line_status::line ||
            !line.starts_with("connect "))
            ::_exit(1);
        const atom hub(line.substr(8));
        io_runner io;
        std::vector<std::unique_ptr<node>> clients;
        clients.reserve(static_cast<std::size_t>(o.clients));
        for (long i = 1; i <= o.clients; ++i) {
            node_options opts;
            opts.name = client_fleet::client_name(i);
            opts.cookie = o.cookie;
            opts.epmd_port = epmd.port();
            opts.hidden = true;
            opts.register_with_epmd = false;  // clients dial; nobody looks them up
            opts.executor = io.executor();
            opts.function_threads = 1;  // the fewest a node takes
            opts.logger = o.logger;
            std::error_code ec;
            clients.push_back(std::make_unique<node>(opts, ec));
            if (ec) child_fail(fd, "cannot start " + opts.name + ": " + ec.message());
            if ((ec = clients.back()->connect(hub, o.timeout)))
                child_fail(fd, opts.name + " cannot connect to " + std::string(hub.name()) + ": " +
                                   ec.message());
        }
        write_line(fd, "connected");
        while (next_line(fd, buffered, line, clock_type::time_point::max()) == line_status::line) {
        }
    } catch (const std::exception& e) {
        child_fail(fd, e.what());
    }
    ::_exit(0);
}

}  // namespace

client_fleet::client_fleet(const fleet_options& o) {
    if (const auto threads = thread_count(); threads != 1)
        throw run_error("the client process must be forked before any thread starts (" +
                        std::to_string(threads) + " threads run)");
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        throw run_error("socketpair failed");
    // Buffered output would be written twice, once by each process.
    std::fflush(nullptr);
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) {
        ::close(sv[0]);
        ::close(sv[1]);
        throw run_error("fork failed");
    }
    if (pid_ == 0) {
        ::close(sv[0]);
        // Nobody is left to kill us if the parent dies before its destructor runs.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(1);
        child_main(sv[1], o);
    }
    ::close(sv[1]);
    sock_ = sv[0];
    try {
        const std::string line = read_line(std::chrono::seconds(10));
        if (!line.starts_with("port ")) throw run_error("client process: " + line);
        epmd_port_ = static_cast<std::uint16_t>(std::stoi(line.substr(5)));
    } catch (...) {
        end_child();
        throw;
    }
}

client_fleet::~client_fleet() {
    end_child();
}

void client_fleet::end_child() noexcept {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
        }
        pid_ = -1;
    }
    if (sock_ >= 0) ::close(sock_);
    sock_ = -1;
}

void client_fleet::connect_all(const std::string& hub, std::chrono::milliseconds timeout) {
    if (!write_line(sock_, "connect " + hub)) throw run_error("the client process is gone");
    const std::string line = read_line(timeout);
    if (line != "connected") throw run_error("client process: " + line);
}

std::string client_fleet::client_name(long i) {
    return "c" + std::to_string(i) + "@localhost";
}

std::string client_fleet::read_line(std::chrono::milliseconds timeout) {
    std::string line;
    switch (next_line(sock_, buffered_, line, clock_type::now() + timeout)) {
        case line_status::line:
            return line;
        case line_status::timeout:
            throw run_error("the client process did not answer within " +
                            std::to_string(timeout.count()) + " ms");
        case line_status::eof:
            break;
    }
    throw run_error("the client process exited");
}

}  // namespace otp::cli::bench

// Child processes, ports and names for integration tests.
#include "support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

extern char** environ;

namespace otp::itest {

std::uint16_t free_port() {
    boost::asio::io_context ctx;
    boost::asio::ip::tcp::acceptor a(ctx, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

std::string random_cookie() {
    std::random_device rd;
    std::uniform_int_distribution<int> hex(0, 15);
    std::string c = "c";
    for (int i = 0; i < 16; ++i)
        c.push_back("0123456789abcdef"[hex(rd)]);
    return c;
}

std::string unique_name(std::string_view stem) {
    static std::atomic<unsigned> counter{0};
    return std::string(stem) + "_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
}

std::string short_hostname() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) throw std::runtime_error("gethostname failed");
    std::string h(buf);
    return h.substr(0, h.find('.'));
}

std::optional<std::string> find_program(const std::string& name) {
    if (name.find('/') != std::string::npos)
        return ::access(name.c_str(), X_OK) == 0 ? std::optional(name) : std::nullopt;
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return std::nullopt;
}

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        if (pred()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return pred();
        std::this_thread::sleep_for(poll);
    }
}

bool port_accepts(std::uint16_t port) {
    boost::asio::io_context ctx;
    boost::asio::ip::tcp::socket s(ctx);
    boost::system::error_code ec;
    s.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
    return !ec;
}

logger_ptr test_logger() {
    const char* level = std::getenv("OTPCPP_TEST_LOG");
    if (level == nullptr) return nullptr;
    auto log =
        std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    const std::string_view l(level);
    log->set_level(l == "debug"  ? spdlog::level::debug
                   : l == "info" ? spdlog::level::info
                                 : spdlog::level::warn);
    return log;
}

namespace {

std::string temp_file(const char* tag) {
    const char* dir = std::getenv("TMPDIR");
    std::string path =
        std::string(dir != nullptr ? dir : "/tmp") + "/otpcpp-itest-" + tag + "-XXXXXX";
    const int fd = ::mkstemp(path.data());
    if (fd < 0) throw std::runtime_error("mkstemp: " + std::string(std::strerror(errno)));
    ::close(fd);
    return path;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

process::process(std::vector<std::string> argv, const env_map& env) {
    if (argv.empty()) throw std::invalid_argument("process: empty argv");
    const auto exe = find_program(argv[0]);
    if (!exe) throw std::runtime_error("process: " + argv[0] + " not found in PATH");
    for (const auto& a : argv)
        command_ += (command_.empty() ? "" : " ") + a;

    // Everything the child needs is prepared before fork: between fork and exec only
    // async-signal-safe calls are allowed (the test process has threads).
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string_view kv(*e);
        if (!env.contains(std::string(kv.substr(0, kv.find('='))))) env_strings.emplace_back(kv);
    }
    for (const auto& [k, v] : env)
        env_strings.push_back(k + "=" + v);
    std::vector<char*> envp, args;
    for (auto& s : env_strings)
        envp.push_back(s.data());
    envp.push_back(nullptr);
    for (auto& a : argv)
        args.push_back(a.data());
    args.push_back(nullptr);

    out_path_ = temp_file("out");
    err_path_ = temp_file("err");
    const int in_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    const int out_fd = ::open(out_path_.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    const int err_fd = ::open(err_path_.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (in_fd < 0 || out_fd < 0 || err_fd < 0)
        throw std::runtime_error("process: cannot open redirections");
    const pid_t parent = ::getpid();
    // Fallback bound for closing inherited descriptors one by one.
    rlimit nofile{};
    const int max_fd = ::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < 65536
                           ? static_cast<int>(nofile.rlim_cur)
                           : 65536;

    pid_ = ::fork();
    if (pid_ == 0) {
        // Own process group, so that the destructor's kill reaches grandchildren
        // (erl's erl_child_setup) too; SIGKILL if the test process dies first.
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);
        ::dup2(in_fd, 0);
        ::dup2(out_fd, 1);
        ::dup2(err_fd, 2);
        // Asio's sockets are not close-on-exec: a child holding a copy of a test's
        // socket would keep that connection open after the test closes it.
#ifdef SYS_close_range
        if (::syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
#endif
            for (int fd = 3; fd < max_fd; ++fd)
                ::close(fd);
        ::execve(exe->c_str(), args.data(), envp.data());
        ::_exit(127);
    }
    const int fork_errno = errno;
    ::close(in_fd);
    ::close(out_fd);
    ::close(err_fd);
    if (pid_ < 0) throw std::runtime_error("fork: " + std::string(std::strerror(fork_errno)));
    // Also from the parent, so the group exists before anyone signals it.
    ::setpgid(pid_, pid_);
}

process::~process() {
    if (pid_ > 0 && !status_) {
        // The group id stays reserved while the leader is unreaped, so this kill can only
        // reach our own children.
        ::kill(-pid_, SIGKILL);
        ::kill(pid_, SIGKILL);
        int st = 0;
        while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
        }
    }
    ::unlink(out_path_.c_str());
    ::unlink(err_path_.c_str());
}

bool process::reap_if_exited() {
    if (status_) return true;
    siginfo_t info{};
    // Look without reaping first: while the leader is a zombie its PID (and group id)
    // cannot be reused, so killing the leftover group is still safe.
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
        info.si_pid != pid_)
        return false;
    ::kill(-pid_, SIGKILL);
    int st = 0;
    while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
    }
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return true;
}

bool process::running() {
    return !reap_if_exited();
}

void process::signal(int sig) {
    if (!status_) ::kill(pid_, sig);
}

std::optional<int> process::wait_exit(std::chrono::milliseconds timeout) {
    wait_until([&] { return reap_if_exited(); }, timeout, 10ms);
    return status_;
}

std::string process::out() const {
    return read_file(out_path_);
}

std::string process::err() const {
    return read_file(err_path_);
}

bool process::wait_for_output(std::string_view needle, std::chrono::milliseconds timeout) {
    return wait_until([&] { return out().find(needle) != std::string::npos || !running(); },
                      timeout) &&
           out().find(needle) != std::string::npos;
}

real_epmd::real_epmd(bool relaxed_command_check) {
    for (int attempt = 0; attempt < 5; ++attempt) {
        port_ = free_port();
        std::vector<std::string> argv = {"epmd", "-port", std::to_string(port_)};
        if (relaxed_command_check) argv.emplace_back("-relaxed_command_check");
        proc_ = std::make_unique<process>(argv);
        // Up when it accepts; gone when another program had taken the port (which may
        // be what accepted, hence the second look a moment later).
        if (wait_until([&] { return port_accepts(port_) || !proc_->running(); }, 5s) &&
            proc_->running() && !proc_->wait_exit(50ms))
            return;
        proc_.reset();
    }
    throw std::runtime_error("could not start epmd on a free port");
}

env_map real_epmd::env() const {
    return {{"ERL_EPMD_PORT", std::to_string(port_)}};
}

std::vector<std::string> erl_args(const std::string& sname, const std::string& cookie,
                                  std::vector<std::string> extra) {
    std::vector<std::string> a = {"erl",  "-sname",   sname,         "-setcookie",
                                  cookie, "-noinput", "-start_epmd", "false"};
    a.insert(a.end(), std::make_move_iterator(extra.begin()), std::make_move_iterator(extra.end()));
    return a;
}

}  // namespace otp::itest

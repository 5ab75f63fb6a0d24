// Finding, reading and creating the cookie file.
#include "node/cookie_file.hpp"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "node/node_name.hpp"

namespace otp::node_detail {
namespace {

// 0: read, 1: missing, -1: exists but unusable.
int read_file(const std::string& path, cookie_file& out, std::error_code& ec) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return errno == ENOENT ? 1 : (ec = node_errc::cookie_file, -1);
    if (!S_ISREG(st.st_mode)) {
        ec = node_errc::cookie_file;
        return -1;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        ec = node_errc::cookie_file;
        return -1;
    }
    const std::string contents{std::istreambuf_iterator<char>(in),
                               std::istreambuf_iterator<char>()};
    auto c = parse_cookie(contents);
    if (!c) {
        ec = c.error();
        return -1;
    }
    out.cookie = std::move(*c);
    out.path = path;
    out.readable_by_others = (st.st_mode & 077) != 0;
    return 0;
}

std::error_code create(const std::string& path) {
    std::string letters;
    while (letters.size() < 20) {
        unsigned char b[32];
        if (RAND_bytes(b, sizeof b) != 1) return node_errc::cookie_file;
        // Rejection sampling keeps the 26 letters equally likely.
        for (unsigned char x : b)
            if (x < 234 && letters.size() < 20) letters.push_back(static_cast<char>('A' + x % 26));
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400);
    if (fd < 0) return node_errc::cookie_file;
    const bool ok =
        ::write(fd, letters.data(), letters.size()) == static_cast<ssize_t>(letters.size());
    ::close(fd);
    return ok ? std::error_code{} : make_error_code(node_errc::cookie_file);
}

}  // namespace

result<cookie_file> load_default_cookie(const std::string& home, const std::string& xdg_config) {
    cookie_file out;
    std::error_code ec;
    const std::string home_path = home.empty() ? std::string() : home + "/.erlang.cookie";
    const std::string xdg_dir = !xdg_config.empty() ? xdg_config
                                : home.empty()      ? std::string()
                                                    : home + "/.config";
    const std::string xdg_path =
        xdg_dir.empty() ? std::string() : xdg_dir + "/erlang/.erlang.cookie";
    for (const std::string& p : {home_path, xdg_path}) {
        if (p.empty()) continue;
        const int r = read_file(p, out, ec);
        if (r == 0) return out;
        if (r < 0) return ec;
    }
    const std::string target = !home_path.empty() ? home_path : xdg_path;
    if (target.empty()) return node_errc::no_home;
    if (auto e = create(target)) return e;
    if (read_file(target, out, ec) != 0) return ec ? ec : make_error_code(node_errc::cookie_file);
    out.created = true;
    return out;
}

result<cookie_file> load_default_cookie() {
    const char* home = std::getenv("HOME");
    const char* xdg = std::getenv("XDG_CONFIG_HOME");
    return load_default_cookie(home ? home : "", xdg ? xdg : "");
}

}  // namespace otp::node_detail

// Node names and cookies by erl's rules.
#include "node/node_name.hpp"

#include <algorithm>

#include "term/utf8.hpp"

namespace otp {
namespace {

class node_category_impl final : public std::error_category {
  public:
    const char* name() const noexcept override { return "otp.node"; }
    std::string message(int ev) const override {
        switch (static_cast<node_errc>(ev)) {
            case node_errc::bad_node_name:
                return "invalid node name";
            case node_errc::wrong_name_mode:
                return "short-name and long-name nodes cannot connect to each other";
            case node_errc::cookie_bad_chars:
                return "bad characters in cookie";
            case node_errc::cookie_too_short:
                return "cookie file is empty";
            case node_errc::cookie_file:
                return "cookie file cannot be used";
            case node_errc::no_home:
                return "no home directory for the cookie file";
            case node_errc::timeout:
                return "timed out";
            case node_errc::mailbox_closed:
                return "mailbox closed";
            case node_errc::node_closed:
                return "node closed";
            case node_errc::name_in_use:
                return "name already registered";
            case node_errc::not_registered:
                return "name not registered";
            case node_errc::unreachable:
                return "node unreachable";
            case node_errc::noconnection:
                return "connection to the node lost";
            case node_errc::io_thread:
                return "blocking call on a node I/O thread";
            case node_errc::noproc:
                return "no such process";
            case node_errc::exited:
                return "the called process exited";
            case node_errc::badrpc:
                return "remote call failed";
        }
        return "unknown otp.node error";
    }
};

}  // namespace

const std::error_category& node_category() noexcept {
    static const node_category_impl cat;
    return cat;
}

namespace node_detail {

bool is_ip_address(std::string_view host) noexcept {
    if (host.find(':') != std::string_view::npos)
        return std::all_of(host.begin(), host.end(), [](char c) {
            return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
        });
    int parts = 0;
    std::size_t start = 0;
    while (start <= host.size()) {
        const std::size_t dot = std::min(host.find('.', start), host.size());
        const std::string_view part = host.substr(start, dot - start);
        if (part.empty() || part.size() > 3 ||
            !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return false;
        if (std::stoi(std::string(part)) > 255) return false;
        ++parts;
        start = dot + 1;
    }
    return parts == 4;
}

bool may_dial(name_mode mode, std::string_view peer_host) noexcept {
    const bool dotted = peer_host.find('.') != std::string_view::npos;
    if (mode == name_mode::short_names) return !dotted;
    return dotted || is_ip_address(peer_host);
}

result<node_name> parse_node_name(std::string_view text, name_mode mode,
                                  std::string_view default_host) {
    const std::size_t at = text.find('@');
    node_name n;
    n.alive = std::string(text.substr(0, at));
    n.host = std::string(at == std::string_view::npos ? default_host : text.substr(at + 1));
    const auto info = detail::inspect_utf8(text);
    if (n.alive.empty() || n.host.empty() || n.host.find('@') != std::string::npos || !info.valid ||
        n.alive.size() + 1 + n.host.size() > 1020 || detail::inspect_utf8(n.full()).chars > 255)
        return node_errc::bad_node_name;
    if (!may_dial(mode, n.host)) return node_errc::wrong_name_mode;
    return n;
}

result<std::string> parse_cookie(std::string_view contents) {
    std::size_t i = 0;
    while (i < contents.size() && contents[i] >= ' ' && contents[i] <= '~')
        ++i;
    std::string cookie(contents.substr(0, i));
    for (; i < contents.size(); ++i)
        if (contents[i] != '\n' && contents[i] != '\r' && contents[i] != ' ')
            return node_errc::cookie_bad_chars;
    if (cookie.empty()) return node_errc::cookie_too_short;
    return cookie;
}

}  // namespace node_detail
}  // namespace otp

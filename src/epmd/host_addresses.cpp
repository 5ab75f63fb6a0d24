// Host names that need no resolver: address literals and the loopback names.
#include "epmd/host_addresses.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <string>

namespace otp::epmd::detail {
namespace {

namespace ip = boost::asio::ip;

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// RFC 6761 6.3: "localhost" and the names under it always mean the loopback.
bool loopback_name(std::string_view host) {
    if (host.ends_with('.')) host.remove_suffix(1);
    constexpr std::string_view name = "localhost";
    if (host.size() < name.size() || !iequals(host.substr(host.size() - name.size()), name))
        return false;
    return host.size() == name.size() || host[host.size() - name.size() - 1] == '.';
}

}  // namespace

std::optional<std::vector<ip::address>> literal_addresses(std::string_view host) {
    if (host.empty()) return std::nullopt;
    if (loopback_name(host))
        return std::vector<ip::address>{ip::address_v4::loopback(), ip::address_v6::loopback()};
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
        if (host.find(':') == std::string_view::npos) return std::nullopt;  // only IPv6 in []
    }
    boost::system::error_code ec;
    const auto a = ip::make_address(std::string(host), ec);
    if (ec) return std::nullopt;
    return std::vector<ip::address>{a};
}

namespace {

void add_once(std::vector<ip::address>& out, const ip::address& a) {
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
}

}  // namespace

std::vector<ip::address> addresses_of(const ip::tcp::resolver::results_type& results) {
    std::vector<ip::address> out;
    for (const auto& r : results)
        add_once(out, r.endpoint().address());
    return out;
}

std::vector<ip::address> addresses_of(const ::addrinfo* list) {
    std::vector<ip::address> out;
    for (const ::addrinfo* p = list; p != nullptr; p = p->ai_next) {
        if (p->ai_family == AF_INET && p->ai_addrlen >= sizeof(sockaddr_in)) {
            const auto* sin = reinterpret_cast<const sockaddr_in*>(p->ai_addr);
            add_once(out, ip::address_v4(ntohl(sin->sin_addr.s_addr)));
        } else if (p->ai_family == AF_INET6 && p->ai_addrlen >= sizeof(sockaddr_in6)) {
            const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(p->ai_addr);
            ip::address_v6::bytes_type bytes;
            std::copy(std::begin(sin6->sin6_addr.s6_addr), std::end(sin6->sin6_addr.s6_addr),
                      bytes.begin());
            add_once(out, ip::address_v6(bytes, sin6->sin6_scope_id));
        }
    }
    return out;
}

std::vector<ip::tcp::endpoint> endpoints_of(const std::vector<ip::address>& addresses,
                                            unsigned short port) {
    std::vector<ip::tcp::endpoint> out;
    out.reserve(addresses.size());
    for (const auto& a : addresses)
        out.emplace_back(a, port);
    return out;
}

}  // namespace otp::epmd::detail

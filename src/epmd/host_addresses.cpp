// Host names that need no resolver: address literals and the loopback names.
#include "epmd/host_addresses.hpp"

#include <algorithm>
#include <cctype>
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

std::vector<ip::address> addresses_of(const ip::tcp::resolver::results_type& results) {
    std::vector<ip::address> out;
    for (const auto& r : results) {
        const auto a = r.endpoint().address();
        if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
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

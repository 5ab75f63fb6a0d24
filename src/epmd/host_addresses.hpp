// Host names that need no resolver. Asio's asynchronous resolver runs getaddrinfo on a
// thread of its own, so every lookup costs two thread hand-offs (and, for the
// synchronous epmd calls, a thread started and joined); address literals and the
// loopback names are answered here instead, without leaving the calling thread.
#pragma once

#include <netdb.h>

#include <optional>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace otp::epmd::detail {

/// The addresses `host` stands for without asking a resolver, in the order to try
/// them: an IPv4 or IPv6 literal (an IPv6 one may be in brackets, as in URLs), or a
/// loopback name ("localhost", or any name under ".localhost", RFC 6761; any case, a
/// trailing dot allowed) as 127.0.0.1 then ::1, IPv4 first because that is where an
/// erl node listens by default. nullopt for any other name: it needs a resolver.
std::optional<std::vector<boost::asio::ip::address>> literal_addresses(std::string_view host);

/// The distinct addresses of a resolver's answer, in its order.
std::vector<boost::asio::ip::address> addresses_of(
    const boost::asio::ip::tcp::resolver::results_type& results);
/// The same from getaddrinfo's list (addresses in order, each once).
std::vector<boost::asio::ip::address> addresses_of(const ::addrinfo* list);

/// `addresses`, each with `port`.
std::vector<boost::asio::ip::tcp::endpoint> endpoints_of(
    const std::vector<boost::asio::ip::address>& addresses, unsigned short port);

}  // namespace otp::epmd::detail

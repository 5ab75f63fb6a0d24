// Finds a peer's addresses for a dial, once per dial: the same addresses serve the epmd
// lookup and the connection to the node, as in erl and ei.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/address.hpp>

#include "epmd/host_lookup.hpp"
#include "otp/detail/async.hpp"

namespace otp::node_detail {

using address_list = std::vector<boost::asio::ip::address>;

/// Resolves peers' hosts without blocking an I/O thread, and without Asio's resolver
/// thread (two thread hand-offs per lookup) where the answer is known here: address
/// literals and loopback names always, and this node's own host name after its first
/// lookup. Peers on the same machine are the common case (and the one where dialling
/// speed shows); the own name is kept until a dial through its addresses fails, since
/// the node's name is built from it and it does not move while the node runs. Other
/// names go to the resolver every time, so DNS changes are seen at once.
///
/// Thread-safe.
class dial_resolver {
  public:
    using callback = detail::unique_callback<std::error_code, address_list>;

    /// `own_host`: the host part of this node's name.
    explicit dial_resolver(std::string own_host);

    /// The addresses of `host`, in the order to try them. `done` runs once: at once
    /// (before resolve returns) when the answer is known here, else on a strand of
    /// `ex`, with std::errc::timed_out if the resolver has not answered within `limit`.
    void resolve(const boost::asio::any_io_executor& ex, const std::string& host,
                 std::chrono::milliseconds limit, callback done);
    /// One resolve_here() that another thread can end (a dial's abort). Thread-safe.
    using wait = epmd::detail::host_lookup;
    /// The same for a dial that runs on the calling thread, which waits for the answer:
    /// a name not known here goes to the system's resolver (getaddrinfo, on a thread of
    /// its own), and the wait ends at `deadline` (timed_out) or on `w->cancel()`
    /// (operation_canceled), whatever the resolver does. No I/O thread takes part. `w`
    /// serves one lookup.
    address_list resolve_here(const std::string& host,
                              std::chrono::steady_clock::time_point deadline,
                              const std::shared_ptr<wait>& w, std::error_code& ec);

    /// A dial through `host`'s addresses could not reach epmd: look it up afresh next
    /// time, in case the own name has moved.
    void failed(const std::string& host);

  private:
    // The answer when it is known without a resolver.
    std::optional<address_list> known(const std::string& host) const;
    // Shared with lookups in flight, which may finish after this object is gone.
    struct own_name {
        std::string host;
        std::mutex mu;
        address_list addresses;  // empty until looked up
    };
    // Keeps a resolver's answer for the own name.
    static void keep(own_name& own, const address_list& addresses);
    std::shared_ptr<own_name> own_;
};

}  // namespace otp::node_detail

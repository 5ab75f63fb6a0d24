// Finds a peer's addresses for a dial (see dial_resolver.hpp).
#include "node/dial_resolver.hpp"

#include <memory>
#include <mutex>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "epmd/host_addresses.hpp"
#include "epmd/host_lookup.hpp"

namespace otp::node_detail {

dial_resolver::dial_resolver(std::string own_host) : own_(std::make_shared<own_name>()) {
    own_->host = std::move(own_host);
}

std::optional<address_list> dial_resolver::known(const std::string& host) const {
    if (auto literal = epmd::detail::literal_addresses(host)) return literal;
    if (host != own_->host) return std::nullopt;
    std::lock_guard lock(own_->mu);
    if (own_->addresses.empty()) return std::nullopt;
    return own_->addresses;
}

void dial_resolver::keep(own_name& own, const address_list& addresses) {
    if (addresses.empty()) return;
    std::lock_guard lock(own.mu);
    own.addresses = addresses;
}

void dial_resolver::resolve(const boost::asio::any_io_executor& ex, const std::string& host,
                            std::chrono::milliseconds limit, callback done) {
    if (auto addresses = known(host)) return done({}, std::move(*addresses));
    // The resolver's and the timer's handlers share a strand: whichever runs first
    // completes the lookup and stops the other. The lookup holds what it needs of this
    // object, which may be gone when it ends.
    using tcp = boost::asio::ip::tcp;
    struct lookup {
        explicit lookup(const boost::asio::any_io_executor& s) : resolver(s), timer(s) {}
        tcp::resolver resolver;
        boost::asio::steady_timer timer;
        callback done;
    };
    auto l = std::make_shared<lookup>(boost::asio::make_strand(ex));
    l->done = std::move(done);
    l->timer.expires_after(limit);
    l->timer.async_wait([l](const boost::system::error_code& ec) {
        if (ec || !l->done) return;
        l->resolver.cancel();
        std::exchange(l->done, {})(make_error_code(std::errc::timed_out), {});
    });
    std::shared_ptr<own_name> own = host == own_->host ? own_ : nullptr;
    l->resolver.async_resolve(
        host, "", [l, own](const boost::system::error_code& ec, tcp::resolver::results_type r) {
            if (!l->done) return;
            l->timer.cancel();
            auto done = std::exchange(l->done, {});
            if (ec) return done(ec, {});
            address_list addresses = epmd::detail::addresses_of(r);
            if (own) keep(*own, addresses);
            done({}, std::move(addresses));
        });
}

address_list dial_resolver::resolve_here(const std::string& host,
                                         std::chrono::steady_clock::time_point deadline,
                                         const std::shared_ptr<wait>& w, std::error_code& ec) {
    ec.clear();
    if (auto addresses = known(host)) return std::move(*addresses);
    if (host != own_->host) return epmd::detail::lookup_here(host, deadline, w, ec);
    return epmd::detail::lookup_here(
        host, deadline, w, ec, [own = own_](const address_list& found) { keep(*own, found); });
}

void dial_resolver::failed(const std::string& host) {
    if (host != own_->host) return;
    std::lock_guard lock(own_->mu);
    own_->addresses.clear();
}

}  // namespace otp::node_detail

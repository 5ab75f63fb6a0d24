// Finds a peer's addresses for a dial (see dial_resolver.hpp).
#include "node/dial_resolver.hpp"

#include <memory>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "epmd/host_addresses.hpp"

namespace otp::node_detail {

dial_resolver::dial_resolver(std::string own_host) : own_(std::make_shared<own_name>()) {
    own_->host = std::move(own_host);
}

void dial_resolver::resolve(const boost::asio::any_io_executor& ex, const std::string& host,
                            std::chrono::milliseconds limit, callback done) {
    if (auto known = epmd::detail::literal_addresses(host)) return done({}, std::move(*known));
    // Set while looking up the own name, whose answer is kept.
    std::shared_ptr<own_name> own = host == own_->host ? own_ : nullptr;
    if (own) {
        std::unique_lock lock(own->mu);
        if (!own->addresses.empty()) {
            address_list copy = own->addresses;
            lock.unlock();
            return done({}, std::move(copy));
        }
    }
    // The resolver's and the timer's handlers share a strand: whichever runs first
    // completes the lookup and stops the other.
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
    l->resolver.async_resolve(
        host, "", [l, own](const boost::system::error_code& ec, tcp::resolver::results_type r) {
            if (!l->done) return;
            l->timer.cancel();
            auto done = std::exchange(l->done, {});
            if (ec) return done(ec, {});
            address_list found = epmd::detail::addresses_of(r);
            if (own && !found.empty()) {
                std::lock_guard lock(own->mu);
                own->addresses = found;
            }
            done({}, std::move(found));
        });
}

void dial_resolver::failed(const std::string& host) {
    if (host != own_->host) return;
    std::lock_guard lock(own_->mu);
    own_->addresses.clear();
}

}  // namespace otp::node_detail

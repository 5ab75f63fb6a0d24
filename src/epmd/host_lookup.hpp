// A host name looked up by the system's resolver while the calling thread waits, for no
// longer than it can afford: getaddrinfo has no time limit and cannot be interrupted,
// so it runs on a thread of its own, and the caller stops waiting at its deadline or
// when another thread cancels the wait (a dial's abort).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

#include <boost/asio/ip/address.hpp>

namespace otp::epmd::detail {

/// One lookup_here() that another thread can end. Thread-safe.
class host_lookup {
  public:
    /// Ends the wait, now or as soon as it starts, with operation_canceled.
    void cancel();

  private:
    friend std::vector<boost::asio::ip::address> lookup_here(
        const std::string&, std::chrono::steady_clock::time_point,
        const std::shared_ptr<host_lookup>&, std::error_code&,
        std::function<void(const std::vector<boost::asio::ip::address>&)>);
    std::mutex mu_;
    std::condition_variable cv_;
    bool cancelled_ = false;
    bool answered_ = false;
    int gai_ = 0;  // getaddrinfo's result, and errno after it
    int errno_ = 0;
    std::vector<boost::asio::ip::address> addresses_;
};

/// The addresses of `host` from the system's resolver, waited for until `deadline`
/// (std::errc::timed_out) or `w->cancel()` (std::errc::operation_canceled), whatever the
/// resolver does; its own failures come as Asio's resolver reports them. `w` serves one
/// lookup. `answered`, if given, runs on the lookup's thread with what it found, even
/// after the wait has ended: it may outlive the caller and main(), so it must only copy
/// plain data under a lock of its own.
std::vector<boost::asio::ip::address> lookup_here(
    const std::string& host, std::chrono::steady_clock::time_point deadline,
    const std::shared_ptr<host_lookup>& w, std::error_code& ec,
    std::function<void(const std::vector<boost::asio::ip::address>&)> answered = {});

}  // namespace otp::epmd::detail

// A blocking connect() that waits on a silent epmd ends when its node closes, not when
// the lookup's time is up: the lookup runs on the dial's own socket, which close()
// aborts.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "local_node.hpp"
#include "otp/node_error.hpp"

using namespace std::chrono_literals;

namespace {

// An "epmd" that accepts connections and never answers them.
class SilentEpmd {
  public:
    SilentEpmd() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
        acceptor_.listen();
    }
    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  private:
    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;  // the backlog accepts; nobody reads
};

TEST(DialAbort, CloseEndsAConnectWaitingForEpmd) {
    SilentEpmd epmd;
    auto opts = otp::test::local_options();
    opts.epmd_port = epmd.port();
    opts.setup_time = 20s;  // the lookup's limit: far beyond what the test waits
    otp::node n(opts);
    auto connecting = std::async(std::launch::async,
                                 [&] { return n.connect(otp::atom("nobody@localhost"), 20s); });
    std::this_thread::sleep_for(300ms);  // in the lookup by now
    const auto t0 = std::chrono::steady_clock::now();
    n.close();
    ASSERT_EQ(connecting.wait_for(3s), std::future_status::ready);
    EXPECT_EQ(connecting.get(), otp::node_errc::node_closed);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

}  // namespace

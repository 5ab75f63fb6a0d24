// dist_poller over a socket pair: arming, disarming, one report per arrival, one-shot
// writability, and nothing for removed or dead targets.
#include "node/dist_poller.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <vector>

#include <boost/asio/io_context.hpp>

using namespace otp::dist;
using namespace std::chrono_literals;

namespace {

struct recorder : poll_target {
    std::vector<bool> reports;  // true: writable
    void on_poll(bool writable) override { reports.push_back(writable); }
};

class DistPoller : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds_.data()), 0);
        std::error_code ec;
        poller_ = dist_poller::create(io_.get_executor(), ec);
        ASSERT_TRUE(poller_) << ec.message();
        ASSERT_FALSE(poller_->add(fds_[0], target_, reg_));
    }
    void TearDown() override {
        if (poller_) {
            poller_->remove(reg_);
            poller_->close();
            io_.restart();
            io_.poll();
        }
        ::close(fds_[0]);
        ::close(fds_[1]);
    }
    // Runs the executor for a while: what is reported comes in that time.
    void turn(std::chrono::milliseconds d = 50ms) {
        io_.restart();
        io_.run_for(d);
    }
    void peer_writes() { ASSERT_EQ(::write(fds_[1], "x", 1), 1); }
    void drain() {
        std::array<char, 64> buf{};
        while (::read(fds_[0], buf.data(), buf.size()) > 0) {
        }
    }

    boost::asio::io_context io_;
    std::array<int, 2> fds_{-1, -1};
    std::shared_ptr<dist_poller> poller_;
    std::shared_ptr<recorder> target_ = std::make_shared<recorder>();
    dist_poller::registration reg_;
};

TEST_F(DistPoller, NothingIsReportedUntilArmed) {
    peer_writes();
    turn();
    EXPECT_TRUE(target_->reports.empty());
}

TEST_F(DistPoller, ArmingReportsInputAlreadyWaitingOnce) {
    peer_writes();
    poller_->arm_read(reg_, true);
    turn();
    EXPECT_EQ(target_->reports, std::vector<bool>{false});
    // Edge-triggered: unread input is not reported again without a new arrival.
    turn();
    EXPECT_EQ(target_->reports.size(), 1u);
    peer_writes();
    turn();
    EXPECT_EQ(target_->reports, (std::vector<bool>{false, false}));
}

TEST_F(DistPoller, ASocketAddedArmedReportsInputAlreadyWaitingAndLaterArrivals) {
    std::array<int, 2> pair{-1, -1};
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair.data()), 0);
    ASSERT_EQ(::write(pair[1], "x", 1), 1);
    auto armed = std::make_shared<recorder>();
    dist_poller::registration reg;
    ASSERT_FALSE(poller_->add(pair[0], armed, reg, true, true));
    turn();
    EXPECT_EQ(armed->reports, std::vector<bool>{false});
    ASSERT_EQ(::write(pair[1], "y", 1), 1);
    turn();
    // Reads only: the write interest (writable at once) was not armed with it.
    EXPECT_EQ(armed->reports, (std::vector<bool>{false, false}));
    poller_->remove(reg);
    ::close(pair[0]);
    ::close(pair[1]);
}

TEST_F(DistPoller, ADisarmedSocketIsNotReportedUntilArmedAgain) {
    poller_->arm_read(reg_, true);
    poller_->arm_read(reg_, false);
    peer_writes();
    turn();
    EXPECT_TRUE(target_->reports.empty());
    poller_->arm_read(reg_, true);
    turn();
    EXPECT_EQ(target_->reports, std::vector<bool>{false});
    drain();
}

TEST_F(DistPoller, WritabilityIsReportedOncePerArming) {
    poller_->arm_write(reg_);
    turn();
    EXPECT_EQ(target_->reports, std::vector<bool>{true});
    turn();
    EXPECT_EQ(target_->reports.size(), 1u);
    poller_->arm_write(reg_);
    turn();
    EXPECT_EQ(target_->reports, (std::vector<bool>{true, true}));
}

TEST_F(DistPoller, RemovedAndDeadTargetsHearNothing) {
    poller_->arm_read(reg_, true);
    poller_->remove(reg_);
    EXPECT_FALSE(reg_.valid());
    peer_writes();
    turn();
    EXPECT_TRUE(target_->reports.empty());

    // A target that is gone is skipped, its registration still in place.
    auto gone = std::make_shared<recorder>();
    dist_poller::registration r;
    ASSERT_FALSE(poller_->add(fds_[0], gone, r));
    poller_->arm_read(r, true);
    gone.reset();
    turn();
    poller_->remove(r);
    EXPECT_TRUE(target_->reports.empty());
}

TEST_F(DistPoller, CloseEndsTheWaitAndItsHoldOnThePoller) {
    poller_->remove(reg_);
    std::weak_ptr<dist_poller> weak = poller_;
    poller_->close();
    poller_.reset();
    turn();
    EXPECT_TRUE(weak.expired());
}

}  // namespace

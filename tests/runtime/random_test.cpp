// The node's random values: varied, and never the same in a forked child as in its
// parent (each thread keeps a pool of values drawn ahead).
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include "node/random.hpp"

using otp::node_detail::random_u32;

namespace {

TEST(RandomU32, ValuesVary) {
    std::set<std::uint32_t> seen;
    for (int i = 0; i < 1000; ++i)
        seen.insert(random_u32());
    EXPECT_GT(seen.size(), 990u);  // 32 random bits: a repeat in 1000 is rare already
}

TEST(RandomU32, AForkedChildDrawsOtherValuesThanItsParent) {
    random_u32();  // this thread's pool now holds values drawn ahead
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        const std::uint32_t v = random_u32();
        const bool sent = ::write(fds[1], &v, sizeof v) == static_cast<ssize_t>(sizeof v);
        ::_exit(sent ? 0 : 1);
    }
    const std::uint32_t mine = random_u32();
    std::uint32_t theirs = 0;
    ASSERT_EQ(::read(fds[0], &theirs, sizeof theirs), static_cast<ssize_t>(sizeof theirs));
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ::close(fds[0]);
    ::close(fds[1]);
    EXPECT_EQ(status, 0);
    EXPECT_NE(mine, theirs);
}

}  // namespace

// What an idle mailbox costs: the heap bytes 10,000 of them take, per mailbox
// (target: under 1 KiB, the bound). Heap bytes are counted by glibc's
// mallinfo2, so the figure is exact for this build, not a timing.
#include <gtest/gtest.h>
#include <malloc.h>

#include <vector>

#include "otp/mailbox.hpp"
#include "runtime/local_node.hpp"

using namespace otp;

namespace {

std::size_t heap_in_use() {
    return mallinfo2().uordblks;
}

TEST(Memory, IdleMailboxUnderOneKibibyte) {
    auto n = test::local_node();
    constexpr std::size_t count = 10'000;
    std::vector<mailbox> boxes;
    boxes.reserve(count);
    // Warm up so one-off allocations (tables growing from empty) are not counted.
    for (int i = 0; i < 100; ++i)
        boxes.push_back(n->create_mailbox());
    boxes.clear();
    const std::size_t before = heap_in_use();
    boxes.reserve(count);
    for (std::size_t i = 0; i < count; ++i)
        boxes.push_back(n->create_mailbox());
    const std::size_t after = heap_in_use();
    const double per_mailbox =
        static_cast<double>(after - before - count * sizeof(mailbox)) / count;
    std::printf("idle mailbox: %.0f heap bytes (plus a %zu-byte handle)\n", per_mailbox,
                sizeof(mailbox));
    RecordProperty("bytes_per_idle_mailbox", static_cast<int>(per_mailbox));
    EXPECT_LT(per_mailbox, 1024.0);
}

}  // namespace

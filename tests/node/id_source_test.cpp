// Pids and references are unique within a creation, and carry the node's identity.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "node/id_source.hpp"

using otp::atom;
using otp::node_detail::id_source;

TEST(IdSource, UniqueAcrossThreadsAndTagged) {
    id_source ids(atom("cpp@h"), 77, 0xABCDEF);
    std::vector<std::vector<otp::term>> made(4);
    std::vector<std::thread> th;
    for (auto& v : made)
        th.emplace_back([&ids, &v] {
            for (int i = 0; i < 5000; ++i) {
                v.emplace_back(ids.make_pid());
                v.emplace_back(ids.make_ref());
            }
        });
    for (auto& t : th)
        t.join();
    std::vector<otp::term> all;
    for (auto& v : made)
        all.insert(all.end(), v.begin(), v.end());
    std::sort(all.begin(), all.end(),
              [](const auto& a, const auto& b) { return otp::exact_compare(a, b) < 0; });
    EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
    const auto p = ids.make_pid();
    EXPECT_EQ(p.node, atom("cpp@h"));
    EXPECT_EQ(p.creation, 77u);
    EXPECT_GE(p.id, 64u);
    const auto r = ids.make_ref();
    EXPECT_EQ(r.len, 3);
    EXPECT_EQ(r.creation, 77u);
}

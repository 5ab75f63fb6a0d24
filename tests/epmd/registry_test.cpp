// The embedded epmd registry: lifetimes, refusals, creations and text formats.
#include "epmd/registry.hpp"

#include <gtest/gtest.h>

#include "support/vectors.hpp"

using namespace otp;
using namespace otp::epmd;

namespace {
node_entry node(const char* name, std::uint16_t port, std::uint16_t high = 6) {
    return {name, port, node_type_normal, 0, high, 5, ""};
}
std::string text_of(const char* vector_name) {
    const auto bytes = otp::test::load_hex_vectors("epmd_vectors.txt").at(vector_name);
    return std::string(bytes.begin() + 4, bytes.end());
}
}  // namespace

TEST(EpmdRegistry, RegistrationLivesWithItsConnection) {
    registry reg(1000);
    EXPECT_TRUE(reg.register_node(1, node("a", 10)).has_value());
    EXPECT_EQ(reg.register_node(2, node("a", 11)).error(), epmd_errc::name_taken);
    ASSERT_NE(reg.find("a"), nullptr);
    EXPECT_EQ(reg.find("a")->port, 10);
    reg.connection_closed(2);  // the refused connection owned nothing
    EXPECT_NE(reg.find("a"), nullptr);
    reg.connection_closed(1);
    EXPECT_EQ(reg.find("a"), nullptr);
    EXPECT_EQ(reg.size(), 0u);
}

TEST(EpmdRegistry, CreationsDifferBetweenRegistrationsOfOneName) {
    registry reg(0);
    const auto c1 = reg.register_node(1, node("a", 10)).value().creation;
    EXPECT_GE(c1, 4u);
    reg.connection_closed(1);
    const auto c2 = reg.register_node(2, node("a", 10)).value().creation;
    EXPECT_NE(c1, c2);
    reg.connection_closed(2);
    const auto c3 = reg.register_node(3, node("a", 10)).value().creation;
    EXPECT_NE(c2, c3);
    const auto other = reg.register_node(4, node("b", 10)).value().creation;
    EXPECT_NE(other, c3);
}

TEST(EpmdRegistry, OldVersionGetsSmallCreation) {
    registry reg(12345);
    const auto r = reg.register_node(1, node("old", 10, 5)).value();
    EXPECT_FALSE(r.extended);
    EXPECT_GE(r.creation, 1u);
    EXPECT_LE(r.creation, 3u);
}

TEST(EpmdRegistry, RefusesWhatEpmdRefuses) {
    registry reg(7, /*max_nodes=*/2);
    EXPECT_EQ(reg.register_node(1, node("\xC3", 1)).error(), epmd_errc::name_taken);
    EXPECT_EQ(reg.register_node(1, node(std::string(256, 'x').c_str(), 1)).error(),
              epmd_errc::name_taken);
    node_entry big_extra = node("x", 1);
    big_extra.extra.assign(1021, 'e');
    EXPECT_EQ(reg.register_node(1, big_extra).error(), epmd_errc::name_taken);
    EXPECT_TRUE(reg.register_node(1, node("p", 1)).has_value());
    EXPECT_TRUE(reg.register_node(2, node("q", 1)).has_value());
    EXPECT_EQ(reg.register_node(3, node("r", 1)).error(), epmd_errc::name_taken);  // full
}

TEST(EpmdRegistry, NamesAndDumpTextMatchTheRealEpmd) {
    // Same registrations, in the same order, as the capture made against real epmd.
    registry reg(4);
    ASSERT_TRUE(reg.register_node(5, node("srv", 43135)).has_value());
    ASSERT_TRUE(reg.register_node(6, {"cpp1", 9999, node_type_hidden, 0, 6, 5, ""}).has_value());
    ASSERT_TRUE(reg.register_node(8, node("old5", 9998, 5)).has_value());
    EXPECT_EQ(reg.names_text(), text_of("names_resp"));
    EXPECT_EQ(reg.dump_text(), text_of("dump_resp"));
    reg.connection_closed(8);
    EXPECT_EQ(reg.dump_text(), text_of("dump_resp_after_close"));
}

TEST(EpmdRegistry, StopUnregistersByName) {
    registry reg(4);
    ASSERT_TRUE(reg.register_node(9, node("a", 1)).has_value());
    EXPECT_EQ(reg.stop("nope"), 0u);
    EXPECT_EQ(reg.stop("a"), 9u);
    EXPECT_EQ(reg.find("a"), nullptr);
}

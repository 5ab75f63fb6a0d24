// Node-name rules and cookie-file parsing, as erl applies them.
#include <gtest/gtest.h>

#include "node/node_name.hpp"

using namespace otp;
using namespace otp::node_detail;

TEST(NodeName, ShortAndLongNames) {
    auto s = parse_node_name("cpp", name_mode::short_names, "vm");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->full(), "cpp@vm");
    EXPECT_EQ(parse_node_name("cpp@host.example", name_mode::short_names, "vm").error(),
              node_errc::wrong_name_mode);
    EXPECT_EQ(parse_node_name("cpp@host.example", name_mode::long_names, "x")->host,
              "host.example");
    EXPECT_EQ(parse_node_name("cpp@vm", name_mode::long_names, "x").error(),
              node_errc::wrong_name_mode);
    EXPECT_TRUE(parse_node_name("cpp@127.0.0.1", name_mode::long_names, "x"));
    EXPECT_TRUE(parse_node_name("cpp@::1", name_mode::long_names, "x"));
    for (const char* bad : {"@vm", "cpp@", "a@b@c", ""})
        EXPECT_EQ(parse_node_name(bad, name_mode::short_names, "vm").error(),
                  node_errc::bad_node_name)
            << bad;
    EXPECT_EQ(parse_node_name(std::string(300, 'a'), name_mode::short_names, "vm").error(),
              node_errc::bad_node_name);
}

TEST(NodeName, DialRulesFollowTheNameMode) {
    EXPECT_TRUE(may_dial(name_mode::short_names, "vm"));
    EXPECT_FALSE(may_dial(name_mode::short_names, "vm.example.org"));
    EXPECT_TRUE(may_dial(name_mode::long_names, "vm.example.org"));
    EXPECT_FALSE(may_dial(name_mode::long_names, "vm"));
    EXPECT_TRUE(may_dial(name_mode::long_names, "10.1.2.3"));
    EXPECT_FALSE(is_ip_address("10.1.2"));
    EXPECT_FALSE(is_ip_address("10.1.2.256"));
}

TEST(NodeName, CookieFileRulesOfAuthErl) {
    EXPECT_EQ(parse_cookie("ABCDEF").value(), "ABCDEF");
    EXPECT_EQ(parse_cookie("ABC DEF\n").value(), "ABC DEF");  // inner spaces count
    EXPECT_EQ(parse_cookie("ABC \r\n \n").value(), "ABC ");   // a space before the newline too
    EXPECT_EQ(parse_cookie("ABC\nDEF").error(), node_errc::cookie_bad_chars);
    EXPECT_EQ(parse_cookie("AB\tC").error(), node_errc::cookie_bad_chars);
    EXPECT_EQ(parse_cookie("\n").error(), node_errc::cookie_too_short);
    EXPECT_EQ(parse_cookie("").error(), node_errc::cookie_too_short);
}

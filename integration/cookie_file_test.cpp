// The default cookie file: found, created like erl's, and flagged when others can read it.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "node/cookie_file.hpp"
#include "otp/node_error.hpp"
#include "support/process.hpp"

namespace fs = std::filesystem;
using otp::node_detail::load_default_cookie;

namespace {
struct temp_home {
    fs::path dir = fs::temp_directory_path() / otp::itest::unique_name("home");
    temp_home() { fs::create_directories(dir); }
    ~temp_home() { fs::remove_all(dir); }
};
}  // namespace

TEST(CookieFile, CreatedLikeErlWhenMissingThenReusedAndReadByErl) {
    temp_home h;
    auto first = load_default_cookie(h.dir.string(), "");
    ASSERT_TRUE(first) << first.error().message();
    EXPECT_TRUE(first->created);
    EXPECT_EQ(first->cookie.size(), 20u);
    for (char c : first->cookie)
        EXPECT_TRUE(c >= 'A' && c <= 'Z');
    struct stat st {};
    ASSERT_EQ(::stat(first->path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0400u);
    auto again = load_default_cookie(h.dir.string(), "");
    ASSERT_TRUE(again);
    EXPECT_FALSE(again->created);
    EXPECT_EQ(again->cookie, first->cookie);
    // erl with the same HOME reads the same cookie.
    if (otp::itest::find_program("erl")) {
        otp::itest::real_epmd epmd;
        auto env = epmd.env();
        env["HOME"] = h.dir.string();
        otp::itest::process erl(
            {"erl", "-noshell", "-sname", otp::itest::unique_name("ck"), "-start_epmd", "false",
             "-eval", "io:format(\"cookie=~s~n\", [erlang:get_cookie()]), halt()."},
            env);
        EXPECT_TRUE(erl.wait_for_output("cookie=" + first->cookie, std::chrono::seconds(20)))
            << erl.out() << erl.err();
    }
}

TEST(CookieFile, XdgPathAndPermissionsAndErrors) {
    temp_home h;
    fs::create_directories(h.dir / "cfg" / "erlang");
    { std::ofstream(h.dir / "cfg" / "erlang" / ".erlang.cookie") << "XDGCOOKIE\n"; }
    fs::permissions(h.dir / "cfg" / "erlang" / ".erlang.cookie",
                    fs::perms::owner_read | fs::perms::group_read);
    auto c = load_default_cookie(h.dir.string(), (h.dir / "cfg").string());
    ASSERT_TRUE(c);
    EXPECT_EQ(c->cookie, "XDGCOOKIE");
    EXPECT_TRUE(c->readable_by_others);
    { std::ofstream(h.dir / ".erlang.cookie") << "BAD\nCOOKIE"; }
    EXPECT_EQ(load_default_cookie(h.dir.string(), "").error(), otp::node_errc::cookie_bad_chars);
    EXPECT_EQ(load_default_cookie("", "").error(), otp::node_errc::no_home);
}

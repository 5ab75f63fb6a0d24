// A fixture with a real erl node (own epmd, random cookie, the otpcpp_itest module
// loaded) and helpers to start C++ nodes beside it and drive Erlang "puppet" processes.
#pragma once

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>

#include "otp/call.hpp"
#include "otp/node.hpp"
#include "support/process.hpp"

namespace otp::itest {

/// Holds the node's I/O thread (it has one) until the returned promise is set.
std::promise<void> hold_io_thread(node& n);

class ErlPeer : public ::testing::Test {
  protected:
    void SetUp() override;
    void TearDown() override;

    /// Options for a C++ node on this test's epmd with this test's cookie.
    node_options node_opts(const std::string& stem = "cpp") const;
    /// A running C++ node.
    std::unique_ptr<node> make_node(const std::string& stem = "cpp");
    /// Starts another erl node (same epmd and cookie) and waits for its registration;
    /// `extra` goes on its command line after erl_extra_args().
    std::unique_ptr<process> start_erl(const std::string& sname,
                                       std::vector<std::string> extra = {});
    /// Flags every erl node of the fixture gets (TLS fixtures add -proto_dist ...).
    virtual std::vector<std::string> erl_extra_args() const { return {}; }

    /// The erl node's full name.
    atom erl() const { return atom(erl_sname_ + "@" + host_); }
    /// rpc:call into the erl node; fails the test on error.
    term rpc(mailbox& m, const char* mod, const char* fun, term args);
    /// A new puppet process on the erl node controlled by `m`.
    pid puppet(mailbox& m);
    /// Runs a puppet command and returns its result.
    term cmd(mailbox& m, const pid& puppet, term command);
    /// The next `{got, Puppet, Msg}` report from any puppet: Msg.
    term got(mailbox& m, std::chrono::milliseconds timeout = std::chrono::seconds(10));

    std::unique_ptr<real_epmd> epmd_;
    std::string cookie_, host_, erl_sname_;
    std::unique_ptr<process> erl_;
};

}  // namespace otp::itest

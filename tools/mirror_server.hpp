// The request loop of `otpcpp mirror`: the mailbox registered as `mirror` answers
// `{From, Ref, Request}` with `From ! {Ref, Reply}`.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "otp/node.hpp"

namespace otp::cli {

/// Serves the mirror requests (echo, self, nodes, spawn, rpc, call, stop) arriving at
/// one mailbox. Requests that wait on other nodes (rpc, call) run on threads of their
/// own, so a slow peer never holds up the others.
class mirror_server {
  public:
    /// Serves `box` (registered as `mirror`) on `n`; `on_stop` runs after `stop` was
    /// answered, on the loop's thread.
    mirror_server(node& n, mailbox box, std::function<void()> on_stop);
    mirror_server(const mirror_server&) = delete;
    mirror_server& operator=(const mirror_server&) = delete;
    /// Joins what is still running (close the node first, which ends it).
    ~mirror_server();

    /// Answers requests until `stop` or until the mailbox closes (node shutdown).
    void run();

  private:
    // A thread for one waiting request; `done` tells when it can be joined.
    struct worker {
        std::thread thread;
        std::shared_ptr<std::atomic<bool>> done;
    };

    // Answers one message; false after `stop`.
    bool handle(const term& message);
    // The reply to everything but stop, spawn and the waiting requests; nullopt for a
    // request that is answered later (from a worker).
    std::optional<term> answer(const pid& from, const term& ref, const term& request);
    // Starts a worker that replies `{Ref, job()}` to `from`.
    void in_background(const pid& from, const term& ref, std::function<term(mailbox&)> job);
    void reply(const pid& from, const term& ref, term value);
    // Waits until what was sent to `to` so far has been written (see the .cpp).
    void flush_to(const pid& to);
    void join_finished();

    node& node_;
    mailbox box_;
    std::function<void()> on_stop_;
    std::vector<worker> workers_;
};

}  // namespace otp::cli

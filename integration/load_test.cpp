// Load: 1,000 mailboxes exchanging messages with 1,000 Erlang processes at once, driven
// by several threads, with every sequence number checked (nothing lost, duplicated or
// reordered); and many threads sending, receiving, linking and monitoring on many
// mailboxes of one node (local traffic), meant to run under ThreadSanitizer as well.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <functional>
#include <future>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

#include "otp/node.hpp"
#include "otp/text.hpp"
#include "support/erl_peer.hpp"
#include "support/signals.hpp"

using namespace otp;
using namespace otp::itest;
using namespace std::chrono_literals;

namespace {

using LoadWithErl = ErlPeer;

// Failures found on worker threads, reported once on the test's thread.
class failures {
  public:
    void add(std::string what) {
        std::lock_guard lock(mu_);
        if (list_.size() < 20) list_.push_back(std::move(what));
        ++count_;
    }
    std::size_t count() const {
        std::lock_guard lock(mu_);
        return count_;
    }
    std::string text() const {
        std::lock_guard lock(mu_);
        std::string s;
        for (const auto& l : list_)
            s += l + "\n";
        return s;
    }

  private:
    mutable std::mutex mu_;
    std::vector<std::string> list_;
    std::size_t count_ = 0;
};

long int_of(const term& t) {
    return static_cast<long>(t.as_int64().value());
}

TEST_F(LoadWithErl, ThousandMailboxesWithErlangPeers) {
    constexpr int boxes = 1000, threads = 8, echoes = 20, burst = 20;
    auto o = node_opts("load");
    o.io_threads = 2;
    node n(o);
    auto ctl = n.create_mailbox();
    const term peer_list = rpc(ctl, "otpcpp_itest", "spawn_load_peers", list(boxes));
    ASSERT_TRUE(peer_list.is_list());
    std::vector<pid> peers;
    for (const term& p : peer_list.as_list().value())
        peers.push_back(p.as_pid().value());
    ASSERT_EQ(peers.size(), std::size_t{boxes});
    std::vector<mailbox> mbs;
    for (int i = 0; i < boxes; ++i)
        mbs.push_back(n.create_mailbox());

    failures fail;
    std::atomic<long> received{0};
    std::barrier start(threads);
    auto work = [&](int t) {
        start.arrive_and_wait();
        // Everything goes out first: each peer gets `echoes` requests and a burst
        // request, interleaved across this thread's mailboxes.
        for (int s = 1; s <= echoes; ++s)
            for (int i = t; i < boxes; i += threads)
                mbs[i].send(peers[i], tuple(mbs[i].self(), tuple(i, s)));
        for (int i = t; i < boxes; i += threads)
            mbs[i].send(peers[i], tuple(atom("burst"), mbs[i].self(), burst));
        // Then every answer, in order per peer: echoes 1..echoes, bursts 1..burst.
        for (int i = t; i < boxes; i += threads) {
            int next_echo = 1, next_burst = 1;
            while (next_echo <= echoes || next_burst <= burst) {
                auto r = mbs[i].receive(10s);
                if (!r) {
                    fail.add("box " + std::to_string(i) + ": " + r.error().message() +
                             " waiting for echo " + std::to_string(next_echo) + ", burst " +
                             std::to_string(next_burst));
                    break;
                }
                ++received;
                const term& m = r->message;
                if (r->sender != peers[i]) fail.add("box " + std::to_string(i) + ": wrong sender");
                if (m == tuple(atom("echo"), peers[i], tuple(i, next_echo))) {
                    ++next_echo;
                } else if (m == tuple(atom("burst"), peers[i], next_burst)) {
                    ++next_burst;
                } else {
                    fail.add("box " + std::to_string(i) + ": unexpected " + to_string(m) +
                             " (next echo " + std::to_string(next_echo) + ", next burst " +
                             std::to_string(next_burst) + ")");
                }
            }
        }
    };
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
        ts.emplace_back(work, t);
    for (auto& t : ts)
        t.join();
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    EXPECT_EQ(fail.count(), 0u) << fail.text();
    EXPECT_EQ(received.load(), long{boxes} * (echoes + burst));
    // Nothing extra arrives later (no duplicates).
    std::this_thread::sleep_for(200ms);
    std::size_t extra = 0;
    for (auto& m : mbs)
        extra += m.queued();
    EXPECT_EQ(extra, 0u);
    EXPECT_EQ(n.stats().undeliverable, 0u);
    EXPECT_EQ(n.stats().unreachable, 0u);
    RecordProperty("exchange_ms", static_cast<int>(ms));
    std::cout << boxes << " mailboxes, " << long{boxes} * (2 * echoes + 1 + burst)
              << " messages in " << ms << " ms\n";
    for (const pid& p : peers)
        ctl.send(p, atom("stop"));
}

// ---------------------------------------------------------------------------------
// Local traffic within one node, many threads (run under ThreadSanitizer too).
// ---------------------------------------------------------------------------------

node_options local_opts(const std::string& stem) {
    node_options o;
    o.name = unique_name(stem);
    o.cookie = random_cookie();
    o.register_with_epmd = false;  // no epmd needed: nothing dials this node
    o.io_threads = 2;
    o.logger = test_logger();
    return o;
}

// Every thread sends to every mailbox (by pid, registered name, {Name, Node} and alias in
// turn) while draining its own; per sender, each mailbox sees 0..rounds-1 in order.
TEST(LocalLoad, ManyThreadsManyMailboxes) {
    constexpr int threads = 8, per_thread = 8, rounds = 200;
    constexpr int total = threads * per_thread;
    node n(local_opts("local"));
    std::vector<mailbox> mbs;
    std::vector<atom> names;
    std::vector<reference> aliases;
    for (int i = 0; i < total; ++i) {
        names.emplace_back(unique_name("box"));
        mbs.push_back(n.create_mailbox(names.back()).value());
        aliases.push_back(mbs.back().make_alias());
    }
    failures fail;
    std::barrier start(threads);
    auto work = [&](int t) {
        mailbox sender = n.create_mailbox();
        // next[k][s]: the next round box (t * per_thread + k) expects from sender thread s.
        std::vector<std::vector<int>> next(per_thread, std::vector<int>(threads, 0));
        std::vector<int> got(per_thread, 0);
        auto take = [&](int k, const envelope& e) {
            auto tp = e.message.as_tuple();
            if (!tp || tp->size() != 3) return fail.add("bad message " + to_string(e.message));
            const int s = static_cast<int>(int_of((*tp)[0])),
                      r = static_cast<int>(int_of((*tp)[1]));
            if (s < 0 || s >= threads) return fail.add("bad sender " + to_string(e.message));
            if (r != next[k][s])
                fail.add("box " + std::to_string(t * per_thread + k) + " from " +
                         std::to_string(s) + ": got " + std::to_string(r) + ", expected " +
                         std::to_string(next[k][s]));
            next[k][s] = r + 1;
            if (!e.sender || !((*tp)[2] == term(*e.sender)))
                fail.add("sender missing or wrong: " + to_string(e.message));
            ++got[k];
        };
        auto drain = [&] {
            for (int k = 0; k < per_thread; ++k)
                while (auto e = mbs[t * per_thread + k].try_receive())
                    take(k, *e);
        };
        start.arrive_and_wait();
        for (int r = 0; r < rounds; ++r) {
            for (int j = 0; j < total; ++j) {
                term m = tuple(t, r, sender.self());
                switch ((r + j) % 4) {
                    case 0:
                        sender.send(mbs[j].self(), std::move(m));
                        break;
                    case 1:
                        if (sender.send(names[j], std::move(m))) fail.add("send by name failed");
                        break;
                    case 2:
                        sender.send(names[j], n.name(), std::move(m));
                        break;
                    default:
                        sender.send(aliases[j], std::move(m));
                }
            }
            if (r % 10 == 0) drain();
        }
        // Now the rest: each own box expects threads * rounds messages in all.
        for (int k = 0; k < per_thread; ++k) {
            while (got[k] < threads * rounds) {
                auto e = mbs[t * per_thread + k].receive(10s);
                if (!e) {
                    fail.add("box " + std::to_string(t * per_thread + k) + ": " +
                             e.error().message() + " after " + std::to_string(got[k]));
                    break;
                }
                take(k, *e);
            }
        }
    };
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
        ts.emplace_back(work, t);
    for (auto& t : ts)
        t.join();
    EXPECT_EQ(fail.count(), 0u) << fail.text();
    for (auto& m : mbs)
        EXPECT_EQ(m.queued(), 0u);
    EXPECT_EQ(n.stats().undeliverable, 0u);
}

// Several threads take from one mailbox while several send to it: every message is taken
// exactly once, and each taker sees each sender's messages in order. Half the takers
// block in receive(), half use async_receive with callbacks.
TEST(LocalLoad, OneMailboxManyReceivers) {
    constexpr int senders = 4, per_sender = 3000, blocking = 3, asynchronous = 3;
    node n(local_opts("shared"));
    auto shared = n.create_mailbox();
    std::mutex mu;
    std::multiset<std::pair<int, int>> taken;
    failures fail;
    std::atomic<int> count{0};
    constexpr int total = senders * per_sender;

    auto note = [&](std::vector<int>& last, const term& m) {
        const int s = static_cast<int>(int_of(*m.element(0)));
        const int i = static_cast<int>(int_of(*m.element(1)));
        if (i <= last[s]) fail.add("out of order from " + std::to_string(s));
        last[s] = i;
        std::lock_guard lock(mu);
        taken.emplace(s, i);
    };
    std::vector<std::thread> ts;
    for (int b = 0; b < blocking; ++b) {
        ts.emplace_back([&] {
            std::vector<int> last(senders, -1);
            while (count.load() < total) {
                auto e = shared.receive(50ms);
                if (!e) continue;
                note(last, e->message);
                ++count;
            }
        });
    }
    // Asynchronous takers: each re-arms from its handler until everything is taken.
    struct async_taker {
        std::vector<int> last = std::vector<int>(senders, -1);
        std::promise<void> done;
        std::function<void()> arm;
    };
    std::vector<std::unique_ptr<async_taker>> takers;
    for (int a = 0; a < asynchronous; ++a) {
        takers.push_back(std::make_unique<async_taker>());
        async_taker* tk = takers.back().get();
        tk->arm = [&, tk] {
            shared.async_receive(50ms, nullptr, [&, tk](std::error_code ec, envelope e) {
                if (!ec) {
                    note(tk->last, e.message);
                    ++count;
                }
                if (count.load() >= total)
                    tk->done.set_value();
                else
                    tk->arm();
            });
        };
        tk->arm();
    }
    for (int s = 0; s < senders; ++s) {
        ts.emplace_back([&, s] {
            mailbox from = n.create_mailbox();
            for (int i = 0; i < per_sender; ++i)
                from.send(shared.self(), tuple(s, i));
        });
    }
    for (auto& t : ts)
        t.join();
    for (auto& tk : takers)
        EXPECT_EQ(tk->done.get_future().wait_for(10s), std::future_status::ready);
    EXPECT_EQ(fail.count(), 0u) << fail.text();
    EXPECT_EQ(count.load(), total);
    std::lock_guard lock(mu);
    EXPECT_EQ(taken.size(), std::size_t{total});
    std::set<std::pair<int, int>> unique(taken.begin(), taken.end());
    EXPECT_EQ(unique.size(), std::size_t{total});
    EXPECT_EQ(shared.queued(), 0u);
}

// Threads create, link, monitor, unlink, demonitor and close mailboxes at once, also
// across threads, checking each EXIT and DOWN exactly.
TEST(LocalLoad, LinkAndMonitorChurn) {
    constexpr int threads = 8, iterations = 400;
    node n(local_opts("churn"));
    const atom a_exit("EXIT"), a_down("DOWN");
    // A hub everybody links to and unlinks from, and monitors and demonitors.
    auto hub = n.create_mailbox();
    hub.trap_exit(true);
    // Mailboxes handed from each thread to the next, to close on another thread.
    std::vector<std::mutex> hand_mu(threads);
    std::vector<std::vector<mailbox>> handed(threads);
    failures fail;
    std::barrier start(threads);
    auto work = [&](int t) {
        start.arrive_and_wait();
        auto watcher = n.create_mailbox();
        watcher.trap_exit(true);
        for (int i = 0; i < iterations; ++i) {
            auto x = n.create_mailbox();
            watcher.link(x.self());
            const reference ref = watcher.monitor(x.self());
            const reference gone = watcher.monitor(x.self());
            if (!watcher.demonitor(gone)) fail.add("demonitor of an active monitor was false");
            x.link(hub.self());
            const reference hub_ref = x.monitor(hub.self());
            x.unlink(hub.self());
            x.demonitor(hub_ref);
            const term reason = tuple(atom("r"), t, i);
            if (i % 2) {
                x.close(reason);
            } else {
                // Closed by an exit signal from this thread's watcher instead.
                watcher.exit(x.self(), reason);
            }
            auto e = watcher.receive_if(
                [&](const envelope& m) { return tagged(m.message, a_exit); }, 10s);
            if (!e || e->message != tuple(a_exit, x.self(), reason))
                fail.add("EXIT: " + (e ? to_string(e->message) : e.error().message()));
            auto d = watcher.receive_if(
                [&](const envelope& m) { return tagged(m.message, a_down); }, 10s);
            if (!d || d->message != tuple(a_down, ref, atom("process"), x.self(), reason))
                fail.add("DOWN: " + (d ? to_string(d->message) : d.error().message()));
            if (x.exit_reason() != reason) fail.add("reason: " + to_string(x.exit_reason()));

            // One for the next thread to close, and one from the previous thread.
            auto y = n.create_mailbox();
            y.link(hub.self());
            y.unlink(hub.self());
            {
                std::lock_guard lock(hand_mu[(t + 1) % threads]);
                handed[(t + 1) % threads].push_back(std::move(y));
            }
            std::vector<mailbox> mine;
            {
                std::lock_guard lock(hand_mu[t]);
                mine.swap(handed[t]);
            }
            for (auto& m : mine)
                m.close(atom("handed"));
        }
        if (watcher.queued() != 0) fail.add("watcher has extra messages");
    };
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
        ts.emplace_back(work, t);
    for (auto& t : ts)
        t.join();
    EXPECT_EQ(fail.count(), 0u) << fail.text();
    // Everybody unlinked from the hub before closing: it got no EXIT.
    EXPECT_EQ(hub.queued(), 0u);
    EXPECT_TRUE(hub.is_open());
}

}  // namespace

// A gen_server written as a C++20 coroutine: a mailbox registered as `counter`
// answers gen_server:call/2 from Erlang processes without a thread of its own, using
// async_receive with boost::asio::use_awaitable on the node's executor.
//
// Usage: async_server PEER_NODE COOKIE
//   Asks PEER_NODE (any Erlang node) to make gen_server calls to the server, through
//   rpc:call, and prints the replies. epmd is found on $ERL_EPMD_PORT (else 4369).
#include <iostream>
#include <thread>
#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <otp/call.hpp>
#include <otp/node.hpp>
#include <otp/text.hpp>

using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

// Serves {add, N} (adds to the count, replies with the new count) and `get`, until the
// mailbox closes. Each co_await gives up the thread until a message arrives.
asio::awaitable<void> serve(otp::mailbox& box) {
    long long count = 0;
    for (;;) {
        auto [ec, e] = co_await box.async_receive(asio::use_awaitable);
        if (ec) co_return;  // mailbox_closed: the node is shutting down
        auto call = otp::as_gen_call(e.message);
        if (!call) continue;  // not a call: ignored, as a gen_server would log and drop it
        otp::bindings b;
        if (otp::match(call->request, "{add, N}", &b) && b.get("N")->is_integer()) {
            count += b.get("N")->as_int64().value_or(0);
            otp::gen_reply(box, call->from, otp::term(count));
        } else if (call->request == otp::term(otp::atom("get"))) {
            otp::gen_reply(box, call->from, otp::term(count));
        } else {
            otp::gen_reply(box, call->from, otp::tuple(otp::atom("error"), otp::atom("badreq")));
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: async_server PEER_NODE COOKIE\n";
        return 2;
    }
    const otp::atom peer(argv[1]);
    otp::node_options o;
    o.name = "cpp_async";
    o.cookie = argv[2];
    otp::node node(o);

    otp::mailbox server = node.create_mailbox(otp::atom("counter")).value();
    asio::co_spawn(node.get_executor(), serve(server), asio::detached);

    // The peer may still be starting.
    for (int i = 0; i < 50 && !node.ping(peer, 2s); ++i)
        std::this_thread::sleep_for(200ms);

    // Erlang processes on the peer call the server: rpc:call(Peer, gen_server, call, ...).
    otp::mailbox me = node.create_mailbox();
    const otp::term dest = otp::tuple(otp::atom("counter"), node.name());
    for (const char* req : {"{add, 5}", "{add, 37}", "get", "nonsense"}) {
        otp::call_error err;
        auto r = otp::rpc_call(me, peer, otp::atom("gen_server"), otp::atom("call"),
                               otp::list(dest, otp::parse(req).value()), 10s, &err);
        std::cout << "gen_server:call(counter, " << req << ") -> "
                  << (r ? otp::to_string(*r) : err.code.message()) << "\n";
        if (!r) return 1;
    }
    node.close();  // closes `server`: the coroutine sees mailbox_closed and ends
    return 0;
}

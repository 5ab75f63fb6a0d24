// The main demo: a hidden C++ node joins a running Erlang node and does what a real
// node does: ping, RPC into Erlang, a gen_server call, messages both ways, Erlang
// calling a C++ function, and a link that fires when an Erlang process dies.
//
// Usage: node_demo PEER_NODE COOKIE
//   PEER_NODE  e.g. demo@myhost, started with a registered process `demo_echo` that
//              answers {From, Msg} with From ! {echoed, Msg} and exits on {crash, R}
//   epmd is found on $ERL_EPMD_PORT (else 4369).
#include <cstdio>
#include <iostream>
#include <thread>

#include <otp/call.hpp>
#include <otp/node.hpp>
#include <otp/text.hpp>

using namespace std::chrono_literals;

namespace {

void step(const char* what) {
    std::cout << "\n== " << what << "\n";
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: node_demo PEER_NODE COOKIE\n";
        return 2;
    }
    const otp::atom peer(argv[1]);

    otp::node_options opts;
    opts.name = "cpp_demo";
    opts.cookie = argv[2];
    opts.hidden = true;  // like erl_call and jinterface: not part of the peer's nodes()
    std::error_code ec;
    otp::node node(opts, ec);
    if (ec) {
        std::cerr << "node_demo: cannot start the node: " << ec.message() << "\n";
        return 1;
    }
    std::cout << "C++ node " << node.name() << " is up (port " << node.port() << ", creation "
              << node.creation() << ")\n";

    // Pids and references of this node print as <0.N.S>, the peer's as <1.N.S>.
    otp::print_options po;
    po.local_node = node.name();
    auto show = [&](const otp::term& t) { return otp::to_string(t, po); };
    auto outcome = [&](const otp::result<otp::term>& r, const otp::call_error& err) {
        return r ? show(*r) : err.code.message() + ": " + show(err.reason);
    };
    otp::call_error err;

    // A C++ function Erlang can call as cpp:greet/1.
    node.register_function(otp::atom("cpp"), otp::atom("greet"), 1,
                           [](std::span<const otp::term> args) {
                               return otp::tuple(otp::atom("hello_from_cpp"), args[0]);
                           });

    step("net_adm:ping from C++");
    // The peer may still be starting: try for a few seconds.
    bool pong = false;
    for (int i = 0; i < 50 && !pong; ++i) {
        pong = node.ping(peer, 2s);
        if (!pong) std::this_thread::sleep_for(200ms);
    }
    std::cout << (pong ? "pong" : "pang") << "\n";
    if (!pong) return 1;

    otp::mailbox me = node.create_mailbox(otp::atom("demo_inbox")).value();

    step("rpc:call(Peer, erlang, system_info, [otp_release])");
    auto release = otp::rpc_call(me, peer, otp::atom("erlang"), otp::atom("system_info"),
                                 otp::list(otp::atom("otp_release")), 5s, &err);
    std::cout << outcome(release, err) << "\n";

    step("gen_server:call({rex, Peer}, {call, lists, reverse, [[1,2,3]], user})");
    auto reversed =
        otp::gen_call(me, otp::tuple(otp::atom("rex"), peer),
                      otp::parse("{call, lists, reverse, [[1,2,3]], user}").value(), 5s, &err);
    std::cout << outcome(reversed, err) << "\n";

    step("C++ -> Erlang: {demo_echo, Peer} ! {self(), {hi, <<\"there\">>, 3.14}}");
    me.send(otp::atom("demo_echo"), peer,
            otp::tuple(me.self(), otp::parse("{hi, <<\"there\">>, 3.14}").value()));
    if (auto r = me.receive(5s))
        std::cout << "received " << show(r->message) << " from " << show(*r->sender) << "\n";

    step("Erlang -> C++: the peer runs erlang:send({demo_inbox, CppNode}, ...)");
    (void)otp::rpc_call(
        me, peer, otp::atom("erlang"), otp::atom("send"),
        otp::list(otp::tuple(otp::atom("demo_inbox"), node.name()),
                  otp::parse("{from_erlang, \"ünïcödé\", #{answer => 42}}").value()),
        5s);
    if (auto r = me.receive(5s)) std::cout << "received " << show(r->message) << "\n";

    step("Erlang calls C++: rpc:call(CppNode, cpp, greet, [world]) run on the peer");
    auto greeting = otp::rpc_call(
        me, peer, otp::atom("rpc"), otp::atom("call"),
        otp::list(node.name(), otp::atom("cpp"), otp::atom("greet"), otp::list(otp::atom("world"))),
        5s, &err);
    std::cout << outcome(greeting, err) << "\n";
    auto missing = otp::rpc_call(
        me, peer, otp::atom("rpc"), otp::atom("call"),
        otp::list(node.name(), otp::atom("cpp"), otp::atom("missing"), otp::list()), 5s, &err);
    std::cout << "an unknown C++ function, like on a BEAM node: " << outcome(missing, err) << "\n";

    step("a link fires: link to demo_echo, trap exits, make it crash");
    auto echo = otp::rpc_call(me, peer, otp::atom("erlang"), otp::atom("whereis"),
                              otp::list(otp::atom("demo_echo")), 5s);
    if (echo && echo->is_pid()) {
        me.trap_exit(true);
        me.link(*echo->as_pid());
        me.monitor(*echo->as_pid());
        me.send(*echo->as_pid(), otp::parse("{crash, demo_over}").value());
        for (int i = 0; i < 2; ++i)
            if (auto r = me.receive(5s)) std::cout << "received " << show(r->message) << "\n";
    }

    step("closing the node");
    node.close();
    std::cout << "done\n";
    return 0;
}

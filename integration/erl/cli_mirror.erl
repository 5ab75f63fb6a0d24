%% Erlang side of the `otpcpp mirror` tests (integration/cli_node_test.cpp): each
%% scenario talks to the mirror from real Erlang processes and returns `ok`, or fails
%% with what it saw instead (the C++ test prints the reason). The test compiles and
%% loads this module into its erl node itself.
-module(cli_mirror).
-export([req/2, req/3, terms/0, echo_all/1, rpc_echo_all/1, erpc_echo_all/1, identity/1,
         rpc_into/1, rpc_from/2, calls/1, child_messages/1, child_links/1,
         child_monitors/1, child_exits/1, monitor_node/1, expect_no_nodedown/1]).

-define(T, 5000).

%% One request to the mirror on Node: its reply, or `no_reply`.
req(Node, Request) -> req(Node, Request, ?T).

req(Node, Request, Timeout) ->
    Ref = make_ref(),
    {mirror, Node} ! {self(), Ref, Request},
    receive {Ref, Reply} -> Reply after Timeout -> no_reply end.

%% One of each kind of term, with the edge cases of each.
terms() ->
    BigMap = maps:from_list([{K, K * K} || K <- lists:seq(1, 40)]),
    [0, 1, -1, 255, 256, -134217729, 1 bsl 59, 1 bsl 64, -(1 bsl 64), 1 bsl 1000,
     0.0, -0.0, 1.5, -2.25e-300, 1.7976931348623157e308,
     a, '', 'with space', 'héllo', 'ш', true,
     make_ref(), self(), hd(erlang:ports()),
     fun lists:map/2, fun(X) -> {X, self()} end,
     {}, {a}, {a, {b, [c]}}, list_to_tuple(lists:seq(1, 300)),
     [], [1], "string", "ünïcødé", [1087, 1088], [1 | 2], [a, b | c], lists:seq(1, 70000),
     #{}, #{a => 1, 1 => int, 1.0 => float}, BigMap, #{#{k => v} => [x]},
     <<>>, <<1, 2, 3>>, <<"ш"/utf8>>, <<1:3>>, <<255, 7:5>>, binary:copy(<<"x">>, 100000),
     {nested, [#{key => {<<"v">>, [-0.0, 1 bsl 70]}}]}].

%% Terms whose echo differs (=/= or another encoding); [] when all came back the same.
echo_all(Node) -> mismatches(fun(T) -> req(Node, {echo, T}) end).

rpc_echo_all(Node) -> mismatches(fun(T) -> rpc:call(Node, mirror, echo, [T]) end).

erpc_echo_all(Node) -> mismatches(fun(T) -> erpc:call(Node, mirror, echo, [T]) end).

mismatches(Echo) ->
    [{T, R} || T <- terms(), R <- [Echo(T)],
               not (R =:= T andalso term_to_binary(R) =:= term_to_binary(T))].

%% `self` and `nodes`.
identity(M) ->
    Mirror = req(M, self),
    true = is_pid(Mirror) andalso node(Mirror) =:= M,
    Ref = make_ref(),
    Mirror ! {self(), Ref, {echo, via_pid}},
    via_pid = receive {Ref, R} -> R after ?T -> none end,
    [] = req(M, nodes) -- [node()],
    true = lists:member(node(), req(M, nodes)),
    {error, {bad_request, {no, such, request}}} = req(M, {no, such, request}),
    ok.

%% rpc:call and erpc:call into the mirror node: its registered C++ functions.
rpc_into(M) ->
    x = rpc:call(M, mirror, echo, [x]),
    5 = rpc:call(M, mirror, add, [2, 3]),
    Big = (1 bsl 100) - (1 bsl 99) + 7,
    Big = rpc:call(M, mirror, add, [1 bsl 100, 7 - (1 bsl 99)]),
    -3 = erpc:call(M, mirror, add, [-1 bsl 80, (1 bsl 80) - 3]),
    {badrpc, {'EXIT', {undef, _}}} = rpc:call(M, mirror, nosuch, [1]),
    {badrpc, {'EXIT', {undef, _}}} = rpc:call(M, nosuch, echo, [1]),
    {badrpc, {'EXIT', {undef, _}}} = rpc:call(M, mirror, echo, [1, 2]),
    ok = try erpc:call(M, mirror, nosuch, []) of
             V -> {unexpected, V}
         catch error:{exception, undef, _} -> ok
         end,
    pong = net_adm:ping(M),
    ok.

%% {rpc, ...} requests from the mirror into the node `Target`.
rpc_from(M, Target) ->
    Target = req(M, {rpc, Target, erlang, node, []}),
    [3, 2, 1] = req(M, {rpc, Target, lists, reverse, [[1, 2, 3]]}),
    ball = req(M, {rpc, Target, erlang, throw, [ball]}),
    {badrpc, {'EXIT', bye}} = req(M, {rpc, Target, erlang, exit, [bye]}),
    {badrpc, {'EXIT', {boom, [_ | _]}}} = req(M, {rpc, Target, erlang, error, [boom]}),
    {badrpc, {'EXIT', {undef, [{nosuchmod, f, [], _} | _]}}} =
        req(M, {rpc, Target, nosuchmod, f, []}),
    [_, Host] = string:split(atom_to_list(node()), "@"),
    {badrpc, nodedown} = req(M, {rpc, list_to_atom("nobody@" ++ Host), erlang, node, []}),
    ok.

%% {call, Dest, Request, Timeout} requests: replies and the failure shapes.
calls(M) ->
    Server = spawn(fun server/0),
    register(cli_mirror_server, Server),
    Silent = spawn(fun() -> receive never -> ok end end),
    Dying = spawn(fun() -> receive {'$gen_call', _, _} -> exit(boom) end end),
    Me = node(),
    [_, Host] = string:split(atom_to_list(Me), "@"),
    Nobody = list_to_atom("nobody@" ++ Host),
    {got, hi} = req(M, {call, Server, hi, ?T}),
    {got, by_name} = req(M, {call, cli_mirror_server, by_name, ?T}),
    {got, remote} = req(M, {call, {cli_mirror_server, Me}, remote, infinity}),
    yes = req(M, {call, {net_kernel, Me}, {is_auth, M}, ?T}),
    {'EXIT', {noproc, {gen_server, call, [{nosuch, Me}, hi, 1000]}}} =
        req(M, {call, nosuch, hi, 1000}),
    {'EXIT', {timeout, {gen_server, call, [Silent, hi, 200]}}} = req(M, {call, Silent, hi, 200}),
    {'EXIT', {boom, {gen_server, call, [Dying, hi, ?T]}}} = req(M, {call, Dying, hi, ?T}),
    {'EXIT', {noproc, {gen_server, call, [Dying, hi, ?T]}}} = req(M, {call, Dying, hi, ?T}),
    {'EXIT', {{nodedown, Nobody}, {gen_server, call, [{x, Nobody}, hi, 1000]}}} =
        req(M, {call, {x, Nobody}, hi, 1000}),
    %% The reply that comes after the timeout is not taken for the next call's.
    Slow = spawn(fun slow_server/0),
    {'EXIT', {timeout, _}} = req(M, {call, Slow, first, 100}),
    {got, second} = req(M, {call, Slow, second, ?T}),
    exit(Server, kill),
    ok.

server() ->
    receive {'$gen_call', From, Req} -> gen_server:reply(From, {got, Req}), server() end.

slow_server() ->
    receive {'$gen_call', From, Req} ->
        timer:sleep(300),
        gen_server:reply(From, {got, Req}),
        slow_server()
    end.

%% A child of the mirror for this process.
child(M) ->
    C = req(M, spawn),
    true = is_pid(C) andalso node(C) =:= M,
    C.

%% The next child event, or `none` within the time limit.
event(C) -> event(C, ?T).

event(C, Timeout) ->
    receive {child_event, C, E} -> E after Timeout -> none end.

%% Waits until the child has handled everything sent to it before: every command
%% then took effect, and every event it caused was reported before this marker's.
sync(C) ->
    Marker = make_ref(),
    C ! Marker,
    {message, Marker} = event(C),
    ok.

%% Messages and {send, To, Msg}.
child_messages(M) ->
    C = child(M),
    C ! hello,
    {message, hello} = event(C),
    C ! {unknown, command},
    {message, {unknown, command}} = event(C),
    Self = self(),
    C ! {send, Self, to_pid},
    to_pid = receive to_pid -> to_pid after ?T -> none end,
    register(cli_mirror_inbox, Self),
    C ! {send, cli_mirror_inbox, to_name},
    to_name = receive to_name -> to_name after ?T -> none end,
    C ! {send, {cli_mirror_inbox, node()}, to_name_node},
    to_name_node = receive to_name_node -> to_name_node after ?T -> none end,
    unregister(cli_mirror_inbox),
    %% A second child is a different process, reporting to whoever spawned it.
    C2 = child(M),
    true = C2 =/= C,
    C2 ! {send, C, from_sibling},
    {message, from_sibling} = event(C),
    none = event(C, 200),
    ok.

%% {link, Pid} and {unlink, Pid}; exit signals over links become {'EXIT', ...}.
child_links(M) ->
    C = child(M),
    P = victim(),
    C ! {link, P},
    sync(C),
    ok = wait_linked(P, C),
    P ! {die, boom},
    {'EXIT', P, boom} = event(C),
    %% A normal exit is reported too: the child traps exits.
    P2 = victim(),
    C ! {link, P2},
    sync(C),
    ok = wait_linked(P2, C),
    P2 ! {die, normal},
    {'EXIT', P2, normal} = event(C),
    %% Unlinked: nothing.
    P3 = victim(),
    C ! {link, P3},
    sync(C),
    ok = wait_linked(P3, C),
    C ! {unlink, P3},
    sync(C),
    kill_and_wait(P3, boom),
    sync(C),
    %% Linking to a dead process gives noproc.
    C ! {link, P3},
    {'EXIT', P3, noproc} = event(C),
    %% Erlang linking to the child: the child's exit reaches us.
    process_flag(trap_exit, true),
    link(C),
    sync(C),
    C ! {exit, {shutdown, done}},
    {'EXIT', C, {shutdown, done}} = receive {'EXIT', C, _} = X -> X after ?T -> none end,
    process_flag(trap_exit, false),
    ok.

%% {monitor, Pid} and {demonitor, Ref}, and monitors on the child.
child_monitors(M) ->
    C = child(M),
    P = victim(),
    C ! {monitor, P},
    {monitor_ref, R} = event(C),
    true = is_reference(R),
    kill_and_wait(P, boom),
    {'DOWN', R, process, P, boom} = event(C),
    P2 = victim(),
    C ! {monitor, P2},
    {monitor_ref, R2} = event(C),
    C ! {demonitor, R2},
    sync(C),
    kill_and_wait(P2, boom),
    sync(C),
    C ! {monitor, P2},
    {monitor_ref, R3} = event(C),
    {'DOWN', R3, process, P2, noproc} = event(C),
    %% Our monitor on the child sees its exit reason.
    MR = erlang:monitor(process, C),
    C ! {exit, bye},
    {'DOWN', MR, process, C, bye} = receive {'DOWN', MR, _, _, _} = D -> D after ?T -> none end,
    %% A dead child does nothing.
    C ! {send, self(), too_late},
    none = receive too_late -> too_late after 300 -> none end,
    ok.

%% {exit2, Pid, Reason}, and exit signals sent to the child.
child_exits(M) ->
    C = child(M),
    Self = self(),
    %% exit/2 from the child: a trapping process gets it as a message...
    Trapper = spawn(fun() ->
                        process_flag(trap_exit, true),
                        Self ! ready,
                        receive X -> Self ! {trapped, X} end
                    end),
    receive ready -> ok end,
    C ! {exit2, Trapper, because},
    {trapped, {'EXIT', C, because}} = receive {trapped, _} = T -> T after ?T -> none end,
    %% ...and ends one that does not trap.
    P = victim(),
    PR = erlang:monitor(process, P),
    C ! {exit2, P, shot},
    {'DOWN', PR, process, P, shot} = receive {'DOWN', PR, _, _, _} = D -> D after ?T -> none end,
    %% exit(Child, R) is reported like a link's signal, normal included.
    exit(C, stop_it),
    {'EXIT', Self, stop_it} = event(C),
    exit(C, normal),
    {'EXIT', Self, normal} = event(C),
    %% kill ends it: links get killed.
    CR = erlang:monitor(process, C),
    exit(C, kill),
    {'DOWN', CR, process, C, killed} = receive {'DOWN', CR, _, _, _} = K -> K after ?T -> none end,
    none = event(C, 200),
    ok.

%% A process that dies when told.
victim() ->
    spawn(fun() -> receive {die, Reason} -> exit(Reason) end end).

kill_and_wait(P, Reason) ->
    R = erlang:monitor(process, P),
    P ! {die, Reason},
    receive {'DOWN', R, process, P, _} -> ok end.

wait_linked(P, C) -> wait_linked(P, C, 100).

wait_linked(_, _, 0) -> not_linked;
wait_linked(P, C, N) ->
    case process_info(P, links) of
        {links, Links} ->
            case lists:member(C, Links) of
                true -> ok;
                false -> timer:sleep(20), wait_linked(P, C, N - 1)
            end;
        undefined -> dead
    end.

%% A process that watches the connection to Node; expect_no_nodedown/2 asks it.
monitor_node(Node) ->
    Self = self(),
    P = spawn(fun() ->
                  erlang:monitor_node(Node, true),
                  Self ! {watching, self()},
                  receive
                      {nodedown, Node} -> receive {ask, From} -> From ! nodedown end;
                      {ask, From} -> From ! no_nodedown
                  end
              end),
    receive {watching, P} -> P end.

%% `no_nodedown` when the connection `Watcher` watches never went down.
expect_no_nodedown(Watcher) ->
    Watcher ! {ask, self()},
    receive R -> R after ?T -> no_answer end.

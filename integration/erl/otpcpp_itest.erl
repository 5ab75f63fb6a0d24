%% Erlang side of otpcpp's integration tests: "puppet" processes that a C++ mailbox
%% drives with commands, reporting everything they receive back to it.
-module(otpcpp_itest).
-export([start_puppet/1, puppet/1, echo/0, start_echo/1, add/2, stream/2]).
-export([spawn_load_peers/1, load_peer/0, connect_at/2]).
-export([start_counter/1, counter/2]).
-export([start_monitor_storm/2, monitor_storm/3]).

%% A process that runs commands for Controller and forwards everything else it
%% receives (messages, 'EXIT' and 'DOWN' messages) as {got, Self, Msg}.
start_puppet(Controller) ->
    spawn(?MODULE, puppet, [Controller]).

puppet(Controller) ->
    receive
        {cmd, Ref, {die, Reason}} ->
            Controller ! {reply, Ref, ok},
            exit(Reason);
        {cmd, Ref, Cmd} ->
            Controller ! {reply, Ref, catch run(Cmd)},
            puppet(Controller);
        Other ->
            Controller ! {got, self(), Other},
            puppet(Controller)
    end.

run({link, P}) -> link(P);
run({unlink, P}) -> unlink(P);
run({monitor, P}) -> erlang:monitor(process, P);
run({demonitor, R}) -> erlang:demonitor(R);
run({exit, P, R}) -> exit(P, R);
run({trap_exit, B}) -> process_flag(trap_exit, B);
run({send, D, M}) -> D ! M, ok;
run({register, Name}) -> register(Name, self());
run({call, D, Req, T}) -> gen_server:call(D, Req, T);
run({apply, M, F, A}) -> apply(M, F, A).

%% A registered echo server: {From, Msg} -> From ! {echo, self(), Msg}.
start_echo(Name) ->
    Pid = spawn(?MODULE, echo, []),
    register(Name, Pid),
    Pid.

%% {delay, Ms, From, Msg} answers as {From, Msg} does, Ms milliseconds later.
echo() ->
    receive
        stop -> ok;
        {delay, Ms, From, Msg} -> timer:sleep(Ms), From ! {echo, self(), Msg}, echo();
        {From, Msg} -> From ! {echo, self(), Msg}, echo()
    end.

add(A, B) -> A + B.

%% N processes for load tests (a list of pids). Each answers {From, Seq} with
%% {echo, self(), Seq} and {burst, From, K} with K messages {burst, self(), J}, J = 1..K.
spawn_load_peers(N) ->
    [spawn(?MODULE, load_peer, []) || _ <- lists:seq(1, N)].

load_peer() ->
    receive
        stop -> ok;
        {burst, From, K} ->
            [From ! {burst, self(), J} || J <- lists:seq(1, K)],
            load_peer();
        {From, Seq} ->
            From ! {echo, self(), Seq},
            load_peer()
    end.

%% Waits until os:system_time(microsecond) reaches AtMicros, then dials Node (for
%% simultaneous connects): net_kernel:connect_node/1's result.
connect_at(Node, AtMicros) ->
    Wait = AtMicros - os:system_time(microsecond),
    if Wait > 0 -> timer:sleep(Wait div 1000), spin_until(AtMicros);
       true -> ok
    end,
    net_kernel:connect_node(Node).

spin_until(At) ->
    case os:system_time(microsecond) >= At of
        true -> ok;
        false -> spin_until(At)
    end.

%% A registered process that takes {seq, I, _} messages and counts them, and those that
%% did not come in order (I not one more than the last); {count, From} is answered with
%% {count, Counted, OutOfOrder}.
start_counter(Name) ->
    Pid = spawn(?MODULE, counter, [0, 0]),
    register(Name, Pid),
    Pid.

counter(N, Bad) ->
    receive
        {seq, I, _} when I =:= N + 1 -> counter(N + 1, Bad);
        {seq, _, _} -> counter(N + 1, Bad + 1);
        {count, From} -> From ! {count, N, Bad}, counter(N, Bad)
    end.

%% A process that monitors Target over and over (up to 100,000 times) until the first
%% 'DOWN' arrives, then waits for the 'DOWN' of every monitor it made and sends
%% Reporter {storm, self(), [{Reason, Count}]}: how the monitors ended.
start_monitor_storm(Target, Reporter) ->
    spawn(?MODULE, monitor_storm, [Target, Reporter, 0]).

monitor_storm(Target, Reporter, Made) when Made < 100000 ->
    erlang:monitor(process, Target),
    receive
        {'DOWN', _, process, _, Reason} -> storm_downs(Reporter, Made, #{Reason => 1})
    after 0 -> monitor_storm(Target, Reporter, Made + 1)
    end;
monitor_storm(_, Reporter, Made) ->
    receive
        {'DOWN', _, process, _, Reason} -> storm_downs(Reporter, Made - 1, #{Reason => 1})
    end.

storm_downs(Reporter, 0, Reasons) ->
    Reporter ! {storm, self(), lists:sort(maps:to_list(Reasons))};
storm_downs(Reporter, Left, Reasons) ->
    receive
        {'DOWN', _, process, _, R} ->
            storm_downs(Reporter, Left - 1, maps:update_with(R, fun(C) -> C + 1 end, 1, Reasons))
    after 10000 ->
        Reporter ! {storm, self(), {missing, Left, lists:sort(maps:to_list(Reasons))}}
    end.

%% Sends {seq, I} for I in 1..N to To, as fast as it can.
stream(To, N) ->
    lists:foreach(fun(I) -> To ! {seq, I} end, lists:seq(1, N)),
    ok.

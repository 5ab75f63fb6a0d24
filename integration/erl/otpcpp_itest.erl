%% Erlang side of otpcpp's integration tests: "puppet" processes that a C++ mailbox
%% drives with commands, reporting everything they receive back to it.
-module(otpcpp_itest).
-export([start_puppet/1, puppet/1, echo/0, start_echo/1, add/2]).

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

echo() ->
    receive
        stop -> ok;
        {From, Msg} -> From ! {echo, self(), Msg}, echo()
    end.

add(A, B) -> A + B.

#!/usr/bin/env escript
%% -*- erlang -*-
%%! -noshell
%% etf_random_terms: seeded random terms encoded by this node's term_to_binary, for
%% the EtfLive test (decode then re-encode must give the same bytes).
%%
%%   escript tests/vectors/etf_random_terms.erl Seed Count OutFile
%%
%% OutFile holds Count records <<Minor:8, Level:8, BigMap:8, Len:32, Bytes:Len/binary>>
%% where Bytes = term_to_binary(T, Options), Minor is the minor_version used, Level
%% the zlib level (255: not compressed) and BigMap 1 when T holds a map of more than
%% 32 keys (OTP writes those in hash order, so only decode-equality can be checked).
-mode(compile).

main([Seed, Count, Out]) ->
    rand:seed(exsss, {list_to_integer(Seed), 17, 4711}),
    Recs = [record() || _ <- lists:seq(1, list_to_integer(Count))],
    ok = file:write_file(Out, Recs),
    halt(0);
main(_) ->
    io:format(standard_error, "usage: etf_random_terms.erl Seed Count OutFile~n", []),
    halt(2).

record() ->
    T = term(4),
    Minor = u(3) - 1,
    {Level, Opts} = case u(4) of
                        1 -> L = u(10) - 1, {L, [{compressed, L}, {minor_version, Minor}]};
                        _ -> {255, [{minor_version, Minor}]}
                    end,
    B = term_to_binary(T, Opts),
    Big = case has_big_map(T) of true -> 1; false -> 0 end,
    <<Minor:8, Level:8, Big:8, (byte_size(B)):32, B/binary>>.

u(N) -> rand:uniform(N).
pick(L) -> lists:nth(u(length(L)), L).

term(D) when D =< 0 -> leaf();
term(D) ->
    case u(14) of
        N when N =< 5 -> leaf();
        6 -> list_to_tuple([term(D - 1) || _ <- lists:seq(1, u(5) - 1)]);
        7 -> [term(D - 1) || _ <- lists:seq(1, u(6) - 1)];
        8 -> [term(D - 1) || _ <- lists:seq(1, u(3))] ++ leaf();
        9 -> maps:from_list([{term(D - 2), term(D - 1)} || _ <- lists:seq(1, u(8) - 1)]);
        10 -> case u(6) of
                  1 -> maps:from_list([{key(), leaf()} || _ <- lists:seq(1, 30 + u(20))]);
                  _ -> maps:from_list([{key(), leaf()} || _ <- lists:seq(1, u(32))])
              end;
        11 -> [u(256) - 1 || _ <- lists:seq(1, u(40))];
        12 -> X = term(D - 1), Y = leaf(), pick([fun() -> X end, fun(A) -> {A, X, Y} end]);
        13 -> list_to_tuple([leaf() || _ <- lists:seq(1, 250 + u(10))]);
        %% Byte lists around STRING_EXT's 65535-element limit, now and then.
        14 -> case u(40) of
                  1 -> [u(256) - 1 || _ <- lists:seq(1, 65530 + u(10))];
                  _ -> [u(256) - 1 || _ <- lists:seq(1, u(300))]
              end
    end.

key() ->
    case u(4) of
        1 -> u(1000);
        2 -> atom();
        3 -> integer_to_binary(u(100000));
        4 -> float(u(1000)) / 4
    end.

leaf() ->
    case u(16) of
        1 -> u(256) - 1;
        2 -> int();
        3 -> float_();
        4 -> atom();
        5 -> atom();
        6 -> rand:bytes(u(100) - 1);
        7 -> bits();
        8 -> [];
        9 -> {};
        10 -> pid();
        11 -> port();
        12 -> ref();
        13 -> pick([fun lists:map/2, fun erlang:'+'/2, fun ?MODULE:term/1]);
        14 -> #{};
        15 -> [u(256) - 1 || _ <- lists:seq(1, u(20))];
        16 -> pick([0.0, -0.0, 1.0e308, 5.0e-324, -1 bsl 63, 1 bsl 63, 1 bsl 64, -1 bsl 64,
                    (1 bsl 31) - 1, -(1 bsl 31), 1 bsl 31, -(1 bsl 31) - 1, 255, 256, -1])
    end.

int() ->
    Bits = case u(4) of
               1 -> u(8);
               2 -> u(32);
               3 -> u(64);
               4 -> u(3000)
           end,
    V = rand:uniform(1 bsl Bits) - 1,
    case u(2) of 1 -> V; 2 -> -V end.

float_() ->
    <<R:64>> = rand:bytes(8),
    try <<F:64/float>> = <<R:64>>, F
    catch error:_ -> float_()
    end.

atom() ->
    case u(4) of
        1 -> pick([ok, error, true, false, undefined, '', 'a b', 'ä', 'Ω', 'nonode@nohost']);
        2 -> list_to_atom([$a + u(26) - 1 || _ <- lists:seq(1, u(255))]);
        3 -> list_to_atom([u(255) || _ <- lists:seq(1, u(255) - 1)]);
        4 -> list_to_atom([pick([$x, 233, 8364, 16#1F600, 16#10FFFF, 955]) || _ <- lists:seq(1, u(255) - 1)])
    end.

bits() ->
    N = u(40),
    <<B:N/bitstring, _/bitstring>> = rand:bytes(6),
    B.

node_name() -> pick([<<"alpha@host1">>, <<"b@h">>, <<"nöde@hôst"/utf8>>, <<"日本@x"/utf8>>]).
node_atom() -> N = node_name(), <<119, (byte_size(N)):8, N/binary>>.
u32() -> rand:uniform(1 bsl 32) - 1.
pid() -> binary_to_term(<<131, 88, (node_atom())/binary, (u32()):32, (u32()):32, (u32()):32>>).
port() ->
    case u(3) of
        1 -> binary_to_term(<<131, 89, (node_atom())/binary, (u(1 bsl 28) - 1):32, (u32()):32>>);
        2 -> binary_to_term(<<131, 89, (node_atom())/binary, (u32()):32, (u32()):32>>);
        3 -> binary_to_term(<<131, 120, (node_atom())/binary, (rand:uniform(1 bsl 64) - 1):64, (u32()):32>>)
    end.
ref() ->
    N = u(5),
    binary_to_term(<<131, 90, N:16, (node_atom())/binary, (u32()):32,
                     (<< <<(u32()):32>> || _ <- lists:seq(1, N) >>)/binary>>).

has_big_map(M) when is_map(M) ->
    map_size(M) > 32 orelse lists:any(fun has_big_map/1, maps:keys(M) ++ maps:values(M));
has_big_map(T) when is_tuple(T) -> lists:any(fun has_big_map/1, tuple_to_list(T));
has_big_map([H | T]) -> has_big_map(H) orelse has_big_map(T);
has_big_map(F) when is_function(F) ->
    case erlang:fun_info(F, type) of
        {type, local} -> {env, E} = erlang:fun_info(F, env), lists:any(fun has_big_map/1, E);
        _ -> false
    end;
has_big_map(_) -> false.

#!/usr/bin/env escript
%% -*- erlang -*-
%%! -noshell
%% gen_etf_vectors: golden external-term-format vectors from a real OTP node.
%%
%%   escript scripts/gen_etf_vectors.erl > tests/vectors/etf_vectors.txt
%%
%% Output, one vector per line, tab separated:
%%   V  Options  Hex  Text   term_to_binary(T, Options) = Hex; decoding Hex and
%%                            re-encoding with Options must give Hex again.
%%   U  Options  Hex  Text   as V, but T holds a map of more than 32 keys, which
%%                            OTP writes in hash order: only decode-equality holds.
%%   D  Input    Want Text   binary_to_term(Input) then term_to_binary/1 gives Want
%%                            (non-canonical or old encodings); Want is "error" when
%%                            binary_to_term/1 refuses Input.
%% Options are written as minor=N,compressed=L (L = -1 for none). Text is
%% io_lib:format("~w") of the term, cut to 200 characters; it is informational.
-mode(compile).

main(_) ->
    io:format("# ETF vectors from OTP ~s (erts ~s); regenerate with "
              "escript scripts/gen_etf_vectors.erl~n",
              [erlang:system_info(otp_release), erlang:system_info(version)]),
    [emit_v(T, O) || {T, O} <- encode_cases()],
    [emit_d(B) || B <- decode_cases()],
    ok.

%% ---------------------------------------------------------------------------
%% Output

opts_text(Opts) ->
    Minor = proplists:get_value(minor_version, Opts, 1),
    Level = case lists:member(compressed, Opts) of
                true -> 6;
                false -> proplists:get_value(compressed, Opts, -1)
            end,
    io_lib:format("minor=~b,compressed=~b", [Minor, Level]).

text(T) ->
    S = lists:flatten(io_lib:format("~w", [T])),
    %% ASCII only, so the file reads the same whatever the terminal's encoding.
    S1 = lists:append([if C =:= $\t; C =:= $\n -> " ";
                          C < 32; C > 126 -> io_lib:format("\\x{~.16B}", [C]);
                          true -> [C]
                       end || C <- S]),
    case length(S1) > 200 of true -> lists:sublist(S1, 197) ++ "..."; false -> S1 end.

hex(B) -> binary:encode_hex(B).

emit_v(T, Opts) ->
    Kind = case has_big_map(T) of true -> "U"; false -> "V" end,
    io:format("~s\t~s\t~s\t~s~n", [Kind, opts_text(Opts), hex(term_to_binary(T, Opts)), text(T)]).

emit_d(B) ->
    case catch binary_to_term(B) of
        {'EXIT', _} -> io:format("D\t~s\terror\t-~n", [hex(B)]);
        T -> io:format("D\t~s\t~s\t~s~n", [hex(B), hex(term_to_binary(T)), text(T)])
    end.

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

%% ---------------------------------------------------------------------------
%% Terms

node_atom(N) -> <<119, (byte_size(N)):8, N/binary>>.
rpid(Node, Id, Serial, Cr) -> binary_to_term(<<131, 88, (node_atom(Node))/binary, Id:32, Serial:32, Cr:32>>).
rport(Node, Id, Cr) when Id =< 16#FFFFFFFF ->
    binary_to_term(<<131, 89, (node_atom(Node))/binary, Id:32, Cr:32>>);
rport(Node, Id, Cr) -> binary_to_term(<<131, 120, (node_atom(Node))/binary, Id:64, Cr:32>>).
rref(Node, Cr, Words) ->
    binary_to_term(<<131, 90, (length(Words)):16, (node_atom(Node))/binary, Cr:32,
                     (<< <<W:32>> || W <- Words >>)/binary>>).

ints() ->
    P = fun(N) -> 1 bsl N end,
    [0, 1, 2, 127, 128, 255, 256, -1, -2, -128, -255, -256, 1000, -1000, 65535, 65536,
     P(31) - 1, P(31), -P(31), -P(31) - 1, P(32) - 1, P(32), -P(32), P(40), P(48) + 7,
     P(56) - 1, P(56), P(63) - 1, P(63), -P(63), -P(63) - 1, P(64) - 1, P(64), -P(64),
     -P(64) + 1, P(64) + 1, P(100), -P(100) + 12345, P(2039), P(2040) - 1, P(2040), -P(2040),
     P(2047) + 3, P(3000) + 17, -(P(3000) + 17), 1234567890123456789012345678901234567890].

floats() ->
    [0.0, -0.0, 1.0, -1.0, 1.5, -1.5, 0.1, 1.0e308, -1.0e308, 1.7976931348623157e308,
     5.0e-324, -5.0e-324, 2.2250738585072014e-308, 2.225073858507201e-308, 3.141592653589793,
     1.0e-10, 123456789.123, 9007199254740993.0, 1.0e15, 1.0e16, 1.0e22, 6.02214076e23].

atoms() ->
    [
     '', a, abc, ok, true, false, undefined, 'hello world', 'with\'quote', 'nonode@nohost',
     'ä', 'ÿ', 'Ärger', 'naïve_café',
     binary_to_atom(<<"€"/utf8>>, utf8), binary_to_atom(<<"日本語"/utf8>>, utf8),
     binary_to_atom(<<"emoji_😀"/utf8>>, utf8), binary_to_atom(<<"héllo_€"/utf8>>, utf8),
     list_to_atom(lists:duplicate(255, $a)), list_to_atom(lists:duplicate(255, $é)),
     list_to_atom(lists:duplicate(128, $é)), list_to_atom(lists:duplicate(127, $é) ++ "a"),
     binary_to_atom(binary:copy(<<"€"/utf8>>, 85), utf8),
     binary_to_atom(<<(binary:copy(<<"€"/utf8>>, 85))/binary, "a">>, utf8),
     binary_to_atom(binary:copy(<<"€"/utf8>>, 255), utf8),
     binary_to_atom(binary:copy(<<"😀"/utf8>>, 255), utf8),
     list_to_atom([0]), list_to_atom([255, 0, 1])
    ].

lists_() ->
    [[], "a", "abc", [0], [255], [256], [-1], [1, 2, 300], [a | b], [1 | 2], [1, 2 | 3],
     "abc" ++ improper, [[]], [[1]], [[], []], [1.5], [a, b, c], "héllo", [$h, 233, 8364],
     unicode:characters_to_list(<<"日本"/utf8>>), [1, [2, [3, [4]]]], [<<1>>, <<2>>],
     lists:seq(1, 300), lists:duplicate(65535, 1), lists:duplicate(65536, 1),
     [7, 7, 256], [200, 200 | improper],
     [{a, 1}, {b, 2}], [[] | []], [[] | x], ["" | ""], [1 | <<2>>], [1 | {}]].

tuples() ->
    [{}, {1}, {a, b}, {{{}}}, {ok, 1}, {error, {badarg, [1, 2]}},
     list_to_tuple(lists:seq(1, 255)), list_to_tuple(lists:seq(1, 256)),
     list_to_tuple(lists:duplicate(1000, x)), {[], {}, #{}, <<>>}].

binaries() ->
    [<<>>, <<0>>, <<1, 2, 3>>, <<"hello">>, <<"héllo"/utf8>>, list_to_binary(lists:seq(0, 255)),
     binary:copy(<<"abc">>, 1000), <<1:1>>, <<1:3>>, <<0:7>>, <<127:7>>, <<1, 2, 3:4>>,
     <<255, 255, 1:1>>, <<0:0>>, <<16#FFFF:15>>, binary:copy(<<7>>, 10000)].

pids_ports_refs() ->
    N1 = <<"alpha@host1">>, N2 = <<"nöde@hôst"/utf8>>, N3 = <<"日本@host"/utf8>>,
    [rpid(N1, 1, 0, 1), rpid(N1, 16#7FFF, 16#1FFF, 16#12345678), rpid(N1, 16#FFFFFFFF, 16#FFFFFFFF, 16#FFFFFFFF),
     rpid(N2, 42, 3, 7), rpid(N3, 0, 0, 0), rpid(<<"a@b">>, 5, 6, 0),
     rport(N1, 0, 1), rport(N1, 5, 3), rport(N1, 16#0FFFFFFF, 2), rport(N1, 16#10000000, 2),
     rport(N1, 16#FFFFFFFF, 16#FFFFFFFF), rport(N1, 1 bsl 40, 9), rport(N2, 16#FFFFFFFFFFFFFFFF, 1),
     rref(N1, 1, [1]), rref(N1, 2, [1, 2]), rref(N1, 3, [16#3FFFF, 16#FFFFFFFF, 3]),
     rref(N2, 16#FFFFFFFF, [1, 2, 3, 4]), rref(N3, 5, [5, 4, 3, 2, 1]),
     rref(N1, 7, [16#FFFFFFFF, 0, 0])].

maps_() ->
    R = rref(<<"r@h">>, 1, [1, 2, 3]), P = rpid(<<"p@h">>, 1, 2, 3), Pt = rport(<<"p@h">>, 9, 3),
    Mixed = #{1 => int, 1.0 => float, -1 => neg, (1 bsl 70) => big, 2.5 => f2, atom => a,
              R => ref, fun lists:map/2 => export, Pt => port, P => pid, {t, 1} => tuple,
              #{k => v} => map, [] => nil, [1, 2] => list, <<"bin">> => binary, <<1:3>> => bits,
              'ä' => latin1, zzz => z, "str" => string},
    [#{}, #{a => 1}, #{b => 1, a => 2}, #{1.0 => a, 2 => b}, #{2 => b, 1.0 => a, -5 => c},
     #{<<"b">> => 1, <<"a">> => 2, <<"ab">> => 3, <<1:1>> => 4},
     Mixed, #{Mixed => Mixed},
     maps:from_list([{I, I * I} || I <- lists:seq(1, 32)]),
     maps:from_list([{list_to_atom("k" ++ integer_to_list(I)), I} || I <- lists:seq(1, 32)]),
     maps:from_list([{I, I} || I <- lists:seq(1, 33)]),
     maps:from_list([{<<"key", (integer_to_binary(I))/binary>>, [I]} || I <- lists:seq(1, 100)]),
     #{a => #{b => #{c => #{}}}}, #{0.0 => zero}, #{-0.0 => negzero},
     #{[] => 1, {} => 2, <<>> => 3, #{} => 4, '' => 5}].

funs() ->
    X = 42, L = [1, 2, 3], F0 = fun() -> ok end,
    [fun lists:map/2, fun erlang:'+'/2, fun erlang:self/0, fun 'a b':'c d'/255,
     F0, fun(A) -> A + X end, fun(A, B) -> {A, B, X, L} end, fun() -> F0 end,
     {F0, [fun lists:map/2]}].

nested() ->
    Deep = lists:foldl(fun(_, Acc) -> {Acc} end, leaf, lists:seq(1, 200)),
    DeepL = lists:foldl(fun(_, Acc) -> [Acc] end, [], lists:seq(1, 200)),
    DeepM = lists:foldl(fun(I, Acc) -> #{I => Acc} end, #{}, lists:seq(1, 100)),
    [{ok, [1, {2, <<"x">>}, #{k => [a | b]}]}, Deep, DeepL, DeepM,
     {'$gen_call', {rpid(<<"c@h">>, 1, 2, 3), [alias | rref(<<"c@h">>, 3, [1, 2, 3])]}, {get, key}},
     [{user, 1, <<"bob">>, #{age => 30, tags => [a, b]}, rpid(<<"app@host">>, 9, 0, 1)}],
     {1.5, -0.0, [2.5 | 3.5], #{1.5 => [1.5]}}].

compressible() ->
    [lists:seq(1, 100), binary:copy(<<"abcdef">>, 50), lists:duplicate(100, hello),
     {data, binary:copy(<<0>>, 1000), lists:duplicate(50, {a, 1})}, abc, {a, b},
     list_to_binary(lists:seq(0, 255)), [1.5, 2.5, 3.5, 4.5], lists:duplicate(20, x),
     binary:copy(<<"xy">>, 6), binary:copy(<<"xy">>, 7), binary:copy(<<"xy">>, 8),
     binary:copy(<<"xy">>, 9), binary:copy(<<"xy">>, 12), binary:copy(<<"xy">>, 16)].

encode_cases() ->
    Minors = [[{minor_version, 0}], [], [{minor_version, 2}]],
    Plain = ints() ++ lists_() ++ tuples() ++ binaries() ++ maps_() ++ funs() ++ nested(),
    [{T, []} || T <- Plain] ++
    [{T, O} || T <- floats() ++ atoms() ++ pids_ports_refs(), O <- Minors] ++
    [{T, [{minor_version, 0}]} || T <- [{1.5, 'ä'}, #{1.5 => 'é'}, [0.1, -0.0]]] ++
    [{T, [{minor_version, 2}]} || T <- [{1.5, 'ä'}, maps_(), funs()]] ++
    [{T, O} || T <- compressible(),
               O <- [[compressed], [{compressed, 0}], [{compressed, 1}], [{compressed, 9}],
                     [{compressed, 6}, {minor_version, 2}], [{compressed, 3}, {minor_version, 0}]]] ++
    [{T, [compressed]} || T <- [maps_(), funs(), lists:duplicate(65536, 1), binaries()]].

%% ---------------------------------------------------------------------------
%% Non-canonical and invalid inputs, as binary_to_term/1 reads them.

pad(S) -> <<(list_to_binary(S))/binary, 0:((31 - length(S)) * 8)>>.
flt(S) -> <<131, 99, (pad(S))/binary>>.

decode_cases() ->
    A = <<100, 0, 3, "a@b">>,
    Z = fun(B) -> zlib:compress(B) end,
    [
     %% integers in non-minimal forms
     <<131, 98, 0, 0, 0, 5>>, <<131, 98, 255, 255, 255, 255>>, <<131, 98, 0, 0, 1, 0>>,
     <<131, 110, 0, 0>>, <<131, 110, 0, 1>>, <<131, 110, 1, 0, 0>>, <<131, 110, 1, 1, 0>>,
     <<131, 110, 2, 0, 5, 0>>, <<131, 110, 1, 2, 5>>, <<131, 110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 128>>,
     <<131, 110, 8, 0, 0, 0, 0, 0, 0, 0, 0, 128>>, <<131, 110, 9, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0>>,
     <<131, 110, 4, 1, 0, 0, 0, 128>>, <<131, 110, 4, 0, 255, 255, 255, 127>>,
     <<131, 111, 0, 0, 0, 1, 0, 7>>, <<131, 111, 0, 0, 0, 9, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1>>,
     <<131, 111, 0, 0, 0, 0, 0>>,
     %% floats
     flt("1.5"), flt("+1.5"), flt("-0.0"), flt("1.5E+02"), flt("0001.5"), flt("1.5e-400"),
     flt("-1.5e-400"), flt("4.9406564584124654e-324"), flt("1.7976931348623157e308"),
     flt("1.00000000000000000000e+00"), flt("-3.14159265358979311600e+00"),
     <<131, 99, "1.5", 0, "xx", 0:(25 * 8)>>,
     flt("1"), flt(".5"), flt("1."), flt("1e5"), flt(""), flt("-"), flt("1.5e+"), flt(" 1.5"),
     flt("1.5 "), flt("inf"), flt("nan"), flt("1e400"), flt("1.7976931348623159e308"), flt("0x10"),
     flt("1,5"), flt("1.0e99999999999999999999999"), flt("1.0e-99999999999999999999999"),
     flt("-1.0e-99999999999999999999999"), flt("0.0e99999999999999999999999"),
     <<131, 70, 127, 240, 0, 0, 0, 0, 0, 0>>, <<131, 70, 255, 240, 0, 0, 0, 0, 0, 0>>,
     <<131, 70, 127, 248, 0, 0, 0, 0, 0, 1>>, <<131, 70, 128, 0, 0, 0, 0, 0, 0, 0>>,
     %% atoms
     <<131, 115, 3, "abc">>, <<131, 115, 1, 228>>, <<131, 115, 0>>, <<131, 100, 0, 0>>,
     <<131, 118, 0, 0>>, <<131, 119, 0>>, <<131, 118, 0, 3, "abc">>, <<131, 100, 0, 1, 128>>,
     <<131, 119, 2, 195, 164>>, <<131, 118, 0, 2, 195, 164>>, <<131, 119, 3, 226, 130, 172>>,
     <<131, 119, 2, 195, 40>>, <<131, 119, 1, 128>>, <<131, 119, 3, 237, 160, 128>>,
     <<131, 119, 4, 244, 144, 128, 128>>, <<131, 119, 2, 192, 128>>, <<131, 119, 1, 255>>,
     <<131, 100, 1, 0, 0:(256 * 8)>>, <<131, 100, 0, 255, 0:(255 * 8)>>,
     <<131, 118, 1, 0, (binary:copy(<<"a">>, 256))/binary>>,
     <<131, 118, 1, 254, (binary:copy(<<"é"/utf8>>, 255))/binary>>,
     <<131, 118, 2, 0, (binary:copy(<<"é"/utf8>>, 256))/binary>>,
     <<131, 119, 255, (binary:copy(<<"a">>, 255))/binary>>,
     %% lists and strings
     <<131, 107, 0, 0>>, <<131, 107, 0, 3, 1, 2, 3>>, <<131, 108, 0, 0, 0, 0, 106>>,
     <<131, 108, 0, 0, 0, 0, 97, 1>>, <<131, 108, 0, 0, 0, 2, 97, 1, 97, 2, 106>>,
     <<131, 108, 0, 0, 0, 1, 97, 1, 108, 0, 0, 0, 1, 97, 2, 106>>,
     <<131, 108, 0, 0, 0, 1, 97, 1, 107, 0, 2, 1, 2>>,
     <<131, 108, 0, 0, 0, 1, 98, 0, 0, 1, 0, 107, 0, 2, 1, 2>>,
     <<131, 108, 0, 0, 0, 1, 97, 1, 108, 0, 0, 0, 1, 97, 2, 97, 3>>,
     <<131, 108, 0, 0, 0, 1, 108, 0, 0, 0, 0, 106, 106>>,
     <<131, 108, 255, 255, 255, 255, 106>>, <<131, 108, 0, 0, 0, 2, 97, 1, 106>>,
     <<131, 107, 0, 5, 1, 2>>,
     %% tuples
     <<131, 105, 0, 0, 0, 0>>, <<131, 105, 0, 0, 0, 2, 97, 1, 97, 2>>,
     <<131, 104, 3, 97, 1>>, <<131, 105, 255, 255, 255, 255, 106>>,
     %% maps
     <<131, 116, 0, 0, 0, 2, 97, 2, 97, 2, 97, 1, 97, 3>>,
     <<131, 116, 0, 0, 0, 2, 97, 1, 97, 2, 97, 1, 97, 3>>,
     <<131, 116, 0, 0, 0, 3, 100, 0, 1, "c", 97, 1, 100, 0, 1, "a", 97, 2, 100, 0, 1, "b", 97, 3>>,
     <<131, 116, 0, 0, 0, 2, 70, 63, 240, 0, 0, 0, 0, 0, 0, 97, 1, 97, 2, 97, 3>>,
     <<131, 116, 0, 0, 0, 2, 100, 0, 1, "a", 97, 1, 115, 1, "a", 97, 3>>,
     <<131, 116, 0, 0, 0, 2, 97, 5, 97, 1, 110, 1, 0, 5, 97, 3>>,
     <<131, 116, 255, 255, 255, 255, 106>>, <<131, 116, 0, 0, 0, 0>>,
     %% binaries and bitstrings
     <<131, 77, 0, 0, 0, 1, 3, 255>>, <<131, 77, 0, 0, 0, 1, 8, 255>>, <<131, 77, 0, 0, 0, 0, 0>>,
     <<131, 77, 0, 0, 0, 2, 1, 255, 255>>, <<131, 77, 0, 0, 0, 1, 0, 255>>,
     <<131, 77, 0, 0, 0, 1, 9, 255>>, <<131, 77, 0, 0, 0, 0, 3>>, <<131, 77, 0, 0, 0, 0, 8>>,
     <<131, 77, 0, 0, 0, 0, 1>>, <<131, 109, 0, 0, 0, 0>>, <<131, 109, 0, 0, 0, 3, 1, 2>>,
     <<131, 109, 255, 255, 255, 255>>,
     %% pids, ports, references in old and new forms
     <<131, 103, A/binary, 0, 0, 0, 1, 0, 0, 0, 2, 0>>, <<131, 103, A/binary, 0, 0, 0, 1, 0, 0, 0, 2, 3>>,
     <<131, 103, A/binary, 0, 0, 0, 1, 0, 0, 0, 2, 4>>,
     <<131, 103, A/binary, 255, 255, 255, 255, 255, 255, 255, 255, 1>>,
     <<131, 88, A/binary, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 5>>,
     <<131, 88, 115, 3, "a@b", 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 5>>,
     <<131, 102, A/binary, 0, 0, 0, 1, 2>>, <<131, 102, A/binary, 255, 255, 255, 255, 2>>,
     <<131, 102, A/binary, 0, 0, 0, 1, 4>>,
     <<131, 89, A/binary, 255, 255, 255, 255, 0, 0, 0, 2>>, <<131, 89, A/binary, 0, 0, 0, 5, 0, 0, 0, 0>>,
     <<131, 89, A/binary, 16#0F, 255, 255, 255, 0, 0, 0, 2>>, <<131, 89, A/binary, 16#10, 0, 0, 0, 0, 0, 0, 2>>,
     <<131, 120, A/binary, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 2>>,
     <<131, 120, A/binary, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2>>,
     <<131, 101, A/binary, 0, 0, 0, 1, 2>>, <<131, 101, A/binary, 0, 3, 255, 255, 3>>,
     <<131, 101, A/binary, 0, 4, 0, 0, 3>>, <<131, 101, A/binary, 0, 0, 0, 1, 4>>,
     <<131, 114, 0, 3, A/binary, 2, 0, 0, 0, 1, 255, 255, 255, 255, 1, 2, 3, 4>>,
     <<131, 114, 0, 1, A/binary, 3, 0, 3, 255, 255>>,
     <<131, 114, 0, 3, A/binary, 2, 0, 4, 0, 0, 255, 255, 255, 255, 1, 2, 3, 4>>,
     <<131, 114, 0, 1, A/binary, 4, 0, 0, 0, 1>>, <<131, 114, 0, 5, A/binary, 3, 0:(20 * 8)>>,
     <<131, 114, 0, 6, A/binary, 3, 0:(24 * 8)>>,
     <<131, 90, 0, 1, A/binary, 0, 0, 0, 2, 255, 255, 255, 255>>,
     <<131, 90, 0, 5, A/binary, 0, 0, 0, 2, 1:32, 2:32, 3:32, 4:32, 5:32>>,
     <<131, 90, 0, 6, A/binary, 0, 0, 0, 2, 0:(24 * 8)>>,
     %% funs
     <<131, 113, 100, 0, 1, "m", 100, 0, 1, "f", 97, 3>>,
     <<131, 113, 100, 0, 1, "m", 100, 0, 1, "f", 98, 0, 0, 0, 3>>,
     <<131, 113, 119, 1, "m", 118, 0, 1, "f", 110, 1, 0, 3>>,
     <<131, 113, 100, 0, 1, "m", 100, 0, 1, "f", 98, 255, 255, 255, 255>>,
     <<131, 113, 100, 0, 1, "m", 97, 1, 97, 3>>,
     <<131, 117, 0, 0, 0, 0, 106>>,
     %% other tags and envelopes
     <<131, 121, 0>>, <<131, 82, 0>>, <<131, 104, 2, 97, 1, 82, 0>>, <<131, 0>>, <<131, 255>>,
     <<130, 106>>, <<131>>,
     <<131, 80, 0, 0, 0, 2, (Z(<<97, 1>>))/binary>>, <<131, 80, 0, 0, 0, 3, (Z(<<97, 1>>))/binary>>,
     <<131, 80, 0, 0, 0, 1, (Z(<<97, 1>>))/binary>>, <<131, 80, 0, 0, 0, 0, (Z(<<>>))/binary>>,
     <<131, 80, 0, 0, 0, 6, (Z(<<80, 0, 0, 0, 1, 106>>))/binary>>,
     <<131, 80, 0, 0, 0, 12, (Z(<<104, 2, 119, 2, "ok", 109, 0, 0, 0, 1, 7>>))/binary>>,
     <<131, 80, 0, 0, 0, 2, 1, 2, 3>>
    ].

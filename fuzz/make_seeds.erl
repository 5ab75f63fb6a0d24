%% make_seeds: writes the seed corpus of the ETF fuzz target (fuzz/corpus/*.etf).
%%
%% Run through make_seeds.sh. Every seed is either term_to_binary output of this
%% OTP release or hand-made bytes for tags term_to_binary no longer writes (old pid,
%% port and reference forms, ATOM_EXT, FUN_EXT-era shapes); the hand-made ones that
%% OTP accepts are checked with binary_to_term so the seeds stay real ETF, and a few
%% deliberately invalid ones exercise the error paths (atom cache refs, LOCAL_EXT,
%% too deep, trailing bytes). Seeds are small: libFuzzer's -max_len is 4096.
-module(make_seeds).
-export([main/1]).

main([Dir]) ->
    ok = filelib:ensure_dir(filename:join(Dir, "x")),
    Seeds = seeds(),
    lists:foreach(
      fun({Name, Bin}) when byte_size(Bin) =< 4096 ->
              ok = file:write_file(filename:join(Dir, Name ++ ".etf"), Bin)
      end, Seeds),
    io:format("make_seeds: wrote ~b seeds to ~s~n", [length(Seeds), Dir]),
    halt(0).

t2b(T) -> term_to_binary(T).
t2b(T, Opts) -> term_to_binary(T, Opts).

%% Hand-made bytes that OTP must accept (crash here if it does not).
valid(Bin) ->
    _ = binary_to_term(Bin),
    Bin.

seeds() ->
    Self = self(),
    Ref = make_ref(),
    Port = hd(erlang:ports()),
    Y = erlang:phash2(Self),
    Node = <<"peer@example.host">>,
    NodeAtom = <<119, (byte_size(Node)), Node/binary>>,  % SMALL_ATOM_UTF8_EXT
    Latin1Node = <<100, (byte_size(Node)):16, Node/binary>>,  % ATOM_EXT
    RemotePid = <<131, 88, NodeAtom/binary, 42:32, 7:32, 16#5f3a2b1c:32>>,
    [{"int_small", t2b([0, 1, 255])},
     {"int_integer_ext", t2b([256, -1, 2147483647, -2147483648])},
     {"int_small_big", t2b([2147483648, -2147483649, 1 bsl 63, -(1 bsl 64), 1 bsl 200])},
     {"int_large_big", t2b(-(1 bsl 2100) + 12345)},
     {"float_new", t2b([0.0, -0.0, 1.5, -2.25e-300, 1.0e308, 5.0e-324, math:pi()])},
     {"float_text", t2b([1.5, -0.1, 1.0e300], [{minor_version, 0}])},
     {"atoms_mv1", t2b(['', a, ok, true, false, 'hello world', 'caf\x{e9}'])},
     {"atoms_mv2", t2b(['', a, 'caf\x{e9}', '\x{539f}\x{5b50}', nonode@nohost],
                       [{minor_version, 2}])},
     {"atom_255", t2b(list_to_atom(lists:duplicate(255, $x)))},
     {"atom_255_utf8", t2b(list_to_atom(lists:duplicate(255, 16#1F600)))},
     {"atom_ext_old", valid(<<131, 104, 2, 100, 0, 2, "ok", 115, 3, "abc">>)},
     {"string_ext", t2b("hello, world")},
     {"string_latin1_long", t2b(lists:seq(0, 255))},
     {"list_unicode", t2b([16#3b1, 16#3b2, 1000000, 65])},
     {"list_improper", t2b([1, 2.5, a | <<"tail">>])},
     {"list_nested", t2b([[], [[]], [[[a]]], "", [1 | 2]])},
     {"tuples", t2b({{}, {a}, {1, {2, {3}}}, {[], <<>>, #{}}})},
     {"tuple_large", t2b(list_to_tuple(lists:seq(1, 300)))},
     {"binaries", t2b([<<>>, <<1, 2, 3>>, list_to_binary(lists:seq(0, 99)),
                       <<"\x{1F600} text"/utf8>>])},
     {"bitstrings", t2b([<<1:1>>, <<255, 3:2>>, <<1, 2, 3, 0:7>>])},
     {"map_small", t2b(#{a => 1, b => [2], <<"k">> => {3}})},
     {"map_key_order", t2b(#{1 => int, 1.0 => float, a => atom, {t} => tuple,
                             [l] => list, <<"b">> => bin, #{m => 1} => map})},
     {"map_large", t2b(maps:from_list([{I, I * I} || I <- lists:seq(1, 40)]))},
     {"map_nested", t2b(#{m => #{n => #{o => []}}, l => [#{}, #{x => y}]})},
     {"pid_local", t2b(Self)},
     {"pid_remote", valid(RemotePid)},
     {"pid_ext_old", valid(<<131, 103, Latin1Node/binary, 1:32, 2:32, 3>>)},
     {"ref_local", t2b(Ref)},
     {"ref_newer_5", valid(<<131, 90, 5:16, NodeAtom/binary, 9:32,
                             1:32, 2:32, 3:32, 4:32, 5:32>>)},
     {"ref_new_old", valid(<<131, 114, 3:16, Latin1Node/binary, 2, 1:32, 2:32, 3:32>>)},
     {"ref_ext_old", valid(<<131, 101, Latin1Node/binary, 77:32, 1>>)},
     {"port_local", t2b(Port)},
     {"port_new", valid(<<131, 89, NodeAtom/binary, 123:32, 4:32>>)},
     {"port_v4", valid(<<131, 120, NodeAtom/binary, (1 bsl 40 + 5):64, 4:32>>)},
     {"port_ext_old", valid(<<131, 102, Latin1Node/binary, 9:32, 1>>)},
     {"fun_local", t2b(fun() -> ok end)},
     {"fun_free_vars", t2b(fun(X) -> X + Y end)},
     {"fun_export", t2b([fun lists:map/2, fun erlang:node/0])},
     {"compressed_list", t2b(lists:seq(1, 400), [compressed])},
     {"compressed_bin", t2b({data, binary:copy(<<"abcd">>, 500)}, [{compressed, 9}])},
     {"ctrl_send", t2b({2, '', Self}, [{minor_version, 2}])},
     {"ctrl_reg_send", t2b({6, Self, '', rex}, [{minor_version, 2}])},
     {"ctrl_monitor", t2b({19, Self, Self, Ref}, [{minor_version, 2}])},
     {"msg_record", t2b({person, <<"Bob">>, 42, 1.75, #{tags => [a, b], id => Ref},
                         [{k, v}, {k2, "v2"}]}, [{minor_version, 2}])},
     {"nested_999", t2b(nest(999))},
     %% Deliberately invalid: these exercise the decoder's error paths.
     {"bad_too_deep", t2b(nest(1001))},
     {"bad_atom_cache_ref", <<131, 104, 2, 82, 0, 82, 1>>},
     {"bad_local_ext", <<131, 121, 97, 1>>},
     {"bad_trailing", <<(t2b(ok))/binary, 0>>},
     {"bad_truncated", binary:part(RemotePid, 0, byte_size(RemotePid) - 3)},
     {"bad_map_dup_key", <<131, 116, 2:32, 97, 1, 97, 2, 97, 1, 97, 3>>},
     {"bad_compressed_size", <<131, 80, 1000:32, (zlib:compress(<<97, 1>>))/binary>>},
     {"body_ctrl_no_version",
      binary:part(t2b({6, Self, '', rex}, [{minor_version, 2}]), 1,
                  byte_size(t2b({6, Self, '', rex}, [{minor_version, 2}])) - 1)}].

nest(0) -> [];
nest(N) -> {nest(N - 1)}.

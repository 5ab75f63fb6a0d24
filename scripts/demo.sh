#!/usr/bin/env bash
# The main job: builds otpcpp and shows C++ and a real Erlang VM exchanging terms.
# A local `erl` writes terms with term_to_binary, the C++ term layer decodes, prints
# and pattern-matches them and encodes a reply, and `erl` decodes that reply.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh >&2
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target term_tour >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== erl encodes some terms with term_to_binary/1"
erl -noshell -eval '
    io:setopts([{encoding, unicode}]),
    Terms = [42, -1 bsl 70, 3.14, -0.0, hello, '"'"'Ünïcödé'"'"', "a string", <<"bytes">>,
             <<1:3>>, [1, 2 | improper], {reply, make_ref(), {ok, #{answer => 42}}},
             #{1 => one, 1.0 => float_one, {a, b} => tuple}, self(), fun lists:map/2],
    io:format("~tp~n", [Terms]),
    ok = file:write_file("'"$work"'/in.etf", term_to_binary(Terms)),
    halt().'
echo
echo "== C++ (otpcpp) reads them"
"$build/examples/term_tour" "$work/in.etf" "$work/out.etf"
echo
echo "== erl decodes the C++ reply with binary_to_term/1"
erl -noshell -eval '
    io:setopts([{encoding, unicode}]),
    {ok, B} = file:read_file("'"$work"'/out.etf"),
    io:format("~tp~n", [binary_to_term(B)]),
    halt().'

// `otpcpp call`: rpc:call into a peer and print the result, like erl_call -a; or
// evaluate expressions read from stdin on the peer, like erl_call -e.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>

#include "cli_eval.hpp"
#include "cli_rpc.hpp"
#include "cli_term.hpp"
#include "commands.hpp"
#include "node_cli.hpp"

namespace otp::cli {
namespace {

struct call_args {
    node_cli_options node;
    std::string peer;
    std::string apply;  // -a 'Mod Fun [Args]'
    bool eval = false;  // -e
    int timeout_ms = 0;
};

/// What `-a 'Mod Fun [Args]'` asks for.
struct apply_request {
    atom mod;
    atom fun;
    term args;
};

// Cuts the next word off `s`: up to whitespace, a quoted atom ('...', with its
// backslash escapes) staying whole.
std::string_view next_word(std::string_view& s) {
    const auto start = s.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) {
        s = {};
        return {};
    }
    s.remove_prefix(start);
    std::size_t end = 0;
    if (s.front() == '\'') {
        for (end = 1; end < s.size() && s[end] != '\''; ++end)
            if (s[end] == '\\') ++end;
        end = std::min(end + 1, s.size());
    } else {
        end = std::min(s.find_first_of(" \t\r\n"), s.size());
    }
    const std::string_view word = s.substr(0, end);
    s.remove_prefix(end);
    return word;
}

// The atom a word of -a stands for (bad arguments otherwise).
atom parse_atom(std::string_view word, std::string_view what) {
    if (word.empty())
        throw failure("-a needs 'Mod Fun [Args]': " + std::string(what) + " missing", 2);
    const term t = parse_argument(word, what);
    if (!t.is_atom())
        throw failure("bad " + std::string(what) + ": not an atom: " + std::string(word), 2);
    return *t.as_atom();
}

// Reads `-a` as erl_call does: a module, a function, then the argument list as one
// Erlang term (none: []).
apply_request parse_apply(std::string_view text) {
    apply_request r;
    r.mod = parse_atom(next_word(text), "module");
    r.fun = parse_atom(next_word(text), "function");
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return r;
    r.args = parse_argument(text, "argument list");
    auto l = r.args.as_list();
    if (!l || !l->is_proper()) throw failure("bad argument list: not a proper list", 2);
    return r;
}

// Runs `otpcpp call`: the result on stdout, or a failure.
void run(const call_args& a) {
    if (a.eval == !a.apply.empty()) throw failure("call needs one of -a and -e", 2);
    // Arguments first: a typo should not cost a node start.
    apply_request req;
    if (!a.eval) req = parse_apply(a.apply);
    std::string text;
    if (a.eval) text.assign(std::istreambuf_iterator<char>(std::cin), {});

    const atom peer = peer_name(a.peer, a.node);
    const auto timeout = timeout_from_ms(a.timeout_ms);
    auto n = start_node(one_shot(a.node));
    connect_or_fail(*n, peer, std::min(timeout, std::chrono::milliseconds(60'000)));
    mailbox m = n->create_mailbox();
    const term result = a.eval ? evaluate_on(m, peer, text, timeout)
                               : rpc_or_fail(m, peer, req.mod, req.fun, req.args, timeout);
    std::printf("%s\n", print_result(result, peer).c_str());
    std::fflush(stdout);
}

}  // namespace

void add_call_command(CLI::App& app) {
    auto a = std::make_shared<call_args>();
    auto* sub = app.add_subcommand("call", "RPC into a node and print the result, like erl_call");
    sub->add_option("--node", a->peer, "The peer: NAME or NAME@HOST")->required();
    auto* apply = sub->add_option("-a,--apply", a->apply,
                                  "'Mod Fun [Args]': call Mod:Fun(Args...) (Args: a list)");
    auto* eval = sub->add_flag("-e,--eval", a->eval,
                               "Evaluate the expressions on stdin (each ending in '.')");
    apply->excludes(eval);
    sub->add_option("--timeout", a->timeout_ms, "Milliseconds to wait for the answer (0: no limit)")
        ->check(CLI::Range(0, 24 * 3600 * 1000))
        ->capture_default_str();
    add_node_options(sub, a->node);
    sub->callback([a] { run(*a); });
}

}  // namespace otp::cli

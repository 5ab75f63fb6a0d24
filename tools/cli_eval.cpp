// Evaluating Erlang expressions on a peer through its erl_scan, erl_parse and erl_eval.
#include "cli_eval.hpp"

#include <vector>

#include "cli_rpc.hpp"
#include "cli_term.hpp"
#include "commands.hpp"

namespace otp::cli {
namespace {

const atom a_ok("ok"), a_dot("dot"), a_value("value");

// The text of an Erlang ErrorInfo `{Location, Module, Descriptor}`, as the peer's
// Module:format_error/1 words it, with the line the error is on.
std::string describe(mailbox& m, atom peer, const term& info, std::chrono::milliseconds timeout) {
    auto t = info.as_tuple();
    if (!t || t->size() != 3 || !(*t)[1].is_atom()) return one_line(info);
    const term chars =
        rpc_or_fail(m, peer, *(*t)[1].as_atom(), atom("format_error"), list((*t)[2]), timeout);
    const term text =
        rpc_or_fail(m, peer, atom("unicode"), atom("characters_to_binary"), list(chars), timeout);
    std::string where;
    term loc = (*t)[0];
    if (auto lc = loc.as_tuple(); lc && !lc->empty()) loc = (*lc)[0];  // {Line, Column}
    if (loc.is_integer()) where = "line " + one_line(loc) + ": ";
    auto bin = text.as_binary();
    return where + (bin ? std::string(bin->as_string_view()) : one_line(chars));
}

// The peer's tokens for the whole text, cut into the token lists of each form (each
// ending with its `dot` token).
std::vector<term> scan_forms(mailbox& m, atom peer, std::string_view text,
                             std::chrono::milliseconds timeout) {
    const term r =
        rpc_or_fail(m, peer, atom("erl_scan"), atom("string"), list(charlist(text)), timeout);
    auto t = r.as_tuple();
    if (!t || t->size() != 3) throw failure("erl_scan:string/1 answered " + one_line(r));
    if ((*t)[0] != term(a_ok))
        throw failure("syntax error: " + describe(m, peer, (*t)[1], timeout));
    std::vector<term> forms;
    std::vector<term> current;
    auto tokens = (*t)[1].as_list();
    if (!tokens) throw failure("erl_scan:string/1 answered " + one_line(r));
    for (const term& tok : *tokens) {
        current.push_back(tok);
        auto tt = tok.as_tuple();
        if (tt && !tt->empty() && (*tt)[0] == term(a_dot)) {
            forms.push_back(make_list(std::move(current)));
            current.clear();
        }
    }
    if (!current.empty()) throw failure("the expressions must end with '.'");
    if (forms.empty()) throw failure("no expressions on stdin");
    return forms;
}

}  // namespace

term evaluate_on(mailbox& m, atom peer, std::string_view text, std::chrono::milliseconds timeout) {
    // One expression list for all the forms: erl_eval runs them in order in one
    // process with bindings carried over, which is what evaluating them one after the
    // other in a shell does.
    std::vector<term> exprs;
    for (const term& form : scan_forms(m, peer, text, timeout)) {
        const term r =
            rpc_or_fail(m, peer, atom("erl_parse"), atom("parse_exprs"), list(form), timeout);
        auto t = r.as_tuple();
        if (!t || t->size() != 2) throw failure("erl_parse:parse_exprs/1 answered " + one_line(r));
        if ((*t)[0] != term(a_ok))
            throw failure("syntax error: " + describe(m, peer, (*t)[1], timeout));
        auto l = (*t)[1].as_list();
        if (!l) throw failure("erl_parse:parse_exprs/1 answered " + one_line(r));
        for (const term& e : *l)
            exprs.push_back(e);
    }
    const term bindings =
        rpc_or_fail(m, peer, atom("erl_eval"), atom("new_bindings"), term(), timeout);

    call_error err;
    auto r = rpc_call(m, peer, atom("erl_eval"), atom("exprs"),
                      list(make_list(std::move(exprs)), bindings), timeout, &err);
    if (!r && err.code == node_errc::badrpc) throw failure("exception: " + one_line(err.reason));
    if (!r) rpc_failed(peer, atom("erl_eval"), atom("exprs"), 2, err, timeout);
    auto v = r->as_tuple();
    // rex gives back what the call threw as if it were returned.
    if (!v || v->size() != 3 || (*v)[0] != term(a_value))
        throw failure("exception: throw " + one_line(*r));
    return (*v)[1];
}

}  // namespace otp::cli

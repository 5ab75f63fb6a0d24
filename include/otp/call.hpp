// Calling Erlang services from a mailbox: gen_server calls and casts, and rpc:call
// through the peer's `rex` server. Calls are guarded like OTP 24+'s gen:call: a monitor
// on the callee, so a call to a dead or dying server or over a lost connection fails
// at once, and an alias (or a throwaway process) for the reply, so a reply after a
// timeout is dropped instead of landing in the mailbox later.
// Unlike gen:call, the calls from this node to one process on another node share one
// monitor: it is set up by the first call, kept while calls follow, and removed one
// to two seconds after the last, so sequential calls cost the callee's node no
// MONITOR_P/DEMONITOR_P each. The price: a call made after its callee ended, but
// before this node heard of it, fails with the callee's exit reason (node_errc::exited:
// the request may have run) where gen:call would say noproc (it did not run); the same
// holds for a call made while a registered name passes to a new process.
#pragma once

#include <chrono>

#include "otp/mailbox.hpp"
#include "otp/node_error.hpp"

namespace otp {

/// The outcome of a failed call, in Erlang's words.
struct call_error {
    std::error_code code;  ///< node_errc::timeout, noproc, noconnection, exited, badrpc
    /// The Erlang reason: `timeout`, `noproc`, `noconnection`, the callee's exit reason,
    /// or the Reason of `{badrpc, Reason}`.
    term reason;
};

/// gen_server:call(Dest, Request, Timeout) made by `self`. `dest` is a pid, a
/// registered name on this node (atom), or `{Name, Node}`. On failure returns the error
/// code and, when `error` is given, fills it.
result<term> gen_call(mailbox& self, const term& dest, const term& request,
                      std::chrono::milliseconds timeout, call_error* error = nullptr);

/// gen_server:cast(Dest, Request): sends `{'$gen_cast', Request}`; never fails.
void gen_cast(mailbox& self, const term& dest, const term& request);

/// rpc:call(Node, M, F, Args, Timeout) through the peer's rex server. A `{badrpc, R}`
/// answer is node_errc::badrpc with R as the reason.
result<term> rpc_call(mailbox& self, atom node, atom module, atom function, const term& args,
                      std::chrono::milliseconds timeout, call_error* error = nullptr);

/// rpc:cast(Node, M, F, Args): runs the function on Node without waiting.
void rpc_cast(mailbox& self, atom node, atom module, atom function, const term& args);

/// The `From` of a `{'$gen_call', From, Request}` message a mailbox received.
struct gen_call_request {
    term from;     ///< {Pid, Tag}: pass to gen_reply()
    term request;  ///< what the caller asked
};
/// Recognises a gen_server call message; nullopt for anything else.
std::optional<gen_call_request> as_gen_call(const term& message);
/// Recognises a gen_server cast message (`{'$gen_cast', Request}`): the request.
std::optional<term> as_gen_cast(const term& message);
/// Replies to a gen_server call the way gen:reply/2 does (to the caller's alias for
/// OTP 24+ tags, else to its pid).
void gen_reply(mailbox& self, const term& from, term reply);

}  // namespace otp

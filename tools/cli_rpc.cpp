// Connecting and rpc:call for the CLI commands.
#include "cli_rpc.hpp"

#include "cli_term.hpp"
#include "commands.hpp"

namespace otp::cli {

node_cli_options one_shot(node_cli_options o) {
    if (o.verbosity == 0 && o.log_level.empty()) o.log_level = "off";
    return o;
}

std::chrono::milliseconds timeout_from_ms(int ms) {
    return ms <= 0 ? no_time_limit : std::chrono::milliseconds(ms);
}

void connect_or_fail(node& n, atom peer, std::chrono::milliseconds timeout) {
    if (auto ec = n.connect(peer, timeout))
        throw failure("cannot reach " + std::string(peer.name()) + ": " + ec.message());
}

void rpc_failed(atom peer, atom mod, atom fun, std::size_t arity, const call_error& err,
                std::chrono::milliseconds timeout) {
    const std::string what = std::string(mod.name()) + ":" + std::string(fun.name()) + "/" +
                             std::to_string(arity) + " on " + std::string(peer.name());
    if (err.code == node_errc::badrpc)
        throw failure(what + " failed: " + one_line(tuple(atom("badrpc"), err.reason)));
    if (err.code == node_errc::timeout)
        throw failure(what + ": no answer within " + std::to_string(timeout.count()) + " ms");
    if (err.code == node_errc::noconnection)
        throw failure(what + ": connection lost (" + one_line(err.reason) + ")");
    throw failure(what + " failed: " + err.code.message() + " (" + one_line(err.reason) + ")");
}

term rpc_or_fail(mailbox& m, atom peer, atom mod, atom fun, const term& args,
                 std::chrono::milliseconds timeout) {
    call_error err;
    auto r = rpc_call(m, peer, mod, fun, args, timeout, &err);
    if (!r) rpc_failed(peer, mod, fun, args.size(), err, timeout);
    return *r;
}

}  // namespace otp::cli

// The benchmark protocol's atoms and message helpers.
#include "bench_proto.hpp"

#include <string>

#include "bench_report.hpp"

namespace otp::cli::bench {

const proto_atoms& atoms() {
    static const proto_atoms a;
    return a;
}

std::span<const term> tagged(const term& t, atom tag, std::size_t arity) noexcept {
    auto elems = t.as_tuple();
    if (!elems || elems->size() != arity || arity == 0) return {};
    auto first = (*elems)[0].as_atom();
    if (!first || *first != tag) return {};
    return *elems;
}

term next_message(mailbox& mb, std::chrono::milliseconds timeout, std::string_view waiting_for) {
    auto r = mb.receive(timeout);
    if (!r) throw run_error("no " + std::string(waiting_for) + ": " + r.error().message());
    return std::move(r->message);
}

long as_long(const term& x, long fallback) noexcept {
    auto v = x.as_int64();
    return v ? static_cast<long>(*v) : fallback;
}

}  // namespace otp::cli::bench

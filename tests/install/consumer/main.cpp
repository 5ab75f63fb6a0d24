// Builds a term with the installed otpcpp and checks it; exits non-zero on failure.
#include <cstdio>

#include <otp/term.hpp>

int main() {
    const otp::term t = otp::tuple(otp::atom("ok"), 42, otp::list(1, 2, 3));
    const bool ok =
        t.is_tuple() && t.element(1).value() == otp::term(42) && t.element(2).value().size() == 3;
    std::puts(ok ? "consumer: ok" : "consumer: FAILED");
    return ok ? 0 : 1;
}

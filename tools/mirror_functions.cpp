// mirror:echo/1 and mirror:add/2.
#include "mirror_functions.hpp"

namespace otp::cli {

void register_mirror_functions(node& n) {
    const atom mirror("mirror");
    n.register_function(mirror, atom("echo"), 1,
                        [](std::span<const term> args) { return args[0]; });
    n.register_function(mirror, atom("add"), 2, [](std::span<const term> args) {
        if (!args[0].is_integer() || !args[1].is_integer())
            throw erlang_exception(exception_class::error, atom("badarith"));
        return term(*args[0].as_big_int() + *args[1].as_big_int());
    });
}

}  // namespace otp::cli

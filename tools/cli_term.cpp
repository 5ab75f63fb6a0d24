// Parsing and printing terms for the CLI.
#include "cli_term.hpp"

#include "commands.hpp"
#include "otp/text.hpp"

namespace otp::cli {

term parse_argument(std::string_view text, std::string_view what) {
    parse_error_info err;
    auto t = parse(text, err);
    if (!t) throw failure("bad " + std::string(what) + ": " + err.message, 2);
    return *t;
}

std::string print_result(const term& t, atom peer) {
    print_options o;
    o.local_node = peer;
    return to_string(t, o);
}

std::string one_line(const term& t) {
    print_options o;
    o.line_width = 0;
    return to_string(t, o);
}

}  // namespace otp::cli

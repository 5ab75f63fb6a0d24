// A tour of the term layer on real input: decodes what `erl` wrote with
// term_to_binary, prints each term in Erlang syntax, pattern-matches one, and
// writes a reply term for `erl` to read back.
//
// Usage: term_tour IN.etf OUT.etf
//   IN.etf  term_to_binary(List) of any Erlang terms
//   OUT.etf receives term_to_binary of {otpcpp_says, Count, Summary}
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

#include <otp/etf.hpp>
#include <otp/match.hpp>
#include <otp/text.hpp>

namespace {

std::vector<std::uint8_t> read_file(const char* path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: term_tour IN.etf OUT.etf\n";
        return 2;
    }
    const std::vector<std::uint8_t> bytes = read_file(argv[1]);
    otp::decode_error_info err;
    const otp::result<otp::term> decoded = otp::decode(bytes, err);
    if (!decoded) {
        std::cerr << "term_tour: cannot decode " << argv[1] << ": " << err.code.message()
                  << " at byte " << err.offset << "\n";
        return 1;
    }
    std::cout << "C++ decoded " << bytes.size() << " bytes from erl:\n";
    std::vector<otp::term> summary;
    for (const otp::term& t : decoded->as_list().value()) {
        std::cout << "  " << otp::to_string(t) << "    (" << otp::to_string(t.type()) << ")\n";
        summary.push_back(otp::tuple(otp::atom(std::string(otp::to_string(t.type()))),
                                     static_cast<long>(otp::encoded_size(t))));
        otp::bindings b;
        if (otp::match(t, "{reply, Ref, {ok, Value}}", &b))
            std::cout << "    matched {reply, Ref, {ok, Value}}: Value = "
                      << otp::to_string(*b["Value"]) << "\n";
    }
    const otp::term reply = otp::tuple(otp::atom("otpcpp_says"), static_cast<long>(summary.size()),
                                       otp::make_list(std::move(summary)));
    const std::vector<std::uint8_t> out = otp::encode(reply);
    std::ofstream(argv[2], std::ios::binary)
        .write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
    std::cout << "C++ encoded its reply (" << out.size() << " bytes): " << otp::to_string(reply)
              << "\n";
    return 0;
}

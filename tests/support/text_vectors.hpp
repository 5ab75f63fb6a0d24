// Reads the tab-separated text vectors made by scripts/gen_text_vectors.escript.
#pragma once

#include <fstream>
#include <string>
#include <vector>

namespace otp::test {

/// Splits a vector line on TAB and undoes the generator's \\, \t and \n escapes.
inline std::vector<std::string> split_fields(const std::string& line) {
    std::vector<std::string> out(1);
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (c == '\t') {
            out.emplace_back();
        } else if (c == '\\' && i + 1 < line.size()) {
            const char n = line[++i];
            out.back() += n == 'n' ? '\n' : n == 't' ? '\t' : n;
        } else {
            out.back() += c;
        }
    }
    return out;
}

/// The rows of a vectors file under OTPCPP_TEST_VECTORS_DIR ('#' lines skipped).
inline std::vector<std::vector<std::string>> read_text_vectors(const std::string& name) {
    std::ifstream in(std::string(OTPCPP_TEST_VECTORS_DIR) + "/" + name);
    std::vector<std::vector<std::string>> rows;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        rows.push_back(split_fields(line));
    }
    return rows;
}

}  // namespace otp::test

// Loads named hex vectors for the unit tests.
#include "support/vectors.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace otp::test {

std::vector<std::uint8_t> from_hex(const std::string& hex) {
    if (hex.size() % 2 != 0) throw std::runtime_error("odd hex length");
    std::vector<std::uint8_t> out;
    out.reserve(hex.size() / 2);
    for (std::size_t i = 0; i < hex.size(); i += 2)
        out.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    return out;
}

std::map<std::string, std::vector<std::uint8_t>> load_hex_vectors(const std::string& file) {
    const std::string path = std::string(OTPCPP_TEST_VECTORS_DIR) + "/" + file;
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::map<std::string, std::vector<std::uint8_t>> out;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream ls(line);
        std::string name, hex;
        ls >> name >> hex;
        out[name] = from_hex(hex);
    }
    return out;
}

}  // namespace otp::test

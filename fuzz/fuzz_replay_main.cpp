// Runs a libFuzzer entry point over files without libFuzzer, so the seed corpus (and
// any crash reproducer) can be replayed by any compiler, e.g. as a CTest unit test.
//
// Usage: otpcpp_fuzz_replay <file-or-directory>...
// Directories are read non-recursively, files in name order so failures reproduce.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

namespace {

bool run_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "otpcpp_fuzz_replay: cannot read %s\n", p.c_str());
        return false;
    }
    const std::vector<char> raw((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
    std::vector<std::uint8_t> bytes(raw.begin(), raw.end());
    // Printed before running so the culprit is named if the entry point aborts.
    std::fprintf(stderr, "replay %s (%zu bytes)\n", p.c_str(), bytes.size());
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s <file-or-directory>...\n", argv[0]);
        return 2;
    }
    std::size_t count = 0;
    bool ok = true;
    for (int i = 1; i < argc; ++i) {
        const fs::path arg(argv[i]);
        std::vector<fs::path> files;
        if (fs::is_directory(arg)) {
            for (const auto& e : fs::directory_iterator(arg))
                if (e.is_regular_file()) files.push_back(e.path());
            std::sort(files.begin(), files.end());
        } else {
            files.push_back(arg);
        }
        for (const auto& f : files) {
            ok = run_file(f) && ok;
            ++count;
        }
    }
    std::printf("otpcpp_fuzz_replay: %zu inputs replayed\n", count);
    // An empty corpus would make the test pass vacuously.
    return ok && count > 0 ? 0 : 1;
}

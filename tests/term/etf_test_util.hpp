// Helpers shared by the ETF tests: hex, the golden vector file, guard-page buffers.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "otp/etf.hpp"

namespace otp::etf_test {

using bytes = std::vector<std::uint8_t>;

inline bytes from_hex(const std::string& h) {
    if (h.size() % 2 != 0) throw std::invalid_argument("odd hex length");
    bytes out(h.size() / 2);
    auto nib = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        throw std::invalid_argument("bad hex digit");
    };
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = static_cast<std::uint8_t>(nib(h[2 * i]) << 4 | nib(h[2 * i + 1]));
    return out;
}

/// `{<<100 bytes of 0xAB>>, <<1,2>>}` in the external format: for zero-copy tests, one
/// binary long enough to share the input and one short enough to be copied.
inline bytes long_and_short_binary() {
    bytes raw = from_hex("8368026D00000064");
    raw.insert(raw.end(), 100, 0xAB);
    raw.insert(raw.end(), {0x6D, 0, 0, 0, 2, 1, 2});
    return raw;
}

inline std::string to_hex(std::span<const std::uint8_t> b) {
    static const char* d = "0123456789ABCDEF";
    std::string s;
    s.reserve(b.size() * 2);
    for (std::uint8_t x : b) {
        s.push_back(d[x >> 4]);
        s.push_back(d[x & 15]);
    }
    return s;
}

/// One line of tests/vectors/etf_vectors.txt (see scripts/gen_etf_vectors.erl).
struct golden {
    char kind = 'V';      // V exact, U decode-equality only (big maps), D decode case
    encode_options opts;  // V, U
    bytes input;          // V, U: the encoding; D: the input
    bool want_error = false;
    bytes want;  // D: OTP's term_to_binary/1 of the decoded term
    std::string text;
    std::size_t line = 0;
};

inline std::vector<golden> load_vectors() {
    const std::string path = std::string(OTPCPP_TEST_VECTORS_DIR) + "/etf_vectors.txt";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::vector<golden> out;
    std::string line;
    std::size_t no = 0;
    while (std::getline(in, line)) {
        ++no;
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> f;
        std::size_t pos = 0;
        for (int i = 0; i < 3; ++i) {
            const std::size_t tab = line.find('\t', pos);
            if (tab == std::string::npos)
                throw std::runtime_error("bad vector line " + std::to_string(no));
            f.push_back(line.substr(pos, tab - pos));
            pos = tab + 1;
        }
        f.push_back(line.substr(pos));
        golden v;
        v.kind = f[0].at(0);
        v.line = no;
        v.text = f[3];
        if (v.kind == 'D') {
            v.input = from_hex(f[1]);
            v.want_error = f[2] == "error";
            if (!v.want_error) v.want = from_hex(f[2]);
        } else {
            if (std::sscanf(f[1].c_str(), "minor=%d,compressed=%d", &v.opts.minor_version,
                            &v.opts.compressed) != 2)
                throw std::runtime_error("bad options on line " + std::to_string(no));
            v.input = from_hex(f[2]);
        }
        out.push_back(std::move(v));
    }
    return out;
}

/// Memory whose end touches a PROT_NONE page: any read past the data faults.
class guarded_buffer {
  public:
    explicit guarded_buffer(std::size_t capacity) {
        page_ = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
        data_pages_ = (capacity + page_ - 1) / page_;
        if (data_pages_ == 0) data_pages_ = 1;
        const std::size_t total = (data_pages_ + 1) * page_;
        void* m = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) throw std::runtime_error("mmap failed");
        base_ = static_cast<std::uint8_t*>(m);
        if (mprotect(base_ + data_pages_ * page_, page_, PROT_NONE) != 0)
            throw std::runtime_error("mprotect failed");
    }
    guarded_buffer(const guarded_buffer&) = delete;
    guarded_buffer& operator=(const guarded_buffer&) = delete;
    ~guarded_buffer() { munmap(base_, (data_pages_ + 1) * page_); }

    /// Copies `b` so that its last byte is the last readable byte.
    std::span<const std::uint8_t> place(std::span<const std::uint8_t> b) {
        std::uint8_t* guard = base_ + data_pages_ * page_;
        if (b.size() > data_pages_ * page_) throw std::runtime_error("too big for the buffer");
        std::uint8_t* start = guard - b.size();
        if (!b.empty()) std::memcpy(start, b.data(), b.size());
        return {start, b.size()};
    }

  private:
    std::size_t page_ = 0;
    std::size_t data_pages_ = 0;
    std::uint8_t* base_ = nullptr;
};

/// Offsets at which to cut a vector: all of them for small ones, for big ones the
/// first and last KiB and a stride in between (every cut is a full decode).
inline std::vector<std::size_t> cut_points(std::size_t n) {
    std::vector<std::size_t> cuts;
    if (n <= 4096) {
        for (std::size_t i = 0; i < n; ++i)
            cuts.push_back(i);
        return cuts;
    }
    for (std::size_t i = 0; i < 1024; ++i)
        cuts.push_back(i);
    for (std::size_t i = 1024; i + 1024 < n; i += 997)
        cuts.push_back(i);
    for (std::size_t i = n - 1024; i < n; ++i)
        cuts.push_back(i);
    return cuts;
}

}  // namespace otp::etf_test

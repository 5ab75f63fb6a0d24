// otpcpp_etf_bench: ETF codec speed on the shared benchmark corpus, in the JSON-lines
// format of ../shared/bench (etf_beam.erl, etf_ei.c), so run_etf.sh can compare it
// with the BEAM and erl_interface.
//
//   otpcpp_etf_bench [--corpus corpus/corpus.etf] [--secs 2] [--cat-secs 0.5]
//                    [--roundtrip-out FILE] [--extra]
//
// etf_decode  otp::decode() of the bytes into real otp::term objects, which are
//             destroyed again every iteration (the BEAM's binary_to_term also
//             builds its terms; its GC is likewise inside its loop).
// etf_encode  otp::encode_append() with minor_version 2 (the corpus's own format)
//             from the decoded objects into a reused buffer; byte_exact compares
//             the output with term_to_binary's bytes.
// --extra     adds etf_decode_zc: decoding with zero_copy (binaries of 64 bytes or
//             more reference the input instead of being copied).
//
// "all" is the whole file. Then each {Category, Terms} element of the corpus list is
// timed on its own, as 131 + its bytes sliced out of the file, which is exactly
// term_to_binary(Element, [{minor_version, 2}]): an ETF term's encoding does not
// depend on where it sits. MB/s = those bytes x iterations / seconds (MB = 1e6 B).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "otp/etf.hpp"
#include "otp/term.hpp"

namespace {

using clock_type = std::chrono::steady_clock;
using bytes = std::vector<std::uint8_t>;

struct options {
    std::string corpus = "corpus/corpus.etf";
    double secs = 2.0;
    double cat_secs = 0.5;
    std::string roundtrip_out;
    bool extra = false;
};

struct slice {
    std::string name;
    std::shared_ptr<const bytes> input;  // 131 + the term, as term_to_binary gives it
    otp::term term;                      // the decoded term the encoder starts from
};

struct timing {
    long iters = 0;
    double secs = 0;
};

// Runs `body` once untimed, then repeatedly until `budget` seconds have passed, the
// way etf_ei.c and etf_beam.erl do, so iteration counts are comparable.
template <class F>
timing time_loop(double budget, F&& body) {
    body();
    timing t;
    const auto t0 = clock_type::now();
    double elapsed = 0;
    do {
        body();
        ++t.iters;
        elapsed = std::chrono::duration<double>(clock_type::now() - t0).count();
    } while (elapsed < budget);
    t.secs = elapsed;
    return t;
}

void emit(const char* workload, const slice& s, const timing& t, bool ok,
          const std::string& extra = {}) {
    const std::size_t n = s.input->size();
    char rate[32] = "null";  // a failed run has no meaningful rate
    if (ok)
        std::snprintf(rate, sizeof rate, "%.1f", static_cast<double>(n) * t.iters / t.secs / 1e6);
    std::printf(
        "{\"impl\":\"otpcpp\",\"workload\":\"%s\",\"category\":\"%s\",\"bytes\":%zu,"
        "\"iters\":%ld,\"secs\":%.3f,\"mb_per_s\":%s,\"ok\":%s%s}\n",
        workload, s.name.c_str(), n, t.iters, t.secs, rate, ok ? "true" : "false", extra.c_str());
    std::fflush(stdout);
}

void bench(const slice& s, double budget, const options& opt) {
    const std::span<const std::uint8_t> in(*s.input);

    bool ok = true;
    timing t = time_loop(budget, [&] {
        const auto r = otp::decode(in);
        if (!r) ok = false;
    });
    emit("etf_decode", s, t, ok);

    if (opt.extra) {
        otp::decode_options zc;
        zc.zero_copy = true;
        zc.owner = s.input;
        ok = true;
        t = time_loop(budget, [&] {
            const auto r = otp::decode(in, zc);
            if (!r) ok = false;
        });
        emit("etf_decode_zc", s, t, ok);
    }

    otp::encode_options eo;
    eo.minor_version = 2;
    bytes out;
    ok = true;
    t = time_loop(budget, [&] {
        out.clear();  // keeps the capacity, like etf_ei's reused ei_x_buff
        if (!otp::encode_append(s.term, out, eo)) ok = false;
    });
    const bool exact = out == *s.input;
    emit("etf_encode", s, t, ok,
         ",\"out_bytes\":" + std::to_string(out.size()) +
             ",\"byte_exact\":" + (exact ? "true" : "false"));
    if (!exact) {
        std::size_t i = 0;
        while (i < out.size() && i < s.input->size() && out[i] == (*s.input)[i])
            ++i;
        std::fprintf(stderr, "otpcpp_etf_bench: %s: encoding differs from the input at byte %zu\n",
                     s.name.c_str(), i);
    }
    if (!opt.roundtrip_out.empty() && s.name == "all") {
        std::ofstream f(opt.roundtrip_out, std::ios::binary);
        f.write(reinterpret_cast<const char*>(out.data()),
                static_cast<std::streamsize>(out.size()));
    }
}

[[noreturn]] void die(const std::string& msg) {
    std::fprintf(stderr, "otpcpp_etf_bench: %s\n", msg.c_str());
    std::exit(2);
}

options parse(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--extra") {
            o.extra = true;
            continue;
        }
        if (i + 1 >= argc) die("missing value for " + a);
        const char* v = argv[++i];
        if (a == "--corpus")
            o.corpus = v;
        else if (a == "--secs")
            o.secs = std::atof(v);
        else if (a == "--cat-secs")
            o.cat_secs = std::atof(v);
        else if (a == "--roundtrip-out")
            o.roundtrip_out = v;
        else
            die("unknown argument " + a);
    }
    return o;
}

// Splits the corpus list into its {Category, Terms} elements. Each element is
// decoded with decode_body() right where it sits, which also gives its byte length.
std::vector<slice> categories(const bytes& file) {
    std::vector<slice> out;
    constexpr std::uint8_t list_ext = 108;
    if (file.size() < 6 || file[1] != list_ext) return out;
    const std::size_t n = (std::size_t{file[2]} << 24) | (std::size_t{file[3]} << 16) |
                          (std::size_t{file[4]} << 8) | file[5];
    std::size_t off = 6;
    for (std::size_t i = 0; i < n; ++i) {
        std::size_t used = 0;
        auto elem = otp::decode_body(std::span<const std::uint8_t>(file).subspan(off), used);
        if (!elem) die("cannot decode corpus element " + std::to_string(i));
        const auto name = elem->element(0).value().as_atom();
        if (!name) die("corpus element " + std::to_string(i) + " is not {Category, Terms}");
        auto input = std::make_shared<bytes>();
        input->reserve(used + 1);
        input->push_back(131);
        input->insert(input->end(), file.begin() + static_cast<std::ptrdiff_t>(off),
                      file.begin() + static_cast<std::ptrdiff_t>(off + used));
        out.push_back({std::string(name->name()), std::move(input), std::move(*elem)});
        off += used;
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    const options opt = parse(argc, argv);

    std::ifstream f(opt.corpus, std::ios::binary);
    if (!f) die("cannot open " + opt.corpus);
    auto file = std::make_shared<bytes>(std::istreambuf_iterator<char>(f),
                                        std::istreambuf_iterator<char>());

    auto whole = otp::decode(*file);
    if (!whole) die("cannot decode " + opt.corpus + ": " + whole.error().message());
    bench(slice{"all", file, std::move(*whole)}, opt.secs, opt);
    for (const slice& s : categories(*file))
        bench(s, opt.cat_secs, opt);
    return 0;
}

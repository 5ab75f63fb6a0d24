// libFuzzer target for the ETF codec: arbitrary bytes must never crash the decoder,
// and whatever it accepts must survive encode -> decode unchanged (=:=) and
// re-encode to the very same bytes. Violations abort so libFuzzer keeps the input.
//
// The same entry point is linked into a plain replay driver (fuzz_replay_main.cpp)
// so the seed corpus runs as an ordinary unit test in builds without clang.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <thread>
#include <vector>

#include "otp/atom.hpp"
#include "otp/etf.hpp"
#include "otp/term.hpp"

namespace {

using bytes_view = std::span<const std::uint8_t>;

[[noreturn]] void fail(const char* what, bytes_view input) {
    std::fprintf(stderr, "etf_roundtrip_fuzz: %s (input of %zu bytes)\n", what, input.size());
    std::abort();
}

void check(bool ok, const char* what, bytes_view input) {
    if (!ok) fail(what, input);
}

std::uint32_t fnv1a(bytes_view input) {
    std::uint32_t h = 2166136261u;
    for (const std::uint8_t b : input)
        h = (h ^ b) * 16777619u;
    return h;
}

// Encodes with the given options; a decoded term must always be encodable because
// decode and encode share the same depth limit.
std::vector<std::uint8_t> encode_or_fail(const otp::term& t, const otp::encode_options& opts,
                                         bytes_view input) {
    std::vector<std::uint8_t> out;
    const auto n = otp::encode_append(t, out, opts);
    check(n.has_value(), "encode_append failed on a decoded term", input);
    check(*n == out.size(), "encode_append returned a wrong size", input);
    check(!out.empty() && out[0] == 131, "encoding lacks the version byte", input);
    return out;
}

// encode(t) must decode back to t and re-encode to the same bytes.
void check_roundtrip(const otp::term& t, const otp::encode_options& opts, bytes_view input) {
    const std::vector<std::uint8_t> first = encode_or_fail(t, opts, input);
    if (opts.compressed < 0)
        check(otp::encoded_size(t, opts) == first.size(), "encoded_size disagrees with encode",
              input);
    const auto again = otp::decode(first);
    check(again.has_value(), "our own encoding does not decode", input);
    check(*again == t, "decode(encode(T)) =/= T", input);
    const std::vector<std::uint8_t> second = encode_or_fail(*again, opts, input);
    check(first == second, "re-encoding gives different bytes", input);
}

// The body path (distribution header terms): no 131, bytes may follow the term.
void check_body(bytes_view input, bytes_view body) {
    std::size_t used = 0;
    const auto t = otp::decode_body(body, used);
    if (!t) return;
    check(used > 0 && used <= body.size(), "decode_body used a bad byte count", input);

    std::vector<std::uint8_t> enc;
    const auto n = otp::encode_body_append(*t, enc);
    check(n.has_value() && *n == enc.size(), "encode_body_append failed on a decoded term", input);
    std::size_t used2 = 0;
    const auto again = otp::decode_body(enc, used2);
    check(again.has_value(), "our own body encoding does not decode", input);
    check(used2 == enc.size(), "decode_body did not take all of our encoding", input);
    check(*again == *t, "decode_body(encode_body(T)) =/= T", input);
    std::vector<std::uint8_t> enc2;
    check(otp::encode_body_append(*again, enc2).has_value() && enc == enc2,
          "re-encoding a body gives different bytes", input);
}

}  // namespace

// Atoms are immortal, as in the BEAM: with the default limit (about a million) the
// random atoms of a long run grow the process towards libFuzzer's RSS limit. A lower
// limit bounds that, and makes the fuzzer reach atom_table_full too.
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
    otp::set_atom_table_limits({.max_atoms = 100'000});
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const bytes_view input(data, size);

    otp::decode_error_info err;
    const auto t = otp::decode(input, err);
    if (!t) {
        check(err.code == t.error(), "decode_error_info disagrees with the result", input);
        check(err.inflated || err.offset <= size, "error offset past the input", input);
    } else {
        check_roundtrip(*t, {}, input);
        // Options picked by the input's last byte, so the fuzzer explores them too
        // without spending every execution on slow zlib runs.
        const std::uint8_t sel = size ? data[size - 1] : 0;
        otp::encode_options opts;
        opts.minor_version = sel % 3;
        if (sel % 8 == 0) opts.compressed = (sel >> 3) % 10;
        check_roundtrip(*t, opts, input);

        // Zero-copy decoding must give the same term; the input copy it references
        // is kept alive by the owner until the term is gone.
        auto copy = std::make_shared<std::vector<std::uint8_t>>(input.begin(), input.end());
        otp::decode_options zc;
        zc.zero_copy = true;
        zc.owner = copy;
        const auto z = otp::decode(bytes_view(*copy), zc);
        check(z.has_value() && *z == *t, "zero-copy decode differs", input);

        // The decoder's per-thread atom cache must never change what a decode gives,
        // whatever this thread decoded before: every 16th input (picked by its bytes,
        // so a finding replays) is decoded again on a new thread, whose cache is empty.
        if (fnv1a(input) % 16 == 0) {
            bool same = false;
            std::thread([&] {
                const auto fresh = otp::decode(input);
                same = fresh.has_value() && *fresh == *t;
            }).join();
            check(same, "a thread with an empty atom cache decodes differently", input);
        }
    }

    // decode() is 131 + decode_body() over the whole rest, except for compressed
    // terms (tag 80), which only decode() unpacks.
    const bool versioned = size > 0 && data[0] == 131;
    const bytes_view body = versioned ? input.subspan(1) : input;
    check_body(input, body);
    if (versioned && !body.empty() && body[0] != 80) {
        std::size_t used = 0;
        const auto b = otp::decode_body(body, used);
        const bool whole = b.has_value() && used == body.size();
        check(whole == t.has_value(), "decode and decode_body disagree on acceptance", input);
        if (whole) check(*b == *t, "decode and decode_body give different terms", input);
    }
    return 0;
}

// Micro-benchmarks (Google Benchmark) of the term layer's hot paths in a distribution
// node: the per-message control tuple and small payload, atom interning, copying and
// destroying terms, comparison and hashing.
//
//   otpcpp_term_micro_bench [--benchmark_filter=REGEX] [--benchmark_min_time=0.2]
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "otp/atom.hpp"
#include "otp/etf.hpp"
#include "otp/term.hpp"

namespace {

using bytes = std::vector<std::uint8_t>;

otp::pid sample_pid() {
    return otp::pid{otp::atom("bench@localhost"), 92, 0, 1700000000u};
}

// {6, Pid, '', rex}: a REG_SEND control message, as every rpc call begins with.
otp::term control_tuple() {
    return otp::tuple(6, sample_pid(), otp::atom(), otp::atom("rex"));
}

otp::term payload_binary() {
    std::vector<std::uint8_t> b(64);
    for (std::size_t i = 0; i < b.size(); ++i)
        b[i] = static_cast<std::uint8_t>(i);
    return otp::binary(b);
}

otp::encode_options dist_options() {
    otp::encode_options o;
    o.minor_version = 2;  // what distribution connections use
    return o;
}

// The two terms of a distribution message back to back without version bytes, as
// they follow a distribution header.
bytes control_and_payload_body() {
    bytes out;
    (void)otp::encode_body_append(control_tuple(), out, dist_options());
    (void)otp::encode_body_append(payload_binary(), out, dist_options());
    return out;
}

void BM_DecodeControlAndPayload(benchmark::State& state) {
    const bytes in = control_and_payload_body();
    const std::span<const std::uint8_t> view(in);
    for (auto _ : state) {
        std::size_t used = 0;
        auto ctrl = otp::decode_body(view, used);
        std::size_t used2 = 0;
        auto msg = otp::decode_body(view.subspan(used), used2);
        benchmark::DoNotOptimize(ctrl);
        benchmark::DoNotOptimize(msg);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
}
BENCHMARK(BM_DecodeControlAndPayload);

// The same payload referenced instead of copied (only binaries >= 64 bytes are).
void BM_DecodeControlAndPayloadZeroCopy(benchmark::State& state) {
    const auto in = std::make_shared<const bytes>(control_and_payload_body());
    const std::span<const std::uint8_t> view(*in);
    otp::decode_options zc;
    zc.zero_copy = true;
    zc.owner = in;
    for (auto _ : state) {
        std::size_t used = 0;
        auto ctrl = otp::decode_body(view, used, zc);
        std::size_t used2 = 0;
        auto msg = otp::decode_body(view.subspan(used), used2, zc);
        benchmark::DoNotOptimize(ctrl);
        benchmark::DoNotOptimize(msg);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in->size()));
}
BENCHMARK(BM_DecodeControlAndPayloadZeroCopy);

void BM_DecodeControlWithVersion(benchmark::State& state) {
    const bytes in = otp::encode(control_tuple(), dist_options());
    for (auto _ : state) {
        auto t = otp::decode(in);
        benchmark::DoNotOptimize(t);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
}
BENCHMARK(BM_DecodeControlWithVersion);

void BM_EncodeControlAndPayload(benchmark::State& state) {
    const otp::term ctrl = control_tuple();
    const otp::term msg = payload_binary();
    const otp::encode_options opts = dist_options();
    bytes out;
    for (auto _ : state) {
        out.clear();  // a connection reuses its send buffer
        (void)otp::encode_body_append(ctrl, out, opts);
        (void)otp::encode_body_append(msg, out, opts);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}
BENCHMARK(BM_EncodeControlAndPayload);

// A fresh vector per call: the cost a caller of plain encode() pays.
void BM_EncodeControlFreshVector(benchmark::State& state) {
    const otp::term ctrl = control_tuple();
    const otp::encode_options opts = dist_options();
    for (auto _ : state) {
        auto out = otp::encode(ctrl, opts);
        benchmark::DoNotOptimize(out.data());
    }
}
BENCHMARK(BM_EncodeControlFreshVector);

void BM_EncodedSizeControl(benchmark::State& state) {
    const otp::term ctrl = control_tuple();
    const otp::encode_options opts = dist_options();
    for (auto _ : state)
        benchmark::DoNotOptimize(otp::encoded_size(ctrl, opts));
}
BENCHMARK(BM_EncodedSizeControl);

// Interning a name that is already in the table: the path every decoded atom takes.
void BM_AtomInternExisting(benchmark::State& state) {
    const std::string name(static_cast<std::size_t>(state.range(0)), 'a');
    (void)otp::atom(name);
    for (auto _ : state)
        benchmark::DoNotOptimize(otp::atom::make(name));
}
BENCHMARK(BM_AtomInternExisting)->Arg(3)->Arg(16)->Arg(64)->Arg(255);

void BM_AtomFromLatin1Existing(benchmark::State& state) {
    const std::string name = "caf\xe9_latin1";
    (void)otp::atom::from_latin1(name);
    for (auto _ : state)
        benchmark::DoNotOptimize(otp::atom::from_latin1(name));
}
BENCHMARK(BM_AtomFromLatin1Existing);

// Interning names never seen before (table growth); each iteration adds an atom, so
// this runs a bounded number of iterations to keep the table small.
void BM_AtomInternNew(benchmark::State& state) {
    static long next = 0;
    std::string name;
    for (auto _ : state) {
        name = "micro_bench_new_atom_" + std::to_string(next++);
        benchmark::DoNotOptimize(otp::atom::make(name));
    }
}
BENCHMARK(BM_AtomInternNew)->Iterations(200000);

void BM_TermCopyDestroyTuple(benchmark::State& state) {
    const otp::term t = control_tuple();
    for (auto _ : state) {
        otp::term copy(t);  // a reference count up and down, no allocation
        benchmark::DoNotOptimize(copy);
    }
}
BENCHMARK(BM_TermCopyDestroyTuple);

void BM_TermBuildDestroyControl(benchmark::State& state) {
    const otp::pid p = sample_pid();
    const otp::atom rex("rex");
    for (auto _ : state) {
        otp::term t = otp::tuple(6, p, otp::atom(), rex);
        benchmark::DoNotOptimize(t);
    }
}
BENCHMARK(BM_TermBuildDestroyControl);

void BM_TermBuildDestroyList(benchmark::State& state) {
    std::vector<otp::term> elems;
    for (int i = 0; i < state.range(0); ++i)
        elems.emplace_back(i);
    for (auto _ : state) {
        otp::term t = otp::make_list(std::span<const otp::term>(elems));
        benchmark::DoNotOptimize(t);
    }
}
BENCHMARK(BM_TermBuildDestroyList)->Arg(8)->Arg(1000);

// Two equal trees in separate nodes, so equality walks them instead of stopping at
// a shared pointer.
void BM_CompareEqualControl(benchmark::State& state) {
    const otp::term a = control_tuple();
    const otp::term b = control_tuple();
    for (auto _ : state)
        benchmark::DoNotOptimize(a == b);
}
BENCHMARK(BM_CompareEqualControl);

void BM_CompareOrderControl(benchmark::State& state) {
    const otp::term a = control_tuple();
    const otp::term b = otp::tuple(6, sample_pid(), otp::atom(), otp::atom("rey"));
    for (auto _ : state)
        benchmark::DoNotOptimize(a <=> b);
}
BENCHMARK(BM_CompareOrderControl);

void BM_CompareEqualPayload(benchmark::State& state) {
    const otp::term a = payload_binary();
    const otp::term b = payload_binary();
    for (auto _ : state)
        benchmark::DoNotOptimize(a == b);
}
BENCHMARK(BM_CompareEqualPayload);

void BM_HashControl(benchmark::State& state) {
    const otp::term a = control_tuple();
    for (auto _ : state)
        benchmark::DoNotOptimize(a.hash());
}
BENCHMARK(BM_HashControl);

}  // namespace

BENCHMARK_MAIN();

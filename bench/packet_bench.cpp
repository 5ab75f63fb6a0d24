// Micro-benchmarks (Google Benchmark) of one distribution packet, the send workload's
// REG_SEND of {seq, I, <<64 bytes>>} to `sink`: encoding it and decoding it as a
// connection does, with atoms inline (Arg 0) and as atom cache references (Arg 1).
//
//   otpcpp_packet_bench [--benchmark_filter=REGEX] [--benchmark_min_time=0.2]
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "node/control.hpp"
#include "node/frame.hpp"
#include "node/packet_decoder.hpp"

namespace {

using namespace otp;

const pid from{atom("otpcppclient@localhost"), 92, 0, 1700000000u};

term payload(std::int64_t i) {
    static const term bin = binary(std::vector<std::uint8_t>(64, 7));
    return tuple(atom("seq"), i, bin);
}

void BM_PacketEncodeRegSend(benchmark::State& state) {
    const dist::packet_encoder enc(true, state.range(0) != 0);
    const atom sink("sink");
    const term msg = payload(12345);
    std::vector<std::uint8_t> out;
    for (auto _ : state) {
        out.clear();
        if (enc.append_reg_send(out, from, sink, msg)) state.SkipWithError("encode failed");
        enc.packets_queued();  // as the connection does once the packet is queued
        benchmark::DoNotOptimize(out.data());
    }
    state.SetLabel(std::to_string(out.size()) + " bytes");
}
BENCHMARK(BM_PacketEncodeRegSend)->Arg(0)->Arg(1);

void BM_PacketDecodeRegSend(benchmark::State& state) {
    const dist::packet_encoder enc(true, state.range(0) != 0);
    // The first packet defines the cache's slots; the one decoded over and over refers.
    std::vector<std::uint8_t> first, steady;
    (void)enc.append_reg_send(first, from, atom("sink"), payload(1));
    enc.packets_queued();
    (void)enc.append_reg_send(steady, from, atom("sink"), payload(2));
    dist::decoder_config cfg;
    cfg.header_format = true;
    cfg.direct_control = true;
    dist::packet_decoder dec(cfg);
    dist::message m;
    std::error_code ec;
    const std::span<const std::uint8_t> body0(first.data() + 4, first.size() - 4);
    const std::span<const std::uint8_t> body(steady.data() + 4, steady.size() - 4);
    if (dec.decode(body0, nullptr, m, ec) != dist::packet_decoder::status::message)
        state.SkipWithError("decode failed");
    for (auto _ : state) {
        if (dec.decode(body, nullptr, m, ec) != dist::packet_decoder::status::message)
            state.SkipWithError("decode failed");
        benchmark::DoNotOptimize(m);
    }
}
BENCHMARK(BM_PacketDecodeRegSend)->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();

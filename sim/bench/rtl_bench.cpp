// Co-simulation speed of the ZV RTL (the compression unit's "rtl" backend, RtlZvEngine: Verilated --cc models
// clocked from C++) next to the golden C++ codec on the same data in the same run. Prints, per element width
// and density, RTL cycles per second and bytes per second for compress and decompress, and the golden codec's
// bytes per second.
//
//   build/release/bin/rtl_bench [--mib 16] [--chunk 4096]
#include <systemc>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "codec/zv_codec.h"
#include "compression/rtl_zv_engine.h"
#include "tensor/activation_generator.h"

namespace {

using namespace cdma;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Row {
  double rtl_c_cps = 0, rtl_c_bps = 0, rtl_d_cps = 0, rtl_d_bps = 0, gold_c_bps = 0, gold_d_bps = 0;
};

// Compresses and decompresses `data` chunk by chunk (as the compression unit does) with the RTL and the
// golden codec; throws if they disagree.
Row measure(codec::ElementWidth w, const codec::Bytes& data, size_t chunk) {
  compression::RtlZvEngine engine(w);
  codec::ZvCodec golden(w);
  const size_t chunks = (data.size() + chunk - 1) / chunk;
  std::vector<codec::Bytes> rtl_out(chunks), gold_out(chunks);
  Row r;

  uint64_t cycles = 0;
  auto t0 = Clock::now();
  for (size_t i = 0; i < chunks; ++i) {
    const codec::ByteSpan in(data.data() + i * chunk, std::min(chunk, data.size() - i * chunk));
    rtl_out[i].resize(golden.max_compressed_size(in.size()));
    compression::RtlRunStats st;
    rtl_out[i].resize(engine.compress(in, rtl_out[i], st));
    cycles += st.cycles;
  }
  double s = seconds_since(t0);
  r.rtl_c_cps = cycles / s;
  r.rtl_c_bps = data.size() / s;

  t0 = Clock::now();
  for (size_t i = 0; i < chunks; ++i) {
    const codec::ByteSpan in(data.data() + i * chunk, std::min(chunk, data.size() - i * chunk));
    gold_out[i].resize(golden.max_compressed_size(in.size()));
    gold_out[i].resize(golden.compress(in, gold_out[i]));
  }
  r.gold_c_bps = data.size() / seconds_since(t0);
  for (size_t i = 0; i < chunks; ++i) {
    if (rtl_out[i] != gold_out[i])
      throw std::runtime_error("RTL and golden codec differ in chunk " + std::to_string(i));
  }

  codec::Bytes back(data.size());
  cycles = 0;
  t0 = Clock::now();
  for (size_t i = 0; i < chunks; ++i) {
    const codec::MutableByteSpan out(back.data() + i * chunk, std::min(chunk, data.size() - i * chunk));
    compression::RtlRunStats st;
    if (!engine.decompress(rtl_out[i], out, st)) throw std::runtime_error("RTL decompression failed");
    cycles += st.cycles;
  }
  s = seconds_since(t0);
  r.rtl_d_cps = cycles / s;
  r.rtl_d_bps = data.size() / s;
  if (back != data) throw std::runtime_error("RTL round trip differs");

  t0 = Clock::now();
  for (size_t i = 0; i < chunks; ++i) {
    const codec::MutableByteSpan out(back.data() + i * chunk, std::min(chunk, data.size() - i * chunk));
    if (!golden.decompress(gold_out[i], out)) throw std::runtime_error("golden decompression failed");
  }
  r.gold_d_bps = data.size() / seconds_since(t0);
  return r;
}

}  // namespace

int sc_main(int argc, char** argv) {
  size_t mib = 16, chunk = 4096;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--mib")) mib = std::strtoul(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--chunk")) chunk = std::strtoul(argv[i + 1], nullptr, 10);
  }
  std::printf(
      "ZV co-simulation speed: %zu MiB per point, %zu B chunks, RTL = Verilated --cc at 4 x 32 B sectors\n",
      mib, chunk);
  std::printf(
      "| elem | density | RTL comp Mcycle/s | RTL comp MB/s | RTL decomp Mcycle/s | RTL decomp MB/s | "
      "golden comp MB/s | golden decomp MB/s | golden/RTL comp |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  const std::pair<codec::ElementWidth, tensor::DType> widths[] = {
      {codec::ElementWidth::k32, tensor::DType::kFloat32},
      {codec::ElementWidth::k16, tensor::DType::kFloat16},
      {codec::ElementWidth::k8, tensor::DType::kInt8}};
  for (const auto& [w, t] : widths) {
    for (double density : {0.05, 0.35, 1.0}) {
      tensor::ActivationSpec spec;
      spec.dtype = t;
      spec.density = density;
      spec.clustering = 0.5;
      const codec::Bytes data = tensor::generate_activations(spec, (mib << 20) / tensor::element_bytes(t));
      const Row r = measure(w, data, chunk);
      std::printf("| %s | %.2f | %.2f | %.1f | %.2f | %.1f | %.0f | %.0f | %.0fx |\n", tensor::to_string(t),
                  density, r.rtl_c_cps / 1e6, r.rtl_c_bps / 1e6, r.rtl_d_cps / 1e6, r.rtl_d_bps / 1e6,
                  r.gold_c_bps / 1e6, r.gold_d_bps / 1e6, r.gold_c_bps / r.rtl_c_bps);
      std::fflush(stdout);
    }
  }
  // Cycle accounting of one chunk, for the TLM timing comparison (docs/rtl.md).
  std::printf(
      "\nOne %zu B chunk (busy = cycles between first and last handshake on the rate-setting port; the model "
      "charges %zu cycles at 128 B/cycle):\n",
      chunk, chunk / 128);
  std::printf(
      "| elem | density | comp cycles | comp busy | comp latency | decomp cycles | decomp busy | decomp "
      "latency |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (const auto& [w, t] : widths) {
    for (double density : {0.0, 0.35, 1.0}) {
      tensor::ActivationSpec spec;
      spec.dtype = t;
      spec.density = density;
      const codec::Bytes data = tensor::generate_activations(spec, chunk / tensor::element_bytes(t));
      compression::RtlZvEngine engine(w);
      codec::Bytes c(codec::ZvCodec(w).max_compressed_size(chunk)), back(chunk);
      compression::RtlRunStats cs, ds;
      c.resize(engine.compress(data, c, cs));
      if (!engine.decompress(c, back, ds) || back != data) throw std::runtime_error("RTL round trip failed");
      std::printf("| %s | %.2f | %llu | %llu | %llu | %llu | %llu | %llu |\n", tensor::to_string(t), density,
                  (unsigned long long)cs.cycles, (unsigned long long)cs.busy_cycles,
                  (unsigned long long)cs.latency_cycles(), (unsigned long long)ds.cycles,
                  (unsigned long long)ds.busy_cycles, (unsigned long long)ds.latency_cycles());
    }
  }
  return 0;
}

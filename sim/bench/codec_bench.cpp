// Codec throughput, side by side in one run on the same buffers: ZV (each SIMD level), ZCOMP, RL, ZL (zlib
// levels 1 and 6), LZ4 and plain memcpy, at activation densities 0.05, 0.2, 0.35 and 0.5 (fp32, scattered
// zeros), and the synthetic activation generator next to memset. Throughput is uncompressed bytes per
// second in both directions. Summarise with
// sim/bench/summarize_bench.py.
#include <benchmark/benchmark.h>
#include <lz4.h>

#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "codec/codec.h"
#include "codec/simd/dispatch.h"
#include "codec/zcomp_codec.h"
#include "codec/zv_codec.h"
#include "tensor/activation_generator.h"

namespace {

using cdma::codec::Bytes;
using cdma::codec::ByteSpan;
using cdma::codec::MutableByteSpan;

constexpr size_t kBufferBytes = size_t{16} << 20;  // larger than the caches, like a layer's activations
constexpr double kDensities[] = {0.05, 0.2, 0.35, 0.5};

const Bytes& input_for(double density) {
  static std::map<double, Bytes> cache;
  auto it = cache.find(density);
  if (it == cache.end()) {
    cdma::tensor::ActivationSpec spec;
    spec.density = density;
    spec.clustering = 0.0;
    spec.seed = 42;
    it = cache.emplace(density, cdma::tensor::generate_activations(spec, kBufferBytes / 4)).first;
  }
  return it->second;
}

std::string density_label(double d) {
  return "density:" + std::to_string(static_cast<int>(d * 100 + 0.5));
}

// A compressor under test: compress into `out`, returning the size, and decompress back.
struct Subject {
  std::string name;
  std::function<size_t(ByteSpan, MutableByteSpan)> compress;
  std::function<void(ByteSpan, MutableByteSpan)> decompress;
  std::function<size_t(size_t)> bound;
};

Subject from_codec(std::shared_ptr<cdma::codec::Codec> c, std::string name) {
  return Subject{std::move(name), [c](ByteSpan in, MutableByteSpan out) { return c->compress(in, out); },
                 [c](ByteSpan in, MutableByteSpan out) {
                   if (!c->decompress(in, out).is_ok()) throw std::runtime_error("benchmark decode failed");
                 },
                 [c](size_t n) { return c->max_compressed_size(n); }};
}

std::vector<Subject> subjects() {
  using namespace cdma::codec;
  std::vector<Subject> s;
  s.push_back(Subject{"memcpy",
                      [](ByteSpan in, MutableByteSpan out) {
                        std::memcpy(out.data(), in.data(), in.size());
                        return in.size();
                      },
                      [](ByteSpan in, MutableByteSpan out) { std::memcpy(out.data(), in.data(), in.size()); },
                      [](size_t n) { return n; }});
  for (simd::Isa isa : simd::available_isas()) {
    s.push_back(from_codec(std::make_shared<ZvCodec>(ElementWidth::k32, isa),
                           std::string("zv-") + simd::to_string(isa)));
  }
  s.push_back(
      from_codec(std::make_shared<ZcompCodec>(ElementWidth::k32, MaskLayout::kInterleaved), "zcomp-i"));
  s.push_back(from_codec(std::make_shared<ZcompCodec>(ElementWidth::k32, MaskLayout::kSeparate), "zcomp-s"));
  s.push_back(from_codec(make_codec({Algorithm::kRl, ElementWidth::k32, 0}), "rl"));
  s.push_back(from_codec(make_codec({Algorithm::kZl, ElementWidth::k32, 1}), "zl-1"));
  s.push_back(from_codec(make_codec({Algorithm::kZl, ElementWidth::k32, 6}), "zl-6"));
  s.push_back(Subject{"lz4",
                      [](ByteSpan in, MutableByteSpan out) {
                        return static_cast<size_t>(LZ4_compress_default(
                            reinterpret_cast<const char*>(in.data()), reinterpret_cast<char*>(out.data()),
                            static_cast<int>(in.size()), static_cast<int>(out.size())));
                      },
                      [](ByteSpan in, MutableByteSpan out) {
                        const int n = LZ4_decompress_safe(
                            reinterpret_cast<const char*>(in.data()), reinterpret_cast<char*>(out.data()),
                            static_cast<int>(in.size()), static_cast<int>(out.size()));
                        if (n != static_cast<int>(out.size())) throw std::runtime_error("lz4 decode failed");
                      },
                      [](size_t n) { return static_cast<size_t>(LZ4_compressBound(static_cast<int>(n))); }});
  return s;
}

// The synthetic activation generator (which training simulations run over every offloaded byte) next to
// memset of the same buffer: fp32, clustering 0 and 0.5.
void register_generator() {
  benchmark::RegisterBenchmark(
      "generate/memset",
      [](benchmark::State& state) {
        Bytes out(kBufferBytes);
        for (auto _ : state) {
          std::memset(out.data(), 1, out.size());
          benchmark::ClobberMemory();
        }
        state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
      })
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  for (double c : {0.0, 0.5}) {
    for (double d : {0.05, 0.2, 0.35, 0.5, 1.0}) {
      benchmark::RegisterBenchmark(
          ("generate/float32/" + density_label(d) +
           "/clustering:" + std::to_string(static_cast<int>(c * 100)))
              .c_str(),
          [d, c](benchmark::State& state) {
            Bytes out(kBufferBytes);
            cdma::tensor::ActivationSpec spec;
            spec.density = d;
            spec.clustering = c;
            for (auto _ : state) {
              benchmark::DoNotOptimize(cdma::tensor::generate_activations_into(spec, MutableByteSpan(out)));
              ++spec.seed;
            }
            state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
          })
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
}

void register_all() {
  register_generator();
  for (const Subject& subject : subjects()) {
    for (double d : kDensities) {
      benchmark::RegisterBenchmark(
          ("compress/" + subject.name + "/" + density_label(d)).c_str(),
          [subject, d](benchmark::State& state) {
            const Bytes& in = input_for(d);
            Bytes out(subject.bound(in.size()));
            size_t n = 0;
            for (auto _ : state) {
              n = subject.compress(in, MutableByteSpan(out));
              benchmark::DoNotOptimize(out.data());
              benchmark::ClobberMemory();
            }
            state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
            state.counters["ratio"] = static_cast<double>(in.size()) / static_cast<double>(n);
          })
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
      benchmark::RegisterBenchmark(
          ("decompress/" + subject.name + "/" + density_label(d)).c_str(),
          [subject, d](benchmark::State& state) {
            const Bytes& in = input_for(d);
            Bytes comp(subject.bound(in.size()));
            comp.resize(subject.compress(in, MutableByteSpan(comp)));
            Bytes out(in.size());
            for (auto _ : state) {
              subject.decompress(comp, MutableByteSpan(out));
              benchmark::DoNotOptimize(out.data());
              benchmark::ClobberMemory();
            }
            if (out != in) state.SkipWithError("round trip mismatch");
            state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
            state.counters["ratio"] = static_cast<double>(in.size()) / static_cast<double>(comp.size());
          })
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

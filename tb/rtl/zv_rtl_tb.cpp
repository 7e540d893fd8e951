// Testbench of the ZV RTL (rtl/zv_compressor.sv, rtl/zv_decompressor.sv) on the fast --cc models: directed
// cases and constrained-random streams, every stream scoreboarded byte for byte against the golden codec
// (models/codec/zv_codec.h), the compressor's output decompressed again by the RTL decompressor (round trip),
// functional coverage of density x output-buffer fill x stall situation, optional FST waveform.
//
//   zv_rtl_tb --elem 32 --sectors 4 --quick            # the CTest run: seconds, asserts the coverage goals
//   zv_rtl_tb --elem 32 --sectors 4 --lines 10000000   # long run: 10 M random 128-byte input lines
//   zv_rtl_tb ... --trace zv.fst                      # waveform of every cycle, for GTKWave
//
// Exit status 0 only if every stream matched and (quick mode, or >= 20000 lines) the coverage goals were met.
#include <verilated.h>
#include <verilated_fst_c.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <type_traits>
#include <utility>

#include "Vzv_comp_s1_e16.h"
#include "Vzv_comp_s1_e32.h"
#include "Vzv_comp_s1_e8.h"
#include "Vzv_comp_s2_e16.h"
#include "Vzv_comp_s4_e16.h"
#include "Vzv_comp_s4_e16_fst.h"
#include "Vzv_comp_s4_e32.h"
#include "Vzv_comp_s4_e32_fst.h"
#include "Vzv_comp_s4_e32_x.h"
#include "Vzv_comp_s4_e8.h"
#include "Vzv_comp_s4_e8_fst.h"
#include "Vzv_comp_s4_e8_x.h"
#include "Vzv_comp_s8_e32.h"
#include "Vzv_decomp_s1_e16.h"
#include "Vzv_decomp_s1_e32.h"
#include "Vzv_decomp_s1_e8.h"
#include "Vzv_decomp_s2_e16.h"
#include "Vzv_decomp_s4_e16.h"
#include "Vzv_decomp_s4_e16_fst.h"
#include "Vzv_decomp_s4_e32.h"
#include "Vzv_decomp_s4_e32_fst.h"
#include "Vzv_decomp_s4_e32_x.h"
#include "Vzv_decomp_s4_e8.h"
#include "Vzv_decomp_s4_e8_fst.h"
#include "Vzv_decomp_s4_e8_x.h"
#include "codec/zv_codec.h"
#include "compression/rtl_zv_driver.h"
#include "tensor/activation_generator.h"
#include "zv_coverage.h"

namespace cdma::tb {
namespace {

using compression::RtlPacing;
using compression::RtlRunStats;

struct Options {
  unsigned elem = 32;
  unsigned sectors = 4;
  uint64_t lines = 0;  // random 128-byte input lines after the directed cases
  uint64_t seed = 1;
  bool quick = false;
  bool xprop = false;  // the _x models: random values for X and for registers without reset
  std::string trace;
};

enum class Flow { kFree, kSourceGaps, kSinkStalls, kBoth, kBursts };
constexpr const char* kFlowNames[] = {"free", "source-gaps", "sink-stalls", "both", "bursts"};

codec::ElementWidth width_of(unsigned elem) {
  return elem == 32   ? codec::ElementWidth::k32
         : elem == 16 ? codec::ElementWidth::k16
                      : codec::ElementWidth::k8;
}

tensor::DType dtype_of(unsigned elem) {
  return elem == 32 ? tensor::DType::kFloat32 : elem == 16 ? tensor::DType::kFloat16 : tensor::DType::kInt8;
}

// Random pacing with a per-stream mode; bursts alternate long ready and long stalled stretches on both sides.
class Pacer {
 public:
  Pacer(std::mt19937_64& rng, Flow flow) : rng_(rng), flow_(flow) {}

  bool hold_input() { return side(flow_ == Flow::kSourceGaps || flow_ == Flow::kBoth, in_burst_, 0.4); }
  bool stall_output() { return side(flow_ == Flow::kSinkStalls || flow_ == Flow::kBoth, out_burst_, 0.5); }

 private:
  bool side(bool random, int& burst, double p) {
    if (flow_ == Flow::kBursts) {
      if (burst == 0) burst = static_cast<int>(rng_() % 40) - 20;  // < 0: stalled stretch, > 0: flowing
      const bool stalled = burst < 0;
      burst += stalled ? 1 : -1;
      return stalled;
    }
    return random && std::uniform_real_distribution<double>(0, 1)(rng_) < p;
  }
  std::mt19937_64& rng_;
  Flow flow_;
  int in_burst_ = 0, out_burst_ = 0;
};

// The _fst models (built with tracing) have trace(); main() picks them only for --trace.
template <typename T, typename = void>
struct HasTrace : std::false_type {};
template <typename T>
struct HasTrace<T, std::void_t<decltype(std::declval<T&>().trace(nullptr, 0))>> : std::true_type {};

template <typename Comp, typename Decomp>
class Bench {
  static constexpr bool kTraced = HasTrace<Comp>::value && HasTrace<Decomp>::value;

 public:
  Bench(const Options& o)
      : opt_(o),
        ctx_(make_context(o)),
        e_(o.elem / 8),
        line_bytes_(o.sectors > 4 ? 32 * o.sectors : 128),
        comp_(std::make_unique<Comp>(ctx_.get(), "zv_compressor")),
        decomp_(std::make_unique<Decomp>(ctx_.get(), "zv_decompressor")),
        cdrv_(*comp_, o.sectors, line_bytes_),
        ddrv_(*decomp_, std::min(o.sectors, 4u)),
        golden_(width_of(o.elem)),
        rng_(o.seed) {
    if constexpr (kTraced) {
      // Both models in one file; the decompressor's time runs on from the compressor's.
      Verilated::traceEverOn(true);
      trace_ = std::make_unique<VerilatedFstC>();
      comp_->trace(trace_.get(), 99);
      decomp_->trace(trace_.get(), 99);
      trace_->open(o.trace.c_str());
    }
    cdrv_.reset(pacing_for(nullptr));
    ddrv_.reset(pacing_for(nullptr));
  }
  ~Bench() {
    if (trace_) trace_->close();
    comp_->final();
    decomp_->final();
  }

  int run() {
    const auto t0 = std::chrono::steady_clock::now();
    directed();
    protocol_cases();
    random_streams();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("ZV RTL testbench: ELEM_BITS=%u SECTORS=%u (%u B/cycle, %u B lines), seed %llu%s\n",
                opt_.elem, opt_.sectors, 32 * opt_.sectors, line_bytes_, (unsigned long long)opt_.seed,
                opt_.xprop ? ", X-propagation models (random X and initial values)" : "");
    std::printf(
        "streams %llu, input 128-byte lines %llu (%.1f MB), compressor cycles %llu, decompressor cycles "
        "%llu, "
        "%.1f s (%.2f M cycles/s)\n",
        (unsigned long long)streams_, (unsigned long long)in_blocks_, in_bytes_ / 1e6,
        (unsigned long long)comp_cycles_, (unsigned long long)decomp_cycles_, secs,
        (comp_cycles_ + decomp_cycles_) / secs / 1e6);
    std::printf("flow modes:");
    for (int f = 0; f < 5; ++f) std::printf(" %s=%llu", kFlowNames[f], (unsigned long long)flow_streams_[f]);
    std::printf(
        "\nstalls seen: DUT back-pressure %llu cycles, sink stalls %llu cycles, mid-input line crossings "
        "%llu, partial final blocks %llu, decoder error cases %llu\n",
        (unsigned long long)backpressure_cycles_, (unsigned long long)sink_stall_cycles_,
        (unsigned long long)mid_chunk_crossings_, (unsigned long long)partial_streams_,
        (unsigned long long)error_cases_);
    std::printf("mid-stream resets then a checked stream: %llu\n", (unsigned long long)mid_stream_resets_);
    cov_.print(stdout);
    bool goals = cov_.density_by_stall_complete() && cov_.fill_by_stall_complete() &&
                 cov_.bins_hit() * 100 >= cov_.bins() * kMinCrossPercent && mid_chunk_crossings_ > 0 &&
                 partial_streams_ > 0;
    // A short run (for a waveform, say) cannot reach the goals; they bind the quick and long runs.
    const bool enforce = opt_.quick || opt_.lines >= 20000;
    std::printf(
        "coverage goals (density x stall and fill x stall complete, cross >= %d %%, line crossed inside "
        "an input, partial final block): %s%s\n",
        kMinCrossPercent, goals ? "met" : "NOT MET", enforce ? "" : " (not enforced: short run)");
    goals = goals || !enforce;
    std::printf("mismatches: %llu\n", (unsigned long long)failures_);
    std::printf("%s\n", failures_ == 0 && goals ? "PASS" : "FAIL");
    return failures_ == 0 && goals ? 0 : 1;
  }

 private:
  static constexpr int kMinCrossPercent = 90;

  const RtlPacing* pacing_for(Pacer* p) {
    pacing_ = RtlPacing{};
    if (p) {
      pacing_.hold_input = [p](uint64_t) { return p->hold_input(); };
      pacing_.stall_output = [p](uint64_t) { return p->stall_output(); };
    }
    if (trace_) pacing_.dump = [this](uint64_t) { trace_->dump(++trace_time_); };
    return &pacing_;
  }

  codec::Bytes random_data(size_t bytes, double density, double clustering) {
    tensor::ActivationSpec spec;
    spec.dtype = dtype_of(opt_.elem);
    spec.density = density;
    spec.clustering = clustering;
    spec.seed = rng_();
    codec::Bytes d = tensor::generate_activations(spec, (bytes + e_ - 1) / e_);
    d.resize(bytes);
    return d;
  }

  void fail(const std::string& label, const std::string& what) {
    if (failures_++ < 20) std::printf("MISMATCH [%s]: %s\n", label.c_str(), what.c_str());
  }

  // One stream through the compressor (against the golden bytes) and back through the decompressor.
  void stream(const codec::Bytes& in, Flow flow, const std::string& label) {
    ++streams_;
    ++flow_streams_[static_cast<int>(flow)];
    in_bytes_ += in.size();
    in_blocks_ += (in.size() + 127) / 128;
    if (in.size() % 128 != 0) ++partial_streams_;
    const codec::Bytes golden = golden_.compress(in);
    count_mid_chunk_crossings(in);

    codec::Bytes out(golden_.max_compressed_size(in.size()) + line_bytes_);
    RtlRunStats st;
    Pacer pacer(rng_, flow);
    size_t n = 0;
    try {
      n = cdrv_.run(in, out, st, pacing_for(&pacer), Sampler{this, in});
    } catch (const std::exception& ex) {
      fail(label, std::string("compressor: ") + ex.what());
      cdrv_.reset(pacing_for(nullptr));
      return;
    }
    comp_cycles_ += st.cycles;
    backpressure_cycles_ += st.in_stall_cycles;
    sink_stall_cycles_ += st.out_stall_cycles;
    out.resize(n);
    if (out != golden) {
      size_t i = 0;
      while (i < std::min(out.size(), golden.size()) && out[i] == golden[i]) ++i;
      fail(label, "compressed " + std::to_string(out.size()) + " B vs golden " +
                      std::to_string(golden.size()) + " B, first difference at byte " + std::to_string(i) +
                      " (input " + std::to_string(in.size()) + " B)");
      return;
    }
    codec::Bytes back(in.size());
    Pacer dpacer(rng_, flow);
    try {
      const codec::Status s = ddrv_.run(out, back, st, pacing_for(&dpacer));
      decomp_cycles_ += st.cycles;
      if (!s) fail(label, "decompressor: " + s.to_string());
      if (back != in) fail(label, "round trip differs (input " + std::to_string(in.size()) + " B)");
    } catch (const std::exception& ex) {
      fail(label, std::string("decompressor: ") + ex.what());
      ddrv_.reset(pacing_for(nullptr));
    }
  }

  // The decompressor must reject what the golden decoder rejects, with the same verdict.
  void error_case(const codec::Bytes& compressed, size_t original, const std::string& label) {
    ++error_cases_;
    codec::Bytes golden_out(original), rtl_out(original);
    const codec::Status g = golden_.decompress(compressed, golden_out);
    RtlRunStats st;
    try {
      const codec::Status r = ddrv_.run(compressed, rtl_out, st, pacing_for(nullptr));
      decomp_cycles_ += st.cycles;
      if (g.code() != r.code()) {
        fail(label, std::string("golden says ") + codec::to_string(g.code()) + ", RTL says " +
                        codec::to_string(r.code()));
      }
    } catch (const std::exception& ex) {
      fail(label, std::string("decompressor: ") + ex.what());
      ddrv_.reset(pacing_for(nullptr));
    }
  }

  // Counts output-line boundaries that fall strictly inside one input beat's bytes of the golden stream (the
  // shift-and-append splits a chunk across two lines).
  void count_mid_chunk_crossings(const codec::Bytes& in) {
    const unsigned n_elems = 128 / e_;
    size_t pos = 0;
    for (size_t off = 0; off < in.size(); off += 128) {
      unsigned nz = 0;
      for (unsigned i = 0; i < n_elems; ++i) {
        bool z = true;
        for (unsigned b = 0; b < e_; ++b) {
          const size_t k = off + i * e_ + b;
          if (k < in.size() && in[k]) z = false;
        }
        nz += !z;
      }
      const size_t len = n_elems / 8 + nz * e_;
      if ((pos / line_bytes_) != ((pos + len - 1) / line_bytes_) && (pos + len) % line_bytes_ != 0) {
        ++mid_chunk_crossings_;
      }
      pos += len;
    }
  }

  // Per-cycle coverage sampler: one sample per accepted input beat.
  struct Sampler {
    Bench* b;
    const codec::Bytes& in;
    void operator()(const Comp& dut, uint64_t) {
      const bool gap = !dut.in_valid && beat_ < beats();
      if (dut.in_valid && dut.in_ready) {
        const size_t off = beat_ * b->cdrv_.beat_bytes();
        const size_t end = std::min(in.size(), off + b->cdrv_.beat_bytes());
        const unsigned elems = b->cdrv_.beat_bytes() / b->e_;
        unsigned nz = 0;
        for (size_t i = off; i < off + b->cdrv_.beat_bytes(); i += b->e_) {
          bool z = true;
          for (unsigned k = 0; k < b->e_ && i + k < end; ++k) z = z && in[i + k] == 0;
          nz += !z;
        }
        int stall = 0;
        if (prev_backpressure_) {
          stall = 3;
        } else if (prev_sink_stall_ || (dut.out_valid && !dut.out_ready)) {
          stall = 2;
        } else if (prev_gap_) {
          stall = 1;
        }
        b->cov_.sample(ZvCoverage::density_bin(nz, elems),
                       ZvCoverage::fill_bin(dut.buf_level, b->line_bytes_), stall);
        ++beat_;
      }
      prev_backpressure_ = dut.in_valid && !dut.in_ready;
      prev_sink_stall_ = dut.out_valid && !dut.out_ready;
      prev_gap_ = gap;
    }
    size_t beats() const {
      return std::max<size_t>(1, (in.size() + b->cdrv_.beat_bytes() - 1) / b->cdrv_.beat_bytes());
    }
    size_t beat_ = 0;
    bool prev_backpressure_ = false, prev_sink_stall_ = false, prev_gap_ = false;
  };

  // One raw clock cycle of a model (the drivers' loop, without their bookkeeping): the low phase (outputs
  // then show the registered state and the combinational response to the inputs), then the edge.
  template <typename Dut>
  void raw_low(Dut& d) {
    d.clk = 0;
    d.eval();
  }
  template <typename Dut>
  void raw_edge(Dut& d) {
    d.clk = 1;
    d.eval();
    if (trace_) trace_->dump(++trace_time_);
  }
  template <typename Dut>
  void raw_tick(Dut& d) {
    raw_low(d);
    raw_edge(d);
  }

  // Feeds `lines` 128-byte lines of `c` into the decompressor (started for `orig` bytes) with the sink always
  // ready; `start_at`: cycle at which `start` is raised again while busy (-1: never). Returns the bytes
  // written; `protocol` gets err_protocol of the `done` pulse (false if none came).
  size_t raw_decompress(const codec::Bytes& c, size_t orig, size_t lines, int start_at, codec::Bytes& out,
                        bool& protocol, bool& finished) {
    Decomp& d = *decomp_;
    d.orig_bytes = orig;
    d.start = 1;
    d.in_valid = 0;
    d.out_ready = 1;
    raw_tick(d);
    d.start = 0;
    const size_t total_lines = std::max<size_t>(1, (c.size() + 127) / 128);
    size_t line = 0, written = 0;
    int after = 0;
    protocol = finished = false;
    for (int cyc = 0; cyc < 20000 && !(finished && !d.out_valid); ++cyc) {
      if (lines < total_lines && line == lines && ++after > 8) break;  // a partial feed: stop mid-stream
      d.start = cyc == start_at;
      d.in_valid = line < lines;
      if (d.in_valid) {
        const size_t off = line * 128, n = std::min<size_t>(128, c.size() - std::min(off, c.size()));
        compression::rtl_detail::load_port(d.in_data, c.data() + off, n);
        d.in_bytes = static_cast<uint32_t>(n);
        d.in_last = line + 1 == total_lines;
      }
      raw_low(d);
      const bool in_fire = d.in_valid && d.in_ready;
      if (d.out_valid && written + d.out_bytes <= out.size()) {
        compression::rtl_detail::store_port(d.out_data, out.data() + written, d.out_bytes);
        written += d.out_bytes;
      }
      if (d.done) {
        finished = true;
        protocol = d.err_protocol;
      }
      raw_edge(d);
      line += in_fire;
    }
    d.start = 0;
    d.in_valid = 0;
    return written;
  }

  // Protocol and reset cases the drivers never produce: `start` while busy is refused and reported (the
  // stream still decodes), reset in the middle of a stream leaves both units ready for a correct next stream.
  void protocol_cases() {
    const codec::Bytes in = random_data(3000, 0.5, 0.3);
    const codec::Bytes c = golden_.compress(in);
    const size_t lines = (c.size() + 127) / 128;
    codec::Bytes out(in.size());
    bool protocol = false, finished = false;
    size_t n = raw_decompress(c, in.size(), lines, 3, out, protocol, finished);
    ++error_cases_;
    if (!finished || !protocol) fail("start while busy", "no done with err_protocol");
    if (n != in.size() || out != in) fail("start while busy", "the running stream was disturbed");
    // A short line that is not the last: a protocol error.
    if (lines >= 2) {
      ddrv_.reset(pacing_for(nullptr));
      Decomp& d = *decomp_;
      d.orig_bytes = in.size();
      d.start = 1;
      d.out_ready = 1;
      raw_tick(d);
      d.start = 0;
      d.in_valid = 1;
      compression::rtl_detail::load_port(d.in_data, c.data(), 100);
      d.in_bytes = 100;
      d.in_last = 0;
      bool seen = false;
      for (int cyc = 0; cyc < 5000 && !seen; ++cyc) {
        raw_low(d);
        if (d.in_valid && d.in_ready) {
          raw_edge(d);
          d.in_valid = 1;
          d.in_last = 1;
          d.in_bytes = 0;
          continue;
        }
        if (d.done) {
          seen = true;
          if (!d.err_protocol) fail("short non-last line", "not reported as a protocol error");
        }
        raw_edge(d);
      }
      d.in_valid = 0;
      ++error_cases_;
      if (!seen) fail("short non-last line", "no done");
    }
    // Reset in the middle of a decompression, then a normal stream.
    ddrv_.reset(pacing_for(nullptr));
    raw_decompress(c, in.size(), lines / 2, -1, out, protocol, finished);
    ddrv_.reset(pacing_for(nullptr));
    // Reset in the middle of a compression: half the beats in, then reset.
    {
      Comp& d = *comp_;
      d.out_ready = 0;
      for (size_t b = 0; b < 8; ++b) {
        d.in_valid = 1;
        compression::rtl_detail::load_port(d.in_data, in.data() + b * cdrv_.beat_bytes(), cdrv_.beat_bytes());
        d.in_last = 0;
        d.in_bytes = cdrv_.beat_bytes();
        raw_tick(d);
      }
      d.in_valid = 0;
      cdrv_.reset(pacing_for(nullptr));
    }
    stream(in, Flow::kBoth, "after a reset in mid-stream");
    ++mid_stream_resets_;
  }

  void directed() {
    const unsigned n_elems = 128 / e_;
    for (Flow f : {Flow::kFree, Flow::kBoth}) {
      const std::string fl = kFlowNames[static_cast<int>(f)];
      stream(codec::Bytes(128 * 40, 0), f, "all zero " + fl);
      codec::Bytes dense = random_data(128 * 40, 1.0, 0.0);
      stream(dense, f, "all non-zero " + fl);
      // One non-zero in each lane: block k holds only element k (as -0.0 in odd blocks: bitwise != 0).
      codec::Bytes lanes(128 * n_elems, 0);
      for (unsigned k = 0; k < n_elems; ++k) {
        uint8_t* el = &lanes[k * 128 + k * e_];
        if (k % 2) {
          el[e_ - 1] = 0x80;
        } else {
          el[0] = static_cast<uint8_t>(k + 1);
        }
      }
      stream(lanes, f, "one non-zero per lane " + fl);
      // Every lane's complement: one zero per block.
      codec::Bytes holes = random_data(128 * n_elems, 1.0, 0.0);
      for (unsigned k = 0; k < n_elems; ++k) std::memset(&holes[k * 128 + k * e_], 0, e_);
      stream(holes, f, "one zero per lane " + fl);
      // Output line crossed inside an input: blocks of 5 non-zeros give chunks that straddle line boundaries.
      codec::Bytes five(128 * 64, 0);
      for (size_t blk = 0; blk < 64; ++blk)
        for (unsigned k = 0; k < 5; ++k) five[blk * 128 + ((k * 7 + blk) % n_elems) * e_] = 0x11;
      stream(five, f, "line boundary inside an input " + fl);
      // Long runs of zeros and of non-zeros spanning many blocks.
      stream(random_data(128 * 512, 0.5, 0.995), f, "long runs " + fl);
    }
    // Back-pressure on the output, gaps on the input, bursts of both, at several densities.
    for (Flow f : {Flow::kSinkStalls, Flow::kSourceGaps, Flow::kBursts}) {
      for (double d : {0.0, 0.1, 0.35, 0.7, 1.0}) {
        stream(random_data(128 * 200, d, 0.3), f, std::string("flow ") + kFlowNames[static_cast<int>(f)]);
      }
    }
    // Dense stretches that fill the output buffer, then zero stretches: under a stalling sink, zero and
    // sparse beats arrive right after DUT back-pressure (random streams, uniform in density, rarely do this).
    for (Flow f : {Flow::kSinkStalls, Flow::kBursts, Flow::kBoth}) {
      codec::Bytes mixed = random_data(128 * 256, 1.0, 0.0);
      for (size_t blk = 0; blk < 256; ++blk) {
        const size_t phase = blk % 16;
        if (phase >= 8) std::memset(&mixed[blk * 128], 0, 128);  // all zero
        if (phase == 12) std::memset(&mixed[blk * 128], 0, 96);  // sparse tail
      }
      stream(mixed, f, std::string("dense then zero ") + kFlowNames[static_cast<int>(f)]);
    }
    // Partial final blocks: every size 0..2 blocks + 1 (odd element sizes included), then some larger ones.
    for (size_t n = 0; n <= 257; ++n) {
      stream(random_data(n, 0.5, 0.2), n % 3 ? Flow::kFree : Flow::kBoth, "size " + std::to_string(n));
    }
    for (size_t n : {1000u, 4095u, 4097u, 12345u}) stream(random_data(n, 0.4, 0.5), Flow::kBoth, "odd size");
    // Decoder verdicts: truncated, trailing, mask bit past the end of a partial block, non-zero padding.
    for (size_t n : {128u, 300u, 4096u}) {
      const codec::Bytes in = random_data(n, 0.5, 0.0);
      codec::Bytes c = golden_.compress(in);
      codec::Bytes shorter(c.begin(), c.end() - e_);
      error_case(shorter, n, "truncated");
      codec::Bytes longer = c;
      longer.insert(longer.end(), e_, 0);
      error_case(longer, n, "trailing");
      error_case(codec::Bytes(), n, "empty for non-empty");
      error_case(codec::Bytes(c.begin(), c.end() - 1), n, "one byte short");
      codec::Bytes one_more = c;
      one_more.push_back(0);
      error_case(one_more, n, "one byte over");
    }
    {
      // 2 bytes of fp32 in one block: only mask bit 0 may be set.
      codec::Bytes c(n_elems / 8 + e_, 0);
      c[0] = 0x02;  // element 1: past the end
      c[n_elems / 8] = 0x33;
      error_case(c, 2, "mask bit past end");
      if (e_ > 1) {
        codec::Bytes p(n_elems / 8 + e_, 0);
        p[0] = 0x01;
        p[n_elems / 8 + e_ - 1] = 0x44;  // padding byte of the partial element
        error_case(p, 1, "non-zero padding");
      }
    }
  }

  void random_streams() {
    uint64_t lines = opt_.lines;
    if (opt_.quick) lines = std::max<uint64_t>(lines, 20000);
    std::uniform_real_distribution<double> u(0, 1);
    for (uint64_t done = 0; done < lines;) {
      // Mostly whole blocks, sometimes a partial last block; 1..256 lines per stream.
      const uint64_t blocks = std::min<uint64_t>(lines - done, 1 + rng_() % 256);
      size_t bytes = blocks * 128;
      if (rng_() % 4 == 0) bytes -= 1 + rng_() % 127;
      const double density = u(rng_) < 0.1 ? (rng_() % 2 ? 0.0 : 1.0) : u(rng_);
      const double clustering = u(rng_) * 0.95;
      // Long runs are mostly free-flowing (speed); every fifth stream gets a random flow-control mode.
      const Flow flow = (opt_.quick || rng_() % 5 == 0) ? static_cast<Flow>(rng_() % 5) : Flow::kFree;
      stream(random_data(bytes, density, clustering), flow, "random");
      done += blocks;
    }
  }

  // The context comes first: --xprop's random initial values are drawn when the models are built.
  static std::unique_ptr<VerilatedContext> make_context(const Options& o) {
    auto ctx = std::make_unique<VerilatedContext>();
    if (o.xprop) {
      ctx->randReset(2);  // every uninitialised bit random
      ctx->randSeed(static_cast<int>(o.seed));
    }
    return ctx;
  }

  Options opt_;
  std::unique_ptr<VerilatedContext> ctx_;
  unsigned e_, line_bytes_;
  std::unique_ptr<Comp> comp_;
  std::unique_ptr<Decomp> decomp_;
  compression::RtlZvCompressorDriver<Comp> cdrv_;
  compression::RtlZvDecompressorDriver<Decomp> ddrv_;
  codec::ZvCodec golden_;
  std::mt19937_64 rng_;
  std::unique_ptr<VerilatedFstC> trace_;
  uint64_t trace_time_ = 0;
  RtlPacing pacing_;
  ZvCoverage cov_;
  uint64_t failures_ = 0, streams_ = 0, in_bytes_ = 0, in_blocks_ = 0, comp_cycles_ = 0, decomp_cycles_ = 0;
  uint64_t backpressure_cycles_ = 0, sink_stall_cycles_ = 0, mid_chunk_crossings_ = 0, partial_streams_ = 0;
  uint64_t error_cases_ = 0, flow_streams_[5] = {}, mid_stream_resets_ = 0;
};

template <typename Comp, typename Decomp>
int run(const Options& o) {
  Bench<Comp, Decomp> b(o);
  return b.run();
}

int usage() {
  std::fprintf(
      stderr,
      "usage: zv_rtl_tb [--elem 32|16|8] [--sectors 1|2|4|8] [--quick] [--lines N] [--seed S] "
      "[--trace file.fst] [--xprop]\n"
      "built variants (sectors/elem): 4/32 4/16 4/8 1/32 1/16 1/8 2/16 8/32 (--trace: 4/32 4/16 4/8; "
      "--xprop: 4/32 4/8)\n");
  return 2;
}

}  // namespace
}  // namespace cdma::tb

int main(int argc, char** argv) {
  using namespace cdma::tb;
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--quick") {
      o.quick = true;
    } else if (a == "--xprop") {
      o.xprop = true;
    } else if ((a == "--elem" || a == "--sectors" || a == "--lines" || a == "--seed" || a == "--trace") &&
               (v = next())) {
      if (a == "--elem") o.elem = static_cast<unsigned>(std::strtoul(v, nullptr, 10));
      if (a == "--sectors") o.sectors = static_cast<unsigned>(std::strtoul(v, nullptr, 10));
      if (a == "--lines") o.lines = std::strtoull(v, nullptr, 10);
      if (a == "--seed") o.seed = std::strtoull(v, nullptr, 10);
      if (a == "--trace") o.trace = v;
    } else {
      return usage();
    }
  }
  const unsigned key = o.sectors * 100 + o.elem;
  if (o.xprop) {
    if (!o.trace.empty()) {
      std::fprintf(stderr, "zv_rtl_tb: --xprop and --trace are separate builds; use one\n");
      return 2;
    }
    switch (key) {
      case 432:
        return run<Vzv_comp_s4_e32_x, Vzv_decomp_s4_e32_x>(o);
      case 408:
        return run<Vzv_comp_s4_e8_x, Vzv_decomp_s4_e8_x>(o);
      default:
        std::fprintf(stderr, "zv_rtl_tb: --xprop is built for 4/32 and 4/8 (rtl/CMakeLists.txt, XPROP)\n");
        return 2;
    }
  }
  if (!o.trace.empty()) {
    switch (key) {
      case 432:
        return run<Vzv_comp_s4_e32_fst, Vzv_decomp_s4_e32_fst>(o);
      case 416:
        return run<Vzv_comp_s4_e16_fst, Vzv_decomp_s4_e16_fst>(o);
      case 408:
        return run<Vzv_comp_s4_e8_fst, Vzv_decomp_s4_e8_fst>(o);
      default:
        std::fprintf(stderr,
                     "zv_rtl_tb: --trace is built for 4 sectors only (rtl/CMakeLists.txt, cdma_rtl_fst)\n");
        return 2;
    }
  }
  switch (key) {
    case 432:
      return run<Vzv_comp_s4_e32, Vzv_decomp_s4_e32>(o);
    case 416:
      return run<Vzv_comp_s4_e16, Vzv_decomp_s4_e16>(o);
    case 408:
      return run<Vzv_comp_s4_e8, Vzv_decomp_s4_e8>(o);
    case 132:
      return run<Vzv_comp_s1_e32, Vzv_decomp_s1_e32>(o);
    case 116:
      return run<Vzv_comp_s1_e16, Vzv_decomp_s1_e16>(o);
    case 108:
      return run<Vzv_comp_s1_e8, Vzv_decomp_s1_e8>(o);
    case 216:
      return run<Vzv_comp_s2_e16, Vzv_decomp_s2_e16>(o);
    case 832:
      return run<Vzv_comp_s8_e32, Vzv_decomp_s4_e32>(o);
    default:
      return usage();
  }
}

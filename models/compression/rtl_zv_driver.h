// Cycle drivers for the Verilated ZV RTL (rtl/zv_compressor.sv, rtl/zv_decompressor.sv): they stream a buffer
// through a --cc model from C++, one clock cycle per loop iteration, and count cycles. Templates over the
// Verilated class because every parameterisation is its own class with the same port names. Used by the
// co-simulation engine (RtlZvEngine) and the RTL testbench (tb/rtl), which adds pacing (input gaps, output
// stalls), a per-cycle observer for coverage, and a waveform dump hook.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "codec/bytes.h"
#include "codec/status.h"

namespace cdma::compression {

// Pacing and observation of one run; every member is optional.
struct RtlPacing {
  std::function<bool(uint64_t cycle)> hold_input;    // true: the source presents nothing this cycle
  std::function<bool(uint64_t cycle)> stall_output;  // true: the sink is not ready this cycle
  std::function<void(uint64_t time)> dump;           // called after each clock edge (waveform)
};

// Cycle accounting of one stream. Cycles are counted from the first cycle the source presents data (cycle 0)
// to the cycle the stream is finished (last line taken / decompressor done), inclusive.
struct RtlRunStats {
  uint64_t cycles = 0;
  // Cycles between the first and the last handshake on the throughput-limiting port (compressor: input beats;
  // decompressor: output blocks), inclusive: what the datapath is busy for. The rest is pipeline latency.
  uint64_t busy_cycles = 0;
  uint64_t latency_cycles() const { return cycles - busy_cycles; }
  uint64_t in_handshakes = 0, out_handshakes = 0;
  uint64_t in_stall_cycles = 0;   // source had data, DUT not ready
  uint64_t out_stall_cycles = 0;  // DUT had a line, sink not ready
};

namespace rtl_detail {

// Copies n bytes into a Verilated wide port (32-bit words, bit 0 of the port = bit 0 of byte 0) and fills the
// rest with a non-zero pattern: the RTL must ignore bytes past in_bytes, and zeros there would hide it if
// not. Ports of 64 bits or less are plain integers. A byte copy is right on a little-endian host (x86, Arm).
// n = 0 copies nothing: src may then be null (an empty span), which memcpy does not allow.
template <typename Port>
void load_port(Port& port, const uint8_t* src, size_t n) {
  if constexpr (std::is_integral_v<Port>) {
    Port v;
    std::memset(&v, 0xA5, sizeof v);
    if (n) std::memcpy(&v, src, n);
    port = v;
  } else {
    std::memset(port.data(), 0xA5, sizeof(port.m_storage));
    if (n) std::memcpy(port.data(), src, n);
  }
}

template <typename Port>
void store_port(const Port& port, uint8_t* dst, size_t n) {
  if (n == 0) return;
  if constexpr (std::is_integral_v<Port>) {
    std::memcpy(dst, &port, n);
  } else {
    std::memcpy(dst, port.data(), n);
  }
}

// Abandon a run that makes no progress for this many cycles (a hung handshake is a DUT bug, not a slow run).
constexpr uint64_t kWatchdogCycles = 100000;

}  // namespace rtl_detail

// What both drivers share: the clock, and one cycle of the valid/ready streams on either side of the DUT (the
// two Verilated tops have the same handshake port names).
template <typename Dut>
class RtlStreamDriver {
 public:
  explicit RtlStreamDriver(Dut& dut) : dut_(dut) {}

 protected:
  struct Handshake {
    bool in_fire;
    bool out_fire;
  };

  // Presents unit `index` of `count` (each `unit` bytes of `in`) unless the pacing holds input back, offers
  // output readiness unless the pacing stalls it, evaluates the low clock phase and counts stalls.
  template <typename Observer>
  Handshake cycle(codec::ByteSpan in, size_t unit, size_t index, size_t count, uint64_t cycle,
                  const RtlPacing* pacing, RtlRunStats& st, Observer& observe) {
    const bool present = index < count && !(pacing && pacing->hold_input && pacing->hold_input(cycle));
    dut_.in_valid = present;
    if (present) {
      const size_t off = index * unit;
      const size_t n = std::min<size_t>(unit, in.size() - std::min(off, in.size()));
      rtl_detail::load_port(dut_.in_data, in.data() + off, n);
      dut_.in_last = index + 1 == count;
      dut_.in_bytes = static_cast<std::remove_reference_t<decltype(dut_.in_bytes)>>(n);
    }
    const bool sink_ready = !(pacing && pacing->stall_output && pacing->stall_output(cycle));
    dut_.out_ready = sink_ready;
    dut_.clk = 0;
    dut_.eval();
    observe(dut_, cycle);
    if (present && !dut_.in_ready) ++st.in_stall_cycles;
    if (dut_.out_valid && !sink_ready) ++st.out_stall_cycles;
    return {present && dut_.in_ready, dut_.out_valid && sink_ready};
  }

  // Holds reset for two clock cycles; the caller has set the DUT's inputs idle.
  void pulse_reset(const RtlPacing* pacing) {
    dut_.rst = 1;
    for (int i = 0; i < 2; ++i) tick(pacing);
    dut_.rst = 0;
  }

  void tick(const RtlPacing* pacing) {
    dut_.clk = 0;
    dut_.eval();
    tick_high(pacing);
  }
  void tick_high(const RtlPacing* pacing) {
    dut_.clk = 1;
    dut_.eval();
    time_ += 2;
    if (pacing && pacing->dump) pacing->dump(time_);
  }

  Dut& dut_;
  uint64_t time_ = 0;
};

template <typename Dut>
class RtlZvCompressorDriver : public RtlStreamDriver<Dut> {
 public:
  RtlZvCompressorDriver(Dut& dut, unsigned sectors, unsigned line_bytes)
      : RtlStreamDriver<Dut>(dut), beat_bytes_(32 * sectors), line_bytes_(line_bytes) {}

  unsigned beat_bytes() const { return beat_bytes_; }

  void reset(const RtlPacing* pacing = nullptr) {
    dut_.in_valid = 0;
    dut_.out_ready = 0;
    this->pulse_reset(pacing);
  }

  // Compresses `in` as one stream and writes it to `out` (at most out.size() bytes; throws if the RTL
  // produces more). Returns the number of bytes written. `observe(dut, cycle)` runs before every clock edge.
  template <typename Observer>
  size_t run(codec::ByteSpan in, codec::MutableByteSpan out, RtlRunStats& st, const RtlPacing* pacing,
             Observer&& observe) {
    st = RtlRunStats{};
    const size_t beats = std::max<size_t>(1, (in.size() + beat_bytes_ - 1) / beat_bytes_);
    size_t beat = 0, written = 0;
    uint64_t first_in = 0, last_in = 0, idle = 0;
    bool done = false;
    for (uint64_t cycle = 0; !done; ++cycle) {
      const auto [in_fire, out_fire] = this->cycle(in, beat_bytes_, beat, beats, cycle, pacing, st, observe);
      if (in_fire) {
        if (st.in_handshakes++ == 0) first_in = cycle;
        last_in = cycle;
        ++beat;
      }
      if (out_fire) {
        ++st.out_handshakes;
        const size_t n = dut_.out_bytes;
        if (n > line_bytes_ || written + n > out.size()) {
          throw std::runtime_error("RTL compressor wrote past the output buffer");
        }
        rtl_detail::store_port(dut_.out_data, out.data() + written, n);
        written += n;
        if (dut_.out_last) {
          if (dut_.out_total != written) {
            throw std::runtime_error("RTL compressor total " + std::to_string(dut_.out_total) +
                                     " != " + std::to_string(written) + " bytes streamed");
          }
          done = true;
        }
      }
      idle = (in_fire || out_fire) ? 0 : idle + 1;
      if (idle > rtl_detail::kWatchdogCycles) throw std::runtime_error("RTL compressor hung");
      tick_high(pacing);
      st.cycles = cycle + 1;
    }
    st.busy_cycles = last_in - first_in + 1;
    return written;
  }

  size_t run(codec::ByteSpan in, codec::MutableByteSpan out, RtlRunStats& st,
             const RtlPacing* pacing = nullptr) {
    return run(in, out, st, pacing, [](const Dut&, uint64_t) {});
  }

 private:
  using RtlStreamDriver<Dut>::dut_;
  using RtlStreamDriver<Dut>::tick;
  using RtlStreamDriver<Dut>::tick_high;
  unsigned beat_bytes_, line_bytes_;
};

template <typename Dut>
class RtlZvDecompressorDriver : public RtlStreamDriver<Dut> {
 public:
  static constexpr unsigned kLineBytes = 128;

  // `sectors`: the model's SECTORS (32 x sectors output bytes per beat).
  RtlZvDecompressorDriver(Dut& dut, unsigned sectors)
      : RtlStreamDriver<Dut>(dut), beat_bytes_(32 * sectors) {}

  unsigned beat_bytes() const { return beat_bytes_; }

  void reset(const RtlPacing* pacing = nullptr) {
    dut_.start = 0;
    dut_.in_valid = 0;
    dut_.out_ready = 0;
    this->pulse_reset(pacing);
  }

  // Decompresses the stream `in` into `out` (whose size is the original size) and reports the RTL's verdict
  // in the golden codec's terms.
  template <typename Observer>
  codec::Status run(codec::ByteSpan in, codec::MutableByteSpan out, RtlRunStats& st, const RtlPacing* pacing,
                    Observer&& observe) {
    st = RtlRunStats{};
    if (dut_.busy) throw std::logic_error("RTL decompressor started while busy");
    dut_.orig_bytes = static_cast<uint64_t>(out.size());
    dut_.start = 1;
    const size_t lines = std::max<size_t>(1, (in.size() + kLineBytes - 1) / kLineBytes);
    size_t line = 0, written = 0;
    uint64_t first_out = 0, last_out = 0, idle = 0;
    bool finished = false;
    for (uint64_t cycle = 0;; ++cycle) {
      const auto [in_fire, out_fire] = this->cycle(in, kLineBytes, line, lines, cycle, pacing, st, observe);
      if (in_fire) {
        ++st.in_handshakes;
        ++line;
      }
      if (out_fire) {
        if (st.out_handshakes++ == 0) first_out = cycle;
        last_out = cycle;
        const size_t n = dut_.out_bytes;
        if (n > beat_bytes_ || written + n > out.size()) {
          throw std::runtime_error("RTL decompressor wrote past the output buffer");
        }
        rtl_detail::store_port(dut_.out_data, out.data() + written, n);
        written += n;
      }
      // `done` is a one-cycle pulse; the stream ends once it has been seen and the last block is taken.
      finished = finished || dut_.done;
      const bool drained = !dut_.out_valid || out_fire;
      idle = (in_fire || out_fire) ? 0 : idle + 1;
      if (idle > rtl_detail::kWatchdogCycles) throw std::runtime_error("RTL decompressor hung");
      tick_high(pacing);
      dut_.start = 0;
      st.cycles = cycle + 1;
      if (finished && drained) break;
    }
    st.busy_cycles = st.out_handshakes ? last_out - first_out + 1 : 0;
    const size_t consumed = dut_.consumed;
    // The driver keeps the protocol (whole lines, start only while idle), so this is a DUT bug.
    if (dut_.err_protocol) throw std::runtime_error("RTL decompressor reports a protocol error");
    if (dut_.err_corrupt) return {codec::StatusCode::kCorrupt, consumed, "RTL: corrupt stream"};
    if (dut_.err_truncated) return {codec::StatusCode::kTruncated, consumed, "RTL: stream ends early"};
    if (dut_.err_trailing)
      return {codec::StatusCode::kTrailingData, consumed, "RTL: bytes after the last block"};
    if (written != out.size()) {
      return {codec::StatusCode::kSizeMismatch, consumed,
              "RTL: produced " + std::to_string(written) + " bytes"};
    }
    return codec::Status::ok();
  }

  codec::Status run(codec::ByteSpan in, codec::MutableByteSpan out, RtlRunStats& st,
                    const RtlPacing* pacing = nullptr) {
    return run(in, out, st, pacing, [](const Dut&, uint64_t) {});
  }

 private:
  using RtlStreamDriver<Dut>::dut_;
  using RtlStreamDriver<Dut>::tick;
  using RtlStreamDriver<Dut>::tick_high;
  unsigned beat_bytes_;
};

}  // namespace cdma::compression

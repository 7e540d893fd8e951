// ZV compression and decompression through the Verilated RTL (rtl/zv_compressor.sv at 4 x 32-byte sectors,
// rtl/zv_decompressor.sv), for the compression unit's "rtl" backend. Each call streams one chunk through the
// --cc model from C++ (no sc_clock: a loop of eval() calls) and returns the bytes with the RTL's cycle count.
// One engine per element width; the Verilated models are created on first use.
#pragma once

#include <cstdint>
#include <memory>

#include "codec/bytes.h"
#include "codec/codec_config.h"
#include "codec/status.h"
#include "compression/rtl_zv_driver.h"

namespace cdma::compression {

class RtlZvEngine {
 public:
  static constexpr unsigned kSectors = 4;  // 128 bytes per cycle, the platform's ZV datapath

  explicit RtlZvEngine(codec::ElementWidth element);
  ~RtlZvEngine();
  RtlZvEngine(const RtlZvEngine&) = delete;
  RtlZvEngine& operator=(const RtlZvEngine&) = delete;

  codec::ElementWidth element() const { return element_; }

  // Compresses `in` into `out` (sized like ZvCodec::max_compressed_size) and returns the bytes written.
  size_t compress(codec::ByteSpan in, codec::MutableByteSpan out, RtlRunStats& stats);
  // Decompresses `in` into `out`, whose size is the original size; errors as the golden decoder names them.
  codec::Status decompress(codec::ByteSpan in, codec::MutableByteSpan out, RtlRunStats& stats);

  uint64_t total_cycles() const { return total_cycles_; }

 private:
  struct Models;  // the Verilated classes of this element width
  codec::ElementWidth element_;
  std::unique_ptr<Models> models_;
  uint64_t total_cycles_ = 0;
};

}  // namespace cdma::compression

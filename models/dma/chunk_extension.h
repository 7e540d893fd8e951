// The chunk protocol between the cDMA engine and the compression units: the sideband information the engine
// attaches to a transaction (which codec to use and the sizes involved), read by the compression unit that
// (de)compresses the chunk and by the hops that carry it (crossbar, aggregation buffer).
//
// The rule for a target that does not know the extension: every transaction is also a legal, unsurprising
// plain one. Offload: a READ of the chunk (data_length = original_bytes); the compression unit, which knows
// the extension, answers with the compressed bytes instead, `compressed_bytes` of them at the start of the
// data buffer, which holds `capacity` bytes (>= the codec's worst case; a compressed chunk is at most
// original_bytes long when the platform's raw bypass is on, so it then fits data_length). Prefetch: a WRITE
// of the `compressed_bytes` bytes; the compression unit expands them to `original_bytes`, or copies them if
// `raw` (a chunk stored raw by the bypass). Fence: a TLM_IGNORE_COMMAND of one byte that the aggregation
// buffer answers once everything accepted before it has landed; any other target ignores it, as the base
// protocol says.
#pragma once

#include <tlm>

#include "codec/codec_config.h"

namespace cdma::dma {

class ChunkExtension : public tlm::tlm_extension<ChunkExtension> {
 public:
  enum class Op { kCompressRead, kDecompressWrite, kFence };

  Op op = Op::kCompressRead;
  codec::CodecConfig codec;
  uint32_t original_bytes = 0;
  uint32_t compressed_bytes = 0;
  uint32_t capacity = 0;  // offload: bytes the data buffer holds
  bool raw = false;       // offload: set by the unit when it stored the chunk raw; prefetch: expand nothing

  tlm::tlm_extension_base* clone() const override { return new ChunkExtension(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const ChunkExtension&>(other);
  }
};

// Attaches an extension owned by the caller for the payload's use in this scope (a payload deletes extensions
// still attached when its pool resets it or it is destroyed; declare this after the payload's lease).
class ScopedExtension {
 public:
  ScopedExtension(tlm::tlm_generic_payload& trans, ChunkExtension& ext) : trans_(trans), ext_(ext) {
    trans_.set_extension(&ext_);
  }
  ~ScopedExtension() { trans_.clear_extension(&ext_); }
  ScopedExtension(const ScopedExtension&) = delete;
  ScopedExtension& operator=(const ScopedExtension&) = delete;

 private:
  tlm::tlm_generic_payload& trans_;
  ChunkExtension& ext_;
};

}  // namespace cdma::dma

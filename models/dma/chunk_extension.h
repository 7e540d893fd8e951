// The chunk protocol between the cDMA engine and the compression units: the sideband information the engine
// attaches to a transaction (which codec to use and the sizes involved), read by the compression unit that
// (de)compresses the chunk and by the hops that carry it (crossbar, aggregation buffer).
// Offload: a READ of `original_bytes` at a GPU address whose response carries `compressed_bytes` of
// compressed data (the payload's data_length is the buffer's capacity). Prefetch: a WRITE of
// `compressed_bytes` that the compression unit expands to `original_bytes`. Fence: a zero-length WRITE
// answered once everything before it has drained.
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

  tlm::tlm_extension_base* clone() const override { return new ChunkExtension(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const ChunkExtension&>(other);
  }
};

// Attaches an extension owned by the caller for the payload's lifetime in this scope (payloads here have no
// memory manager, and a payload deletes extensions still attached when it is destroyed).
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

// What software asks of the cDMA engine, and what it reports back.
#pragma once

#include <systemc>

#include <cstdint>
#include <string>

#include "codec/codec_config.h"

namespace cdma::dma {

struct DmaDescriptor {
  enum class Op { kOffload, kPrefetch };
  Op op = Op::kOffload;
  uint64_t gpu_address = 0;   // aligned to the GPU interleave granule
  uint64_t host_address = 0;  // where the host image (header, index, chunks) starts
  uint64_t bytes = 0;         // uncompressed size
  codec::CodecConfig codec;   // offload: how to compress; prefetch: taken from the host image
};

inline const char* to_string(DmaDescriptor::Op op) {
  return op == DmaDescriptor::Op::kOffload ? "offload" : "prefetch";
}

struct DmaCompletion {
  uint64_t id = 0;
  DmaDescriptor descriptor;
  bool ok = false;
  std::string error;  // empty when ok
  sc_core::sc_time start, end;
  uint64_t chunks = 0;
  uint64_t original_bytes = 0;
  uint64_t compressed_bytes = 0;  // payload only
  uint64_t host_bytes = 0;        // header + index + payload
  sc_core::sc_time duration() const { return end - start; }
};

}  // namespace cdma::dma

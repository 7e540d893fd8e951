// How one offloaded tensor is laid out in CPU memory: a 32-byte header, an index of 16 bytes per chunk, then
// the compressed chunks packed back to back in the order they left the GPU. The index gives each chunk's
// offset and sizes, so prefetch can fetch and expand chunks independently, at every memory controller in
// parallel. Byte layout in docs/platform.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "codec/codec.h"
#include "codec/codec_config.h"

namespace cdma::dma {

struct HostChunk {
  uint64_t offset = 0;  // from the start of the header
  uint32_t compressed_bytes = 0;
  uint32_t original_bytes = 0;
};

struct HostImage {
  static constexpr uint32_t kMagic = 0x484D4443;  // "CDMH"
  static constexpr uint64_t kHeaderBytes = 32;
  static constexpr uint64_t kIndexEntryBytes = 16;

  codec::CodecConfig codec;
  // Header byte 7, bit 0: some chunks were stored raw by the bypass; then a chunk whose compressed size
  // equals its original size is raw (with the bypass on, a chunk that compresses to its own size is stored
  // raw).
  bool raw_bypass = false;
  uint64_t original_bytes = 0;
  uint64_t payload_bytes = 0;
  std::vector<HostChunk> chunks;

  bool stored_raw(uint32_t compressed, uint32_t original) const {
    return codec.algorithm == codec::Algorithm::kNone || (raw_bypass && compressed == original);
  }

  static uint64_t metadata_bytes(uint64_t chunk_count) {
    return kHeaderBytes + kIndexEntryBytes * chunk_count;
  }
  std::vector<uint8_t> encode_header() const;  // header only
  std::vector<uint8_t> encode_index() const;   // index only
  // Parses a header; returns an empty string on success or what is wrong.
  static std::string parse_header(const uint8_t* bytes, uint64_t size, HostImage& out, uint32_t& chunk_count);
  // Parses the index for a parsed header; checks that chunks stay inside the image and sum to the sizes.
  std::string parse_index(const uint8_t* bytes, uint64_t size, uint32_t chunk_count);
};

// Chunk sizes of a transfer of `bytes` from a granule-aligned GPU address: chunk_bytes each, cut at every
// interleave granule boundary (so a chunk never spans two memory channels). The engine and the checks share
// it.
std::vector<uint32_t> plan_chunks(uint64_t bytes, uint32_t chunk_bytes, uint64_t granule_bytes);

// Builds the host image the engine would write for `data` (chunks in index order), without timing: used to
// prepare a prefetch-only run and to check offloads.
std::vector<uint8_t> build_host_image(codec::ByteSpan data, const codec::Codec& codec, uint32_t chunk_bytes,
                                      uint64_t granule_bytes, bool raw_bypass);
// Decodes a host image back to the original bytes; returns an empty string or what is wrong. An image whose
// header announces more than `max_original_bytes` is refused before anything is allocated.
std::string decode_host_image(codec::ByteSpan image, std::vector<uint8_t>& out, uint64_t max_original_bytes);

}  // namespace cdma::dma

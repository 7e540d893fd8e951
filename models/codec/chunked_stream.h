// A stream of independently compressed chunks with an index and checksums: the layout the cDMA engine writes
// to CPU memory (each memory controller decompresses its chunks in parallel on prefetch) and the file format
// of cdma-codec. Byte layout in docs/formats.md ("Chunked container").
#pragma once

#include <memory>

#include "codec/codec.h"

namespace cdma::codec {

struct ChunkInfo {
  uint64_t original_offset = 0;
  uint32_t original_size = 0;
  uint64_t compressed_offset = 0;  // from the start of the payload
  uint32_t compressed_size = 0;
  uint32_t crc32 = 0;  // of the compressed bytes
};

struct ContainerHeader {
  static constexpr uint32_t kMagic = 0x315A4443;  // "CDZ1" little-endian
  static constexpr size_t kBytes = 32;
  static constexpr size_t kIndexEntryBytes = 8;

  CodecConfig codec;
  uint64_t original_size = 0;
  uint32_t chunk_bytes = 0;
  uint32_t chunk_count = 0;
};

// Running totals a compressor reports.
struct CodecStats {
  uint64_t original_bytes = 0;
  uint64_t compressed_bytes = 0;
  double ratio() const { return compression_ratio(original_bytes, compressed_bytes); }
};

class ChunkedEncoder {
 public:
  // chunk_bytes must be a positive multiple of codec.block_bytes() so that the chunked stream compresses
  // exactly as much as the whole buffer would. Throws std::invalid_argument otherwise.
  ChunkedEncoder(const Codec& codec, uint32_t chunk_bytes);

  // Compresses one chunk of at most chunk_bytes; only the last chunk may be shorter.
  // Throws std::logic_error if a chunk follows a short chunk or is too long.
  void append_chunk(ByteSpan chunk);
  // Splits `data` into chunks and appends them.
  void append(ByteSpan data);

  const std::vector<ChunkInfo>& chunks() const { return chunks_; }
  // Payload totals (without header and index).
  const CodecStats& stats() const { return stats_; }
  // Header + index + payload.
  Bytes finish() const;

 private:
  const Codec& codec_;
  uint32_t chunk_bytes_;
  bool closed_ = false;
  std::vector<ChunkInfo> chunks_;
  Bytes payload_;
  Bytes scratch_;
  CodecStats stats_;
};

// The largest original size a container may announce unless the caller allows more (a tiny container of zeros
// can announce gigabytes; the reader refuses a larger one before anything is allocated): 4 GiB.
inline constexpr uint64_t kDefaultMaxOriginalBytes = uint64_t{4} << 30;

// Validates a container and gives access to its chunks without copying it.
class ChunkedReader {
 public:
  // Checks the header, the index, the sizes and every chunk checksum. max_original_size caps what a header
  // may ask the caller to allocate.
  Status open(ByteSpan container, uint64_t max_original_size = kDefaultMaxOriginalBytes);

  const ContainerHeader& header() const { return header_; }
  const std::vector<ChunkInfo>& chunks() const { return chunks_; }
  const Codec& codec() const { return *codec_; }
  // Decompresses chunk i into out (its original size).
  Status decode_chunk(size_t i, MutableByteSpan out) const;
  // Decompresses everything into out (original_size bytes).
  Status decode_all(MutableByteSpan out) const;

 private:
  ByteSpan payload_;
  size_t payload_offset_ = 0;
  ContainerHeader header_;
  std::vector<ChunkInfo> chunks_;
  std::unique_ptr<Codec> codec_;
};

// One-shot helpers.
Bytes compress_chunked(const Codec& codec, ByteSpan data, uint32_t chunk_bytes);
Status decompress_chunked(ByteSpan container, Bytes& out,
                          uint64_t max_original_size = kDefaultMaxOriginalBytes);

}  // namespace cdma::codec

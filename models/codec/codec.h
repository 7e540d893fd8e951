// The interface every golden codec implements. Formats are documented byte by byte in docs/formats.md.
//
// A raw compressed stream carries no length: like a DMA descriptor, the caller knows the original size and
// passes an output buffer of exactly that size to decompress(). The chunked container (chunked_stream.h) adds
// sizes, an index and checksums on top.
#pragma once

#include <memory>

#include "codec/bytes.h"
#include "codec/codec_config.h"
#include "codec/status.h"

namespace cdma::codec {

class Codec {
 public:
  virtual ~Codec() = default;

  virtual const CodecConfig& config() const = 0;
  // Chunk boundaries must fall on multiples of this many bytes for a chunked stream to encode exactly like
  // the whole buffer (128 for ZV, 64 for ZCOMP, the element size for RL, 1 otherwise).
  virtual size_t block_bytes() const = 0;
  // Upper bound of compress() output for an input of n bytes.
  virtual size_t max_compressed_size(size_t n) const = 0;
  // Compresses `in` into `out` and returns the number of bytes written.
  // Throws std::invalid_argument if out.size() < max_compressed_size(in.size()).
  virtual size_t compress(ByteSpan in, MutableByteSpan out) const = 0;
  // Decompresses `in` into `out`, whose size must be the original size. Never reads or writes out of bounds,
  // whatever `in` holds; returns an error for truncated, trailing or malformed data.
  virtual Status decompress(ByteSpan in, MutableByteSpan out) const = 0;
  // What compress() would return, without writing the output (cheaper for the mask-based formats).
  virtual size_t compressed_size(ByteSpan in) const;

  // Conveniences on top of the virtual interface.
  Bytes compress(ByteSpan in) const;
  Status decompress(ByteSpan in, size_t original_size, Bytes& out) const;
  std::string name() const;
};

// Builds the codec for a config. Throws std::invalid_argument for an invalid config.
std::unique_ptr<Codec> make_codec(const CodecConfig& config);

// Compression ratio as reported everywhere: original bytes / compressed bytes (1.0 for empty input).
inline double compression_ratio(uint64_t original, uint64_t compressed) {
  return compressed == 0 ? 1.0 : static_cast<double>(original) / static_cast<double>(compressed);
}

}  // namespace cdma::codec

// libFuzzer target for the chunked container reader: header, index, checksums and every codec behind it, with
// the size cap users get (codec::kDefaultMaxOriginalBytes). Chunks are decoded one at a time into a buffer of
// the chunk's size, so a header announcing gigabytes is explored without allocating them.
// Properties: no crash or out-of-bounds access, and an accepted small container's data re-encodes and decodes
// back.
#include <cstdlib>

#include "codec/chunked_stream.h"

using namespace cdma;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  codec::ChunkedReader reader;
  if (!reader.open(codec::ByteSpan(data, size)).is_ok()) return 0;
  const codec::ContainerHeader& h = reader.header();
  if (h.chunk_bytes > (64u << 20)) return 0;  // a chunk the fuzzer's memory limit would not hold
  codec::Bytes chunk(h.chunk_bytes);
  const bool small = h.original_size <= (1u << 20);
  codec::Bytes all;
  for (size_t i = 0; i < reader.chunks().size(); ++i) {
    const codec::MutableByteSpan out(chunk.data(), reader.chunks()[i].original_size);
    if (!reader.decode_chunk(i, out).is_ok()) return 0;
    if (small) all.insert(all.end(), out.begin(), out.end());
  }
  if (!small || h.chunk_bytes == 0) return 0;  // nothing (or too much) to re-encode
  const codec::Bytes again = codec::compress_chunked(reader.codec(), all, h.chunk_bytes);
  codec::Bytes back;
  if (!codec::decompress_chunked(again, back).is_ok() || back != all) std::abort();
  return 0;
}

// libFuzzer target for the chunked container reader: header, index, checksums and every codec behind it.
// Properties: no crash or out-of-bounds access, and an accepted container's data re-encodes and decodes back.
#include <cstdlib>

#include "codec/chunked_stream.h"

using namespace cdma;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  codec::ChunkedReader reader;
  // Cap the size a header may ask for, so the fuzzer explores parsing rather than allocation failures.
  if (!reader.open(codec::ByteSpan(data, size), 1u << 20).is_ok()) return 0;
  codec::Bytes out(reader.header().original_size);
  if (!reader.decode_all(codec::MutableByteSpan(out)).is_ok()) return 0;
  if (reader.header().chunk_bytes == 0) return 0;  // empty container: nothing to re-encode
  const codec::Bytes again = codec::compress_chunked(reader.codec(), out, reader.header().chunk_bytes);
  codec::Bytes back;
  if (!codec::decompress_chunked(again, back).is_ok() || back != out) std::abort();
  return 0;
}

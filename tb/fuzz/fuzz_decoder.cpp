// libFuzzer target for one raw decoder (chosen at compile time by CDMA_FUZZ_ALGORITHM). Properties: no crash
// or out-of-bounds access (ASan/UBSan), and whatever decodes successfully survives compress -> decompress.
#include <cstdlib>
#include <cstring>

#include "codec/codec.h"
#include "fuzz_input.h"

using namespace cdma;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < fuzz::kPrefixBytes) return 0;
  codec::CodecConfig cfg;
  cfg.algorithm = codec::Algorithm::CDMA_FUZZ_ALGORITHM;
  cfg.element = fuzz::element_from(data[0]);
  cfg.zlib_level = 6;
  const size_t original = static_cast<size_t>(data[1]) | (static_cast<size_t>(data[2]) << 8);
  const auto c = codec::make_codec(cfg);

  // Decode into an exactly sized heap buffer so ASan sees any overflow.
  codec::Bytes out;
  const codec::ByteSpan in(data + fuzz::kPrefixBytes, size - fuzz::kPrefixBytes);
  if (!c->decompress(in, original, out).is_ok()) return 0;
  codec::Bytes again;
  if (!c->decompress(c->compress(out), original, again).is_ok() || again != out) std::abort();
  return 0;
}

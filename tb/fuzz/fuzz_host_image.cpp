// libFuzzer target for the host image decoder (dma/host_layout.h): header, flags, index and every codec
// behind it, with raw chunks. The image is decoded with a cap of 1 MiB on the announced size, as the engine's
// check caps it at the tensor's size. Properties: no crash or out-of-bounds access, and an accepted image's
// bytes, rebuilt with the same codec and chunking, decode back to the same bytes.
#include <cstdlib>

#include "dma/host_layout.h"

using namespace cdma;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr uint64_t kMaxOriginal = 1u << 20;
  std::vector<uint8_t> out;
  if (!dma::decode_host_image(codec::ByteSpan(data, size), out, kMaxOriginal).empty()) return 0;
  dma::HostImage h;
  uint32_t count = 0;
  if (!dma::HostImage::parse_header(data, size, h, count).empty() || count == 0) return 0;
  const auto c = codec::make_codec(h.codec);
  // The decoder accepts any chunking; a rebuild cuts 4 KiB chunks, so what must survive is the bytes.
  const std::vector<uint8_t> again = dma::build_host_image(out, *c, 4096, 1u << 20, true);
  std::vector<uint8_t> back;
  if (!dma::decode_host_image(again, back, kMaxOriginal).empty() || back != out) std::abort();
  return 0;
}

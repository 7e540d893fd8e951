#include "codec/codec.h"

#include <stdexcept>

#include "codec/identity_codec.h"
#include "codec/rl_codec.h"
#include "codec/zcomp_codec.h"
#include "codec/zl_codec.h"
#include "codec/zv_codec.h"

namespace cdma::codec {

size_t Codec::compressed_size(ByteSpan in) const {
  Bytes scratch(max_compressed_size(in.size()));
  return compress(in, MutableByteSpan(scratch));
}

Bytes Codec::compress(ByteSpan in) const {
  Bytes out(max_compressed_size(in.size()));
  out.resize(compress(in, MutableByteSpan(out)));
  return out;
}

Status Codec::decompress(ByteSpan in, size_t original_size, Bytes& out) const {
  out.resize(original_size);
  return decompress(in, MutableByteSpan(out));
}

std::string Codec::name() const {
  std::string n = to_string(config().algorithm);
  if (config().algorithm == Algorithm::kZl) n += "-" + std::to_string(config().zlib_level);
  return n;
}

std::unique_ptr<Codec> make_codec(const CodecConfig& config) {
  validate(config);
  switch (config.algorithm) {
    case Algorithm::kNone:
      return std::make_unique<IdentityCodec>(config.element);
    case Algorithm::kZv:
      return std::make_unique<ZvCodec>(config.element);
    case Algorithm::kRl:
      return std::make_unique<RlCodec>(config.element);
    case Algorithm::kZl:
      return std::make_unique<ZlCodec>(config.zlib_level, config.element);
    case Algorithm::kZcompInterleaved:
      return std::make_unique<ZcompCodec>(config.element, MaskLayout::kInterleaved);
    case Algorithm::kZcompSeparate:
      return std::make_unique<ZcompCodec>(config.element, MaskLayout::kSeparate);
  }
  throw std::invalid_argument("unknown algorithm");
}

}  // namespace cdma::codec

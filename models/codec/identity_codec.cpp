#include "codec/identity_codec.h"

#include <cstring>
#include <stdexcept>

namespace cdma::codec {

size_t IdentityCodec::compress(ByteSpan in, MutableByteSpan out) const {
  if (out.size() < in.size()) throw std::invalid_argument("compress: output buffer smaller than the input");
  if (!in.empty()) std::memcpy(out.data(), in.data(), in.size());
  return in.size();
}

Status IdentityCodec::decompress(ByteSpan in, MutableByteSpan out) const {
  if (in.size() < out.size())
    return Status(StatusCode::kTruncated, in.size(), "shorter than the expected size");
  if (in.size() > out.size())
    return Status(StatusCode::kTrailingData, out.size(), "longer than the expected size");
  if (!in.empty()) std::memcpy(out.data(), in.data(), in.size());
  return Status::ok();
}

}  // namespace cdma::codec

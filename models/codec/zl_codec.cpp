#include "codec/zl_codec.h"

#include <zlib.h>

#include <stdexcept>
#include <string>

namespace cdma::codec {

ZlCodec::ZlCodec(int level, ElementWidth element) : config_{Algorithm::kZl, element, level} {
  validate(config_);
}

size_t ZlCodec::max_compressed_size(size_t n) const {
  return compressBound(static_cast<uLong>(n));
}

size_t ZlCodec::compress(ByteSpan in, MutableByteSpan out) const {
  if (out.size() < max_compressed_size(in.size())) {
    throw std::invalid_argument("compress: output buffer smaller than max_compressed_size()");
  }
  uLongf out_len = out.size();
  const int rc = compress2(out.data(), &out_len, in.data(), in.size(), config_.zlib_level);
  if (rc != Z_OK) throw std::runtime_error("zlib compress2 failed with code " + std::to_string(rc));
  return out_len;
}

Status ZlCodec::decompress(ByteSpan in, MutableByteSpan out) const {
  // uncompress2 loops over zlib's 32-bit counters itself and reports how much input it consumed.
  uLongf out_len = out.size();
  uLong in_len = in.size();
  // zlib wants a non-null destination even for an empty output.
  uint8_t dummy = 0;
  const int rc = uncompress2(out.size() ? out.data() : &dummy, &out_len, in.data(), &in_len);
  switch (rc) {
    case Z_OK:
      break;
    case Z_BUF_ERROR:
      if (out_len == out.size() && in_len < in.size()) {
        return Status(StatusCode::kSizeMismatch, in_len, "zlib stream decodes to more bytes than expected");
      }
      return Status(StatusCode::kTruncated, in.size(), "zlib stream ends early");
    case Z_MEM_ERROR:
      throw std::bad_alloc();
    default:
      return Status(StatusCode::kCorrupt, in_len, "zlib: invalid or corrupt stream");
  }
  if (out_len != out.size())
    return Status(StatusCode::kSizeMismatch, in_len, "zlib stream decodes to fewer bytes");
  if (in_len != in.size())
    return Status(StatusCode::kTrailingData, in_len, "bytes left after the zlib stream");
  return Status::ok();
}

}  // namespace cdma::codec

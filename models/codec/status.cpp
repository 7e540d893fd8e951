#include "codec/status.h"

namespace cdma::codec {

const char* to_string(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kTruncated:
      return "truncated";
    case StatusCode::kTrailingData:
      return "trailing data";
    case StatusCode::kCorrupt:
      return "corrupt";
    case StatusCode::kChecksum:
      return "checksum mismatch";
    case StatusCode::kSizeMismatch:
      return "size mismatch";
    case StatusCode::kUnsupported:
      return "unsupported";
  }
  return "unknown";
}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  return std::string(cdma::codec::to_string(code_)) + " at byte " + std::to_string(offset_) + ": " + message_;
}

}  // namespace cdma::codec

#include "codec/codec_config.h"

#include <stdexcept>

namespace cdma::codec {

const char* to_string(Algorithm a) {
  switch (a) {
    case Algorithm::kNone:
      return "none";
    case Algorithm::kZv:
      return "zv";
    case Algorithm::kRl:
      return "rl";
    case Algorithm::kZl:
      return "zl";
    case Algorithm::kZcompInterleaved:
      return "zcomp-i";
    case Algorithm::kZcompSeparate:
      return "zcomp-s";
  }
  return "unknown";
}

const std::vector<Algorithm>& all_algorithms() {
  static const std::vector<Algorithm> all = {
      Algorithm::kNone,         Algorithm::kZv, Algorithm::kRl, Algorithm::kZl, Algorithm::kZcompInterleaved,
      Algorithm::kZcompSeparate};
  return all;
}

Algorithm parse_algorithm(const std::string& name) {
  for (Algorithm a : all_algorithms()) {
    if (name == to_string(a)) return a;
  }
  throw std::invalid_argument("unknown algorithm '" + name +
                              "' (expected none, zv, rl, zl, zcomp-i or zcomp-s)");
}

ElementWidth parse_element_width(const std::string& name) {
  if (name == "32" || name == "fp32" || name == "float32") return ElementWidth::k32;
  if (name == "16" || name == "fp16" || name == "bf16" || name == "float16") return ElementWidth::k16;
  if (name == "8" || name == "int8" || name == "uint8") return ElementWidth::k8;
  throw std::invalid_argument("unknown element width '" + name +
                              "' (expected 8, 16, 32, int8, fp16, bf16 or fp32)");
}

void validate(const CodecConfig& config) {
  const unsigned e = bytes_of(config.element);
  if (e != 1 && e != 2 && e != 4) throw std::invalid_argument("element width must be 8, 16 or 32 bits");
  if (config.algorithm == Algorithm::kZl && (config.zlib_level < 1 || config.zlib_level > 9)) {
    throw std::invalid_argument("zlib_level must be in 1..9, got " + std::to_string(config.zlib_level));
  }
}

}  // namespace cdma::codec

#include "codec/codec_config.h"

#include <stdexcept>

namespace cdma::codec {

namespace {

const util::EnumTable<Algorithm, 6> kAlgorithms("algorithm", {{{Algorithm::kNone, "none"},
                                                               {Algorithm::kZv, "zv"},
                                                               {Algorithm::kRl, "rl"},
                                                               {Algorithm::kZl, "zl"},
                                                               {Algorithm::kZcompInterleaved, "zcomp-i"},
                                                               {Algorithm::kZcompSeparate, "zcomp-s"}}});

const util::EnumTable<ElementWidth, 11> kElementWidths("element width", {{{ElementWidth::k32, "32"},
                                                                          {ElementWidth::k32, "fp32"},
                                                                          {ElementWidth::k32, "float32"},
                                                                          {ElementWidth::k16, "16"},
                                                                          {ElementWidth::k16, "fp16"},
                                                                          {ElementWidth::k16, "bf16"},
                                                                          {ElementWidth::k16, "float16"},
                                                                          {ElementWidth::k8, "8"},
                                                                          {ElementWidth::k8, "int8"},
                                                                          {ElementWidth::k8, "uint8"},
                                                                          {ElementWidth::k8, "fp8"}}});

}  // namespace

const util::EnumTable<Algorithm, 6>& algorithm_names() {
  return kAlgorithms;
}

const char* to_string(Algorithm a) {
  return kAlgorithms.name(a);
}

const std::vector<Algorithm>& all_algorithms() {
  static const std::vector<Algorithm> all = kAlgorithms.values();
  return all;
}

Algorithm parse_algorithm(const std::string& name) {
  return kAlgorithms.parse(name);
}

ElementWidth parse_element_width(const std::string& name) {
  return kElementWidths.parse(name);
}

void validate(const CodecConfig& config) {
  const unsigned e = bytes_of(config.element);
  if (e != 1 && e != 2 && e != 4) throw std::invalid_argument("element width must be 8, 16 or 32 bits");
  if (config.algorithm == Algorithm::kZl && (config.zlib_level < 1 || config.zlib_level > 9)) {
    throw std::invalid_argument("zlib_level must be in 1..9, got " + std::to_string(config.zlib_level));
  }
}

}  // namespace cdma::codec

// Which algorithm and element width a codec uses. Parsed from names so configs and the CLI share one
// spelling.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/enum_table.h"

namespace cdma::codec {

enum class Algorithm : uint8_t {
  kNone = 0,              // identity copy (the vDNN baseline)
  kZv = 1,                // cDMA zero-value compression, 128-byte blocks
  kRl = 2,                // run-length encoding of zero runs
  kZl = 3,                // DEFLATE through zlib
  kZcompInterleaved = 4,  // ZCOMP, mask header in front of each 64-byte vector
  kZcompSeparate = 5,     // ZCOMP, masks in their own stream
};

// Element width in bytes: fp32 = 4, fp16/bf16 = 2, int8 = 1.
enum class ElementWidth : uint8_t { k8 = 1, k16 = 2, k32 = 4 };

inline unsigned bytes_of(ElementWidth w) {
  return static_cast<unsigned>(w);
}

struct CodecConfig {
  Algorithm algorithm = Algorithm::kZv;
  ElementWidth element = ElementWidth::k32;
  int zlib_level = 6;  // 1..9, used by ZL only
};

// "none", "zv", "rl", "zl", "zcomp-i", "zcomp-s": the spellings configs and the CLI share.
const util::EnumTable<Algorithm, 6>& algorithm_names();
const char* to_string(Algorithm a);
// Throws std::invalid_argument naming the valid spellings.
Algorithm parse_algorithm(const std::string& name);
const std::vector<Algorithm>& all_algorithms();
// Accepts 8/16/32 or int8/uint8/fp8/fp16/bf16/fp32 (and float16/float32). Throws std::invalid_argument.
ElementWidth parse_element_width(const std::string& name);
// Throws std::invalid_argument if a field is out of range.
void validate(const CodecConfig& config);

}  // namespace cdma::codec

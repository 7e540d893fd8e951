// Measures one codec on one buffer: size, ratio, compress/decompress throughput, round-trip
// check.
#pragma once

#include <string>
#include <vector>

#include "codec/codec.h"

namespace cdma::codec_tool {

struct CodecMeasurement {
  std::string name;
  uint64_t original_bytes = 0;
  uint64_t compressed_bytes = 0;
  double ratio = 0;
  double compress_gbps = 0;    // uncompressed bytes per second / 1e9
  double decompress_gbps = 0;  // uncompressed bytes per second / 1e9
  bool round_trip_ok = false;
};

// Repeats each direction until at least min_seconds have passed (and at least once).
CodecMeasurement measure(const codec::Codec& codec, codec::ByteSpan data, double min_seconds);

}  // namespace cdma::codec_tool

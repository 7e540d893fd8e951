#include "codec_tool/codec_measurement.h"

#include <algorithm>
#include <chrono>

namespace cdma::codec_tool {

namespace {

template <typename F>
double seconds_per_call(F&& f, double min_seconds) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  int calls = 0;
  double elapsed = 0;
  do {
    f();
    ++calls;
    elapsed = std::chrono::duration<double>(clock::now() - start).count();
  } while (elapsed < min_seconds);
  return elapsed / calls;
}

}  // namespace

CodecMeasurement measure(const codec::Codec& codec, codec::ByteSpan data, double min_seconds) {
  CodecMeasurement m;
  m.name = codec.name();
  m.original_bytes = data.size();
  codec::Bytes compressed(codec.max_compressed_size(data.size()));
  size_t n = 0;
  const double tc =
      seconds_per_call([&] { n = codec.compress(data, codec::MutableByteSpan(compressed)); }, min_seconds);
  compressed.resize(n);
  m.compressed_bytes = n;
  m.ratio = codec::compression_ratio(data.size(), n);
  codec::Bytes back(data.size());
  bool ok = true;
  const double td = seconds_per_call(
      [&] { ok = codec.decompress(compressed, codec::MutableByteSpan(back)).is_ok(); }, min_seconds);
  m.round_trip_ok = ok && back.size() == data.size() && std::equal(back.begin(), back.end(), data.begin());
  m.compress_gbps = tc > 0 ? data.size() / tc / 1e9 : 0;
  m.decompress_gbps = td > 0 ? data.size() / td / 1e9 : 0;
  return m;
}

}  // namespace cdma::codec_tool

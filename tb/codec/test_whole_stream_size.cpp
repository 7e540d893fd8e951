// WholeStreamSize: fed in pieces of any size (cutting elements too), RL and ZL give exactly the codec's
// compressed_size() of the whole stream; and a stream compressed whole is not larger than its chunks
// compressed alone, for DEFLATE the gap that docs/validation.md reports.
#include "codec/whole_stream_size.h"

#include <gtest/gtest.h>

#include <vector>

#include "codec/codec.h"
#include "codec_test_util.h"

namespace cdma::codec {
namespace {

uint64_t fed_in(const CodecConfig& c, const Bytes& data, const std::vector<size_t>& pieces) {
  WholeStreamSize s(c);
  size_t off = 0;
  for (size_t i = 0; off < data.size(); ++i) {
    const size_t n = std::min(pieces[i % pieces.size()], data.size() - off);
    s.add(ByteSpan(data.data() + off, n));
    off += n;
  }
  EXPECT_EQ(s.bytes_in(), data.size());
  return s.finish();
}

TEST(WholeStreamSize, EqualsTheCodecOnTheWholeStreamInAnyPieces) {
  for (Algorithm a : {Algorithm::kRl, Algorithm::kZl}) {
    for (ElementWidth w : {ElementWidth::k32, ElementWidth::k16, ElementWidth::k8}) {
      for (double density : {0.0, 0.05, 0.4, 1.0}) {
        for (size_t bytes : {size_t{0}, size_t{1}, size_t{4097}, size_t{300001}}) {
          CodecConfig c;
          c.algorithm = a;
          c.element = w;
          const Bytes data = test::make_data(w, density, 0.6, 3, bytes);
          const uint64_t whole = make_codec(c)->compressed_size(data);
          const std::string what = std::string(to_string(a)) + " e" + std::to_string(bytes_of(w)) + " d" +
                                   std::to_string(density) + " n" + std::to_string(bytes);
          EXPECT_EQ(fed_in(c, data, {data.size() + 1}), whole) << what;
          EXPECT_EQ(fed_in(c, data, {4096}), whole) << what;
          EXPECT_EQ(fed_in(c, data, {1, 3, 4093, 7}), whole) << what;  // cuts elements
        }
      }
    }
  }
}

TEST(WholeStreamSize, WholeStreamsCompressAtLeastAsWellAsTheirChunks) {
  CodecConfig c;
  c.algorithm = Algorithm::kZl;
  const Bytes data = test::make_data(ElementWidth::k32, 0.2, 0.8, 5, 1 << 20);
  const auto codec = make_codec(c);
  uint64_t chunks = 0;
  for (size_t off = 0; off < data.size(); off += 4096)
    chunks += codec->compressed_size(ByteSpan(data.data() + off, 4096));
  EXPECT_LT(fed_in(c, data, {65536}), chunks);
}

TEST(WholeStreamSize, OnlyForRlAndZlAndOnlyOnce) {
  CodecConfig c;
  c.algorithm = Algorithm::kZv;
  EXPECT_THROW(WholeStreamSize{c}, std::invalid_argument);
  c.algorithm = Algorithm::kRl;
  WholeStreamSize s(c);
  s.finish();
  EXPECT_THROW(s.finish(), std::logic_error);
  EXPECT_THROW(s.add(ByteSpan()), std::logic_error);
}

}  // namespace
}  // namespace cdma::codec

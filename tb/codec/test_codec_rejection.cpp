// Decoders given damaged input: they report an error (or, where the format has no redundancy, decode to other
// bytes) and never read or write out of bounds. The asan preset runs these under AddressSanitizer.
#include <gtest/gtest.h>

#include "codec_test_util.h"

namespace cdma::codec {
namespace {

class Rejection : public ::testing::TestWithParam<CodecConfig> {};

TEST_P(Rejection, EveryStrictPrefixIsRejected) {
  const auto codec = make_codec(GetParam());
  for (size_t n : {size_t{200}, size_t{1003}}) {
    const Bytes data = test::make_data(GetParam().element, 0.4, 0.3, n, n);
    const Bytes c = codec->compress(data);
    Bytes out;
    for (size_t len = 0; len < c.size(); ++len) {
      const Status s = codec->decompress(ByteSpan(c.data(), len), data.size(), out);
      ASSERT_FALSE(s.is_ok()) << "prefix of " << len << " of " << c.size() << " bytes accepted";
    }
  }
}

TEST_P(Rejection, TrailingBytesAreRejected) {
  const auto codec = make_codec(GetParam());
  const Bytes data = test::make_data(GetParam().element, 0.4, 0.3, 5, 1000);
  Bytes c = codec->compress(data);
  c.push_back(0x00);
  Bytes out;
  EXPECT_FALSE(codec->decompress(c, data.size(), out).is_ok());
}

TEST_P(Rejection, BitFlipsAreRejectedOrChangeTheOutput) {
  // The raw formats carry no checksum (the chunked container adds one; see test_chunked_stream.cpp). What
  // every decoder must guarantee is memory safety; the mask formats also guarantee that no flip goes
  // unnoticed: a flipped mask bit shifts or breaks the element stream, a flipped element bit changes that
  // element.
  const auto codec = make_codec(GetParam());
  const Bytes data = test::make_data(GetParam().element, 0.4, 0.3, 11, 300);
  const Bytes c = codec->compress(data);
  Bytes out;
  size_t rejected = 0;
  for (size_t bit = 0; bit < c.size() * 8; ++bit) {
    Bytes damaged = c;
    damaged[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    const Status s = codec->decompress(damaged, data.size(), out);
    if (!s.is_ok()) {
      ++rejected;
      continue;
    }
    ASSERT_EQ(out.size(), data.size());
    if (test::is_mask_format(GetParam().algorithm)) {
      ASSERT_NE(out, data) << "flip of bit " << bit << " decoded to the original";
    }
    if (GetParam().algorithm == Algorithm::kZl) {
      // Adler-32 catches any change to the output; an accepted flip hit bits inflate ignores (unused code
      // lengths, padding), so the output must still be the original.
      ASSERT_EQ(out, data) << "flip of bit " << bit << " silently changed the output";
    }
  }
  if (GetParam().algorithm == Algorithm::kZl) {
    EXPECT_GT(rejected, c.size() * 8 * 9 / 10);
  }
}

TEST_P(Rejection, GarbageNeverCrashes) {
  const auto codec = make_codec(GetParam());
  uint64_t x = 0x9E3779B97F4A7C15ull;
  Bytes out;
  for (int trial = 0; trial < 300; ++trial) {
    Bytes junk(static_cast<size_t>(trial * 7 % 400));
    for (uint8_t& b : junk) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      b = static_cast<uint8_t>(x);
    }
    if (!codec->decompress(junk, static_cast<size_t>(trial * 13 % 700), out).is_ok()) continue;
    // Whatever the decoder accepted must itself survive a round trip.
    Bytes again;
    ASSERT_TRUE(codec->decompress(codec->compress(out), out.size(), again).is_ok());
    ASSERT_EQ(again, out);
  }
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, Rejection, ::testing::ValuesIn(test::all_configs()),
                         [](const auto& info) { return test::config_name(info.param); });

}  // namespace
}  // namespace cdma::codec

// Every codec, every element width: densities 0..1, odd sizes, odd alignments, clustered and scattered zeros.
#include <gtest/gtest.h>

#include <cstring>

#include "codec_test_util.h"

namespace cdma::codec {
namespace {

class RoundTrip : public ::testing::TestWithParam<CodecConfig> {};

Bytes make_data_for(const CodecConfig& c, int pct) {
  return test::make_data(c.element, pct / 100.0, 0.2, 500 + pct, 8192 + 5);
}

void expect_round_trip(const Codec& codec, ByteSpan data, size_t in_align, size_t out_align) {
  // Copy input and outputs to deliberately misaligned addresses.
  Bytes in_store(data.size() + in_align);
  if (!data.empty()) std::memcpy(in_store.data() + in_align, data.data(), data.size());
  const ByteSpan in(in_store.data() + in_align, data.size());
  Bytes out_store(codec.max_compressed_size(data.size()) + out_align);
  const size_t n =
      codec.compress(in, MutableByteSpan(out_store.data() + out_align, out_store.size() - out_align));
  ASSERT_LE(n, codec.max_compressed_size(data.size()));
  EXPECT_EQ(codec.compressed_size(in), n);
  const ByteSpan compressed(out_store.data() + out_align, n);
  Bytes back_store(data.size() + 3, 0xAB);
  const MutableByteSpan back(back_store.data() + 1, data.size());
  const Status s = codec.decompress(compressed, back);
  ASSERT_TRUE(s.is_ok()) << s.to_string();
  if (!data.empty()) {
    ASSERT_EQ(0, std::memcmp(back.data(), data.data(), data.size()));
  }
  // Nothing written outside the output.
  EXPECT_EQ(back_store.front(), 0xAB);
  EXPECT_EQ(back_store[data.size() + 1], 0xAB);
}

TEST_P(RoundTrip, EveryDensityFromZeroToOne) {
  const auto codec = make_codec(GetParam());
  for (int pct = 0; pct <= 100; ++pct) {
    const Bytes data = make_data_for(GetParam(), pct);
    SCOPED_TRACE("density " + std::to_string(pct) + "%");
    expect_round_trip(*codec, data, 0, 0);
  }
}

TEST_P(RoundTrip, OddSizesAndAlignments) {
  const auto codec = make_codec(GetParam());
  for (size_t n :
       {size_t{0}, size_t{1}, size_t{2}, size_t{3}, size_t{63}, size_t{64}, size_t{65}, size_t{127},
        size_t{128}, size_t{129}, size_t{255}, size_t{1001}, size_t{4096 + 5}, size_t{65536 + 77}}) {
    for (size_t align : {size_t{0}, size_t{1}, size_t{3}, size_t{7}}) {
      SCOPED_TRACE("size " + std::to_string(n) + " align " + std::to_string(align));
      const Bytes data = test::make_data(GetParam().element, 0.3, 0.5, n * 8 + align, n);
      expect_round_trip(*codec, data, align, (align * 5) % 8);
    }
  }
}

TEST_P(RoundTrip, ClusteredAndScatteredZeros) {
  const auto codec = make_codec(GetParam());
  for (double clustering : {0.0, 0.5, 0.9, 0.99}) {
    for (double density : {0.05, 0.35, 0.8}) {
      SCOPED_TRACE("clustering " + std::to_string(clustering) + " density " + std::to_string(density));
      const Bytes data = test::make_data(GetParam().element, density, clustering, 99, 50000 + 3);
      expect_round_trip(*codec, data, 0, 0);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, RoundTrip, ::testing::ValuesIn(test::all_configs()),
                         [](const auto& info) { return test::config_name(info.param); });

}  // namespace
}  // namespace cdma::codec

// ZV against its closed form and hand-written golden bytes (docs/formats.md, "ZV").
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "codec/zv_codec.h"
#include "codec_test_util.h"

namespace cdma::codec {
namespace {

using test::make_data;
using test::naive_nonzero;

Bytes floats_to_bytes(const std::vector<float>& v) {
  Bytes b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

void append_u32(Bytes& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

TEST(ZvCodec, Fp32RatioIsExactlyOneOverDensityPlusOneThirtySecond) {
  const ZvCodec zv(ElementWidth::k32);
  const size_t blocks = 512;
  for (int pct = 0; pct <= 100; ++pct) {
    const Bytes data = make_data(ElementWidth::k32, pct / 100.0, 0.3, 1000 + pct, blocks * 128);
    const uint64_t nnz = naive_nonzero(data, 4);
    const size_t size = zv.compress(data).size();
    ASSERT_EQ(size, blocks * 4 + nnz * 4) << "density " << pct << "%";
    EXPECT_EQ(zv.compressed_size(data), size);
    const double density = static_cast<double>(nnz) / (blocks * 32);
    EXPECT_NEAR(compression_ratio(data.size(), size), 1.0 / (density + 1.0 / 32.0), 1e-12);
  }
}

TEST(ZvCodec, SizeClosedFormForEveryWidthAndTail) {
  for (ElementWidth w : {ElementWidth::k8, ElementWidth::k16, ElementWidth::k32}) {
    const ZvCodec zv(w);
    const size_t e = bytes_of(w);
    const size_t mask_bytes = 128 / e / 8;
    for (size_t n : {size_t{0}, size_t{1}, size_t{2}, size_t{5}, size_t{127}, size_t{128}, size_t{129},
                     size_t{1000}, size_t{4099}}) {
      const Bytes data = make_data(w, 0.4, 0.5, n, n);
      const size_t expected = (n + 127) / 128 * mask_bytes + naive_nonzero(data, e) * e;
      EXPECT_EQ(zv.compress(data).size(), expected) << "width " << e << " n " << n;
      EXPECT_EQ(zv.compressed_size(data), expected);
    }
  }
}

TEST(ZvCodec, AllZeroIs32xAndDenseGrowsByOneThirtySecond) {
  const ZvCodec zv(ElementWidth::k32);
  const Bytes zeros(128 * 100, 0);
  EXPECT_EQ(zv.compress(zeros).size(), 4u * 100);
  const Bytes dense = make_data(ElementWidth::k32, 1.0, 0.0, 7, 128 * 100);
  EXPECT_EQ(zv.compress(dense).size(), 132u * 100);
}

TEST(ZvCodec, GoldenBytesFp32) {
  std::vector<float> v(64, 0.0f);
  v[0] = 1.0f;
  v[5] = 2.0f;
  v[31] = -0.0f;  // negative zero has a set bit: kept as a non-zero element, so the round trip is bit-exact
  // second block all zero
  const Bytes data = floats_to_bytes(v);
  Bytes expected;
  append_u32(expected, (1u << 0) | (1u << 5) | (1u << 31));
  append_u32(expected, bits_of(1.0f));
  append_u32(expected, bits_of(2.0f));
  append_u32(expected, 0x80000000u);
  append_u32(expected, 0);
  const ZvCodec zv(ElementWidth::k32);
  EXPECT_EQ(zv.compress(data), expected);
  Bytes back;
  ASSERT_TRUE(zv.decompress(expected, data.size(), back).is_ok());
  EXPECT_EQ(back, data);
}

TEST(ZvCodec, GoldenBytesInt8UsesA128BitMask) {
  Bytes data(128, 0);
  data[0] = 0x11;
  data[64] = 0x22;
  data[127] = 0x33;
  Bytes expected(16, 0);
  expected[0] = 0x01;   // element 0
  expected[8] = 0x01;   // element 64
  expected[15] = 0x80;  // element 127
  expected.push_back(0x11);
  expected.push_back(0x22);
  expected.push_back(0x33);
  EXPECT_EQ(ZvCodec(ElementWidth::k8).compress(data), expected);
}

TEST(ZvCodec, PartialLastElementIsZeroPadded) {
  // 130 bytes of fp32: one full block, then a tail of half an element.
  Bytes data(130, 0);
  data[128] = 0x01;
  const ZvCodec zv(ElementWidth::k32);
  const Bytes c = zv.compress(data);
  const Bytes expected = {0, 0, 0, 0, /* tail mask */ 1, 0, 0, 0, /* padded element */ 1, 0, 0, 0};
  EXPECT_EQ(c, expected);
  Bytes back;
  ASSERT_TRUE(zv.decompress(c, data.size(), back).is_ok());
  EXPECT_EQ(back, data);

  Bytes bad_padding = c;
  bad_padding[10] = 0x7F;  // a byte past the end of the data
  Status s = zv.decompress(bad_padding, data.size(), back);
  EXPECT_EQ(s.code(), StatusCode::kCorrupt) << s.to_string();

  Bytes bad_mask = c;
  bad_mask[4] |= 0x02;  // element 1 of the tail block does not exist
  bad_mask.insert(bad_mask.end(), {9, 9, 9, 9});
  s = zv.decompress(bad_mask, data.size(), back);
  EXPECT_EQ(s.code(), StatusCode::kCorrupt) << s.to_string();
}

TEST(ZvCodec, RejectsTrailingAndMissingBytes) {
  const ZvCodec zv(ElementWidth::k32);
  const Bytes data = make_data(ElementWidth::k32, 0.5, 0.0, 3, 1024);
  Bytes c = zv.compress(data);
  Bytes back;
  c.push_back(0);
  EXPECT_EQ(zv.decompress(c, data.size(), back).code(), StatusCode::kTrailingData);
  c.resize(c.size() - 2);
  EXPECT_EQ(zv.decompress(c, data.size(), back).code(), StatusCode::kTruncated);
}

TEST(ZvCodec, CompressRefusesAnUndersizedOutput) {
  const ZvCodec zv(ElementWidth::k32);
  Bytes in(256, 1), out(zv.max_compressed_size(in.size()) - 1);
  EXPECT_THROW(zv.compress(in, MutableByteSpan(out)), std::invalid_argument);
}

}  // namespace
}  // namespace cdma::codec

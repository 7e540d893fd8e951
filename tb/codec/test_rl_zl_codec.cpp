// RL golden bytes and malformed tokens; ZL interoperability with plain zlib.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>

#include "codec/identity_codec.h"
#include "codec/rl_codec.h"
#include "codec/zl_codec.h"
#include "codec_test_util.h"

namespace cdma::codec {
namespace {

Bytes u32s(const std::vector<uint32_t>& v) {
  Bytes b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

TEST(RlCodec, GoldenTokens) {
  // [0 0 0 a b 0] -> (3 zeros, 2 literals a b), (1 zero, 0 literals)
  const Bytes data = u32s({0, 0, 0, 0x11223344, 0x55667788, 0});
  const Bytes expected = {3, 2, 0x44, 0x33, 0x22, 0x11, 0x88, 0x77, 0x66, 0x55, 1, 0};
  const RlCodec rl(ElementWidth::k32);
  EXPECT_EQ(rl.compress(data), expected);
  Bytes back;
  ASSERT_TRUE(rl.decompress(expected, data.size(), back).is_ok());
  EXPECT_EQ(back, data);
}

TEST(RlCodec, LongRunsUseMultiByteVarints) {
  Bytes data(4 * 300, 0);  // 300 zero elements: 300 = 0b1_0010_1100 -> 0xAC 0x02
  data.push_back(9);       // a partial element (1 of 4 bytes)
  const RlCodec rl(ElementWidth::k32);
  const Bytes expected = {0xAC, 0x02, 1, 9, 0, 0, 0};
  EXPECT_EQ(rl.compress(data), expected);
  Bytes back;
  ASSERT_TRUE(rl.decompress(expected, data.size(), back).is_ok());
  EXPECT_EQ(back, data);
}

TEST(RlCodec, RejectsMalformedTokens) {
  const RlCodec rl(ElementWidth::k8);
  Bytes out;
  EXPECT_EQ(rl.decompress(Bytes{0, 0, 1, 0}, 1, out).code(), StatusCode::kCorrupt);  // empty token
  EXPECT_EQ(rl.decompress(Bytes{5, 0}, 4, out).code(), StatusCode::kCorrupt);        // run past the end
  EXPECT_EQ(rl.decompress(Bytes{0, 3, 1, 2}, 3, out).code(), StatusCode::kTruncated);
  Bytes overlong(11, 0xFF);
  overlong.push_back(0);
  EXPECT_EQ(rl.decompress(overlong, 4, out).code(), StatusCode::kCorrupt);
  // Padding bytes of a partial last element must be zero.
  const RlCodec rl32(ElementWidth::k32);
  EXPECT_EQ(rl32.decompress(Bytes{0, 1, 1, 0, 0, 7}, 1, out).code(), StatusCode::kCorrupt);
}

TEST(ZlCodec, OutputDecodesWithPlainZlibUncompressAndInflate) {
  const Bytes data = test::make_data(ElementWidth::k32, 0.3, 0.7, 4, 100000 + 3);
  for (int level : {1, 6, 9}) {
    const ZlCodec zl(level, ElementWidth::k32);
    const Bytes c = zl.compress(data);
    EXPECT_LT(c.size(), data.size());
    // uncompress()
    Bytes out(data.size());
    uLongf out_len = out.size();
    ASSERT_EQ(uncompress(out.data(), &out_len, c.data(), c.size()), Z_OK);
    ASSERT_EQ(out_len, data.size());
    EXPECT_EQ(out, data);
    // inflate() fed in small pieces
    z_stream zs{};
    ASSERT_EQ(inflateInit(&zs), Z_OK);
    Bytes streamed(data.size() + 16);
    zs.next_out = streamed.data();
    zs.avail_out = static_cast<uInt>(streamed.size());
    int rc = Z_OK;
    for (size_t off = 0; off < c.size() && rc == Z_OK; off += 1000) {
      zs.next_in = const_cast<Bytef*>(c.data() + off);
      zs.avail_in = static_cast<uInt>(std::min<size_t>(1000, c.size() - off));
      rc = inflate(&zs, Z_NO_FLUSH);
    }
    EXPECT_EQ(rc, Z_STREAM_END);
    EXPECT_EQ(zs.total_out, data.size());
    inflateEnd(&zs);
    streamed.resize(data.size());
    EXPECT_EQ(streamed, data);
  }
}

TEST(ZlCodec, RejectsWrongExpectedSizeAndBadLevel) {
  const ZlCodec zl(6, ElementWidth::k32);
  const Bytes data = test::make_data(ElementWidth::k32, 0.5, 0.0, 2, 4000);
  const Bytes c = zl.compress(data);
  Bytes out;
  EXPECT_EQ(zl.decompress(c, data.size() - 1, out).code(), StatusCode::kSizeMismatch);
  EXPECT_EQ(zl.decompress(c, data.size() + 1, out).code(), StatusCode::kSizeMismatch);
  EXPECT_THROW(ZlCodec(0, ElementWidth::k32), std::invalid_argument);
  EXPECT_THROW(ZlCodec(10, ElementWidth::k32), std::invalid_argument);
}

TEST(IdentityCodec, CopiesAndChecksLength) {
  const IdentityCodec id(ElementWidth::k32);
  const Bytes data = {1, 2, 3};
  EXPECT_EQ(id.compress(data), data);
  Bytes out;
  EXPECT_EQ(id.decompress(data, 2, out).code(), StatusCode::kTrailingData);
  EXPECT_EQ(id.decompress(data, 4, out).code(), StatusCode::kTruncated);
}

TEST(CodecConfig, ParsesNamesAndRejectsUnknown) {
  for (Algorithm a : all_algorithms()) EXPECT_EQ(parse_algorithm(to_string(a)), a);
  EXPECT_THROW(parse_algorithm("lzma"), std::invalid_argument);
  EXPECT_EQ(parse_element_width("bf16"), ElementWidth::k16);
  EXPECT_THROW(parse_element_width("64"), std::invalid_argument);
}

}  // namespace
}  // namespace cdma::codec

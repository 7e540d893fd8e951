// The chunked container: exact ZV sizes whatever the chunk size, round trips, and checksums that catch every
// single-bit flip and every truncation.
#include <gtest/gtest.h>

#include "codec/chunked_stream.h"
#include "codec/zv_codec.h"
#include "codec_test_util.h"

namespace cdma::codec {
namespace {

TEST(ChunkedStream, ZvPayloadEqualsWholeBufferSizeForAnyChunkSize) {
  const ZvCodec zv(ElementWidth::k32);
  for (size_t n : {size_t{128}, size_t{1000}, size_t{65536}, size_t{300000 + 17}}) {
    const Bytes data = test::make_data(ElementWidth::k32, 0.35, 0.5, n, n);
    const size_t whole = zv.compressed_size(data);
    for (uint32_t chunk : {128u, 256u, 4096u, 65536u}) {
      ChunkedEncoder enc(zv, chunk);
      enc.append(data);
      EXPECT_EQ(enc.stats().compressed_bytes, whole) << "n " << n << " chunk " << chunk;
      EXPECT_EQ(enc.stats().original_bytes, n);
      EXPECT_EQ(enc.chunks().size(), (n + chunk - 1) / chunk);
    }
  }
}

TEST(ChunkedStream, RoundTripEveryCodec) {
  for (const CodecConfig& cfg : test::all_configs()) {
    const auto codec = make_codec(cfg);
    const Bytes data = test::make_data(cfg.element, 0.3, 0.5, 77, 10000 + 3);
    const uint32_t chunk = 1024;  // a multiple of every codec's block size
    const Bytes container = compress_chunked(*codec, data, chunk);
    Bytes back;
    const Status s = decompress_chunked(container, back);
    ASSERT_TRUE(s.is_ok()) << test::config_name(cfg) << ": " << s.to_string();
    EXPECT_EQ(back, data) << test::config_name(cfg);
  }
}

TEST(ChunkedStream, IndexGivesIndependentlyDecodableChunks) {
  const ZvCodec zv(ElementWidth::k16);
  const Bytes data = test::make_data(ElementWidth::k16, 0.2, 0.8, 5, 9000);
  const Bytes container = compress_chunked(zv, data, 2048);
  ChunkedReader reader;
  ASSERT_TRUE(reader.open(container).is_ok());
  ASSERT_EQ(reader.chunks().size(), 5u);
  // Decode the chunks in reverse order, as independent units.
  Bytes out(data.size());
  for (size_t i = reader.chunks().size(); i-- > 0;) {
    const ChunkInfo& c = reader.chunks()[i];
    ASSERT_TRUE(
        reader.decode_chunk(i, MutableByteSpan(out).subspan(c.original_offset, c.original_size)).is_ok());
  }
  EXPECT_EQ(out, data);
}

TEST(ChunkedStream, EverySingleBitFlipIsRejected) {
  for (Algorithm a : {Algorithm::kZv, Algorithm::kRl, Algorithm::kZl, Algorithm::kZcompSeparate}) {
    const auto codec = make_codec({a, ElementWidth::k32, 6});
    const Bytes data = test::make_data(ElementWidth::k32, 0.3, 0.2, 8, 700);
    const Bytes container = compress_chunked(*codec, data, 256);
    Bytes out;
    for (size_t bit = 0; bit < container.size() * 8; ++bit) {
      Bytes damaged = container;
      damaged[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      ASSERT_FALSE(decompress_chunked(damaged, out).is_ok()) << to_string(a) << " bit " << bit;
    }
  }
}

TEST(ChunkedStream, EveryTruncationIsRejected) {
  const ZvCodec zv(ElementWidth::k32);
  const Bytes data = test::make_data(ElementWidth::k32, 0.3, 0.2, 9, 1500);
  const Bytes container = compress_chunked(zv, data, 512);
  Bytes out;
  for (size_t len = 0; len < container.size(); ++len) {
    ASSERT_FALSE(decompress_chunked(ByteSpan(container.data(), len), out).is_ok()) << len;
  }
}

TEST(ChunkedStream, RejectsBadChunkSizesAndOrder) {
  const ZvCodec zv(ElementWidth::k32);
  EXPECT_THROW(ChunkedEncoder(zv, 0), std::invalid_argument);
  EXPECT_THROW(ChunkedEncoder(zv, 100), std::invalid_argument);  // not a multiple of 128
  ChunkedEncoder enc(zv, 256);
  const Bytes small(100, 1), big(300, 1);
  EXPECT_THROW(enc.append_chunk(big), std::logic_error);
  enc.append_chunk(small);
  EXPECT_THROW(enc.append_chunk(small), std::logic_error);  // only the last chunk may be short
}

TEST(ChunkedStream, CapsWhatAHeaderMayAskToAllocate) {
  const ZvCodec zv(ElementWidth::k32);
  const Bytes data(4096, 0);
  const Bytes container = compress_chunked(zv, data, 1024);
  Bytes out;
  EXPECT_EQ(decompress_chunked(container, out, 4095).code(), StatusCode::kUnsupported);
  EXPECT_TRUE(decompress_chunked(container, out, 4096).is_ok());
}

TEST(ChunkedStream, EmptyInputRoundTrips) {
  const ZvCodec zv(ElementWidth::k32);
  const Bytes container = compress_chunked(zv, Bytes{}, 128);
  EXPECT_EQ(container.size(), ContainerHeader::kBytes);
  Bytes out{1, 2};
  ASSERT_TRUE(decompress_chunked(container, out).is_ok());
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace cdma::codec

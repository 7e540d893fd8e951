// The host image format (dma/host_layout.h, docs/platform.md "Host layout"): chunk plan, raw bypass and the
// decoder's refusals, against the golden codec run directly and byte arithmetic on the format.
#include "dma/host_layout.h"

#include <gtest/gtest.h>

#include <vector>

#include "codec/codec.h"

namespace cdma::dma {
namespace {

constexpr uint32_t kChunk = 4096;

codec::Bytes dense_bytes(size_t n) {
  codec::Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i * 7 + 1);  // never a zero byte
  return b;
}

// Every fourth fp32 element non-zero: ZV stores a quarter of the data plus a 1/32 mask.
codec::Bytes sparse_bytes(size_t n) {
  codec::Bytes b(n, 0);
  for (size_t i = 0; i < n; i += 16) b[i] = static_cast<uint8_t>(i / 16 % 255 + 1);
  return b;
}

std::unique_ptr<codec::Codec> zv() {
  return codec::make_codec({codec::Algorithm::kZv, codec::ElementWidth::k32, 6});
}

HostImage parse(const codec::Bytes& image) {
  HostImage h;
  uint32_t count = 0;
  EXPECT_EQ(HostImage::parse_header(image.data(), image.size(), h, count), "");
  EXPECT_EQ(
      h.parse_index(image.data() + HostImage::kHeaderBytes, image.size() - HostImage::kHeaderBytes, count),
      "");
  return h;
}

TEST(HostLayout, DenseChunksAreStoredRawWithTheBypassAndGrowWithout) {
  const codec::Bytes data = dense_bytes(3 * kChunk);
  const auto c = zv();
  for (const bool bypass : {true, false}) {
    const codec::Bytes image = build_host_image(data, *c, kChunk, 1u << 20, bypass);
    const HostImage h = parse(image);
    EXPECT_EQ(image[7], bypass ? 1 : 0);
    EXPECT_EQ(h.raw_bypass, bypass);
    ASSERT_EQ(h.chunks.size(), 3u);
    const uint64_t zv_chunk = c->compressed_size(codec::ByteSpan(data.data(), kChunk));
    EXPECT_EQ(zv_chunk, kChunk + kChunk / 32);  // ZV's closed form at density 1: data plus a 1/32 mask
    for (const HostChunk& k : h.chunks) EXPECT_EQ(k.compressed_bytes, bypass ? kChunk : zv_chunk);
    EXPECT_EQ(image.size(), HostImage::metadata_bytes(3) + 3 * (bypass ? kChunk : zv_chunk));
    std::vector<uint8_t> back;
    EXPECT_EQ(decode_host_image(image, back, data.size()), "");
    EXPECT_EQ(back, data);
  }
}

TEST(HostLayout, ChunksTheCodecShrinksAreNotFlagged) {
  codec::Bytes data = sparse_bytes(2 * kChunk);
  const codec::Bytes dense = dense_bytes(kChunk);
  data.insert(data.end(), dense.begin(), dense.end());  // two sparse chunks, one dense
  const auto c = zv();
  const codec::Bytes image = build_host_image(data, *c, kChunk, 1u << 20, true);
  const HostImage h = parse(image);
  EXPECT_TRUE(h.raw_bypass);
  EXPECT_EQ(h.chunks[0].compressed_bytes, kChunk / 4 + kChunk / 32);
  EXPECT_EQ(h.chunks[1].compressed_bytes, kChunk / 4 + kChunk / 32);
  EXPECT_EQ(h.chunks[2].compressed_bytes, kChunk);
  EXPECT_FALSE(h.stored_raw(h.chunks[0].compressed_bytes, h.chunks[0].original_bytes));
  EXPECT_TRUE(h.stored_raw(h.chunks[2].compressed_bytes, h.chunks[2].original_bytes));
  std::vector<uint8_t> back;
  EXPECT_EQ(decode_host_image(image, back, data.size()), "");
  EXPECT_EQ(back, data);
  // All sparse: nothing bypassed, the flag stays clear.
  const codec::Bytes sparse = sparse_bytes(2 * kChunk);
  EXPECT_EQ(build_host_image(sparse, *c, kChunk, 1u << 20, true)[7], 0);
}

TEST(HostLayout, ChunksAreCutAtEveryGranule) {
  EXPECT_EQ(plan_chunks(10000, 4096, 1u << 20), (std::vector<uint32_t>{4096, 4096, 1808}));
  EXPECT_EQ(plan_chunks(10000, 4096, 3000), (std::vector<uint32_t>{3000, 3000, 3000, 1000}));
  EXPECT_EQ(plan_chunks(0, 4096, 4096), std::vector<uint32_t>{});
}

TEST(HostLayout, TheDecoderRefusesDamagedImages) {
  const codec::Bytes data = sparse_bytes(2 * kChunk);
  const auto c = zv();
  const codec::Bytes good = build_host_image(data, *c, kChunk, 1u << 20, true);
  std::vector<uint8_t> out;
  auto refuses = [&](codec::Bytes image, const std::string& what) {
    const std::string err = decode_host_image(image, out, data.size());
    EXPECT_NE(err.find(what), std::string::npos) << "got: " << err;
  };
  codec::Bytes b = good;
  b[0] ^= 1;
  refuses(b, "bad magic");
  b = good;
  b[7] = 2;
  refuses(b, "unknown flags");
  b = good;
  b[4] = 200;
  refuses(b, "unknown algorithm");
  refuses(codec::Bytes(good.begin(), good.begin() + 20), "header is truncated");
  refuses(codec::Bytes(good.begin(), good.end() - 1), "truncated");
  b = good;
  b[32 + 8] ^= 0x10;  // chunk 0's compressed size no longer adds up
  EXPECT_NE(decode_host_image(b, out, data.size()), "");
  // A header announcing more than the caller expects is refused before the output is allocated.
  EXPECT_NE(decode_host_image(good, out, data.size() - 1).find("more than"), std::string::npos);
  // Algorithm none: every chunk raw, so a chunk smaller than its original size is damage.
  const auto none = codec::make_codec({codec::Algorithm::kNone, codec::ElementWidth::k32, 6});
  codec::Bytes plain = build_host_image(data, *none, kChunk, 1u << 20, true);
  EXPECT_EQ(plain[7], 0);  // nothing to bypass: the codec already stores raw
  EXPECT_EQ(decode_host_image(plain, out, data.size()), "");
  EXPECT_EQ(out, data);
}

}  // namespace
}  // namespace cdma::dma

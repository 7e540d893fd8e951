// Memory images (a GPU range as each channel's pages) and priming memory with an image (writes reproducing it
// share its storage) against plain references: the address map, an unprimed memory, a full compare.
#include "memory/memory_image.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <vector>

#include "memory/address_map.h"
#include "memory/sparse_memory.h"

namespace cdma::memory {
namespace {

constexpr uint64_t kPage = SparseMemory::kPageBytes;

TEST(MemoryImage, RunsFollowTheAddressMap) {
  const AddressMap map(3, 4096, 3 * 64 * kPage);
  const uint64_t bytes = 3 * kPage + 5 * 4096 + 100;  // channels end in partial pages
  MemoryImage image(map, 0, bytes);
  std::vector<MemoryImage::PageBytes> spare;
  image.allocate(spare);
  uint64_t expect_off = 0;
  image.for_each_run([&](uint64_t off, uint8_t* p, uint64_t n) {
    EXPECT_EQ(off, expect_off);
    for (uint64_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>((off + i) * 7 + 1);
    expect_off += n;
  });
  EXPECT_EQ(expect_off, bytes);
  // Each byte sits in its channel's part at its local address.
  for (uint64_t a = 0; a < bytes; a += 997) {
    const ChannelAddress ca = map.decode(a);
    const MemoryImage::Part& part = image.parts()[ca.channel];
    const uint64_t local = ca.local - part.first;
    EXPECT_EQ(part.pages[local / kPage].bytes[local % kPage], static_cast<uint8_t>(a * 7 + 1)) << a;
  }
  image.release(spare);
  EXPECT_GE(spare.size(), 4u);
  // A range whose per-channel share does not start on a page cannot be held as pages.
  EXPECT_NO_THROW(MemoryImage(map, 4096, 4096));                          // channel 1, local 0
  EXPECT_THROW(MemoryImage(map, 3 * 4096, 4096), std::invalid_argument);  // channel 0, local 4096
  EXPECT_THROW(MemoryImage(map, 0, map.capacity() + 1), std::invalid_argument);
}

// Each channel's part spans exactly the local addresses of the range's bytes in that channel, for ranges
// shorter than one granule per channel, starting mid-granule and ending anywhere (checked granule by
// granule).
TEST(MemoryImage, PartsSpanEachChannelsShare) {
  const AddressMap map(3, 4096, 3 * 64 * kPage);
  const uint64_t row = 3 * (kPage / 4096) * 4096;  // the granules after which every channel is page-aligned
  for (uint64_t start : {uint64_t{0}, uint64_t{4096}, 2 * uint64_t{4096} + 100, row, row + 4096}) {
    for (uint64_t bytes : {uint64_t{1}, uint64_t{100}, uint64_t{4096}, 2 * uint64_t{4096} + 5,
                           3 * uint64_t{4096}, 7 * uint64_t{4096} + 1, 3 * kPage + 5 * 4096 + 100}) {
      std::vector<uint64_t> first(3, ~uint64_t{0}), end(3, 0);
      for (uint64_t off = 0; off < bytes;) {
        const ChannelAddress ca = map.decode(start + off);
        const uint64_t n = std::min(map.bytes_to_granule_end(start + off), bytes - off);
        first[ca.channel] = std::min(first[ca.channel], ca.local);
        end[ca.channel] = std::max(end[ca.channel], ca.local + n);
        off += n;
      }
      bool aligned = true;
      for (uint32_t ch = 0; ch < 3; ++ch) aligned = aligned && (end[ch] == 0 || first[ch] % kPage == 0);
      if (!aligned) {  // held as pages only if every channel's share starts on a page
        EXPECT_THROW(MemoryImage(map, start, bytes), std::invalid_argument) << start << " + " << bytes;
        continue;
      }
      const MemoryImage image(map, start, bytes);
      for (uint32_t ch = 0; ch < 3; ++ch) {
        const MemoryImage::Part& part = image.parts()[ch];
        if (end[ch] == 0) {
          EXPECT_EQ(part.end - part.first, 0u) << start << " + " << bytes << " channel " << ch;
          continue;
        }
        EXPECT_EQ(part.first, first[ch]) << start << " + " << bytes << " channel " << ch;
        EXPECT_EQ(part.end, end[ch]) << start << " + " << bytes << " channel " << ch;
      }
    }
  }
}

// Priming must change nothing a reader can see: after any mix of matching, wrong, partial, unaligned and
// out-of-order writes and discards, a primed memory reads like an unprimed one given the same writes, the
// page-wise compare against the image equals a full compare, and the image itself is never changed.
TEST(SparseMemoryPrime, ChangesNothingVisibleAndComparesLikeAFullCompare) {
  const AddressMap map(1, 4096, 8 * kPage);
  std::mt19937_64 rng(5);
  auto pick = [&](uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng); };
  int agreed_true = 0, agreed_false = 0, shared_pages = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const uint64_t bytes = pick(1, 3 * kPage);
    MemoryImage expected(map, 0, bytes);
    std::vector<MemoryImage::PageBytes> spare;
    expected.allocate(spare);
    const bool sparse = pick(0, 1) == 1;  // with zero stretches, which unwritten memory already matches
    expected.for_each_run([&](uint64_t, uint8_t* p, uint64_t n) {
      for (uint64_t i = 0; i < n; ++i) p[i] = sparse && (i / 512) % 2 ? 0 : static_cast<uint8_t>(rng() | 1);
    });
    const MemoryImage::Part& part = expected.parts()[0];
    std::vector<uint8_t> flat(bytes);
    for (uint64_t i = 0; i < bytes; ++i) flat[i] = part.pages[i / kPage].bytes[i % kPage];
    SparseMemory mem(map.capacity()), plain(map.capacity());
    const bool held = pick(0, 3) == 0;  // a page already holding bytes is not primed
    if (held) {
      const uint8_t b = 9;
      mem.write(kPage / 2, &b, 1);
      plain.write(kPage / 2, &b, 1);
    }
    for (size_t k = 0; k < part.pages.size(); ++k) mem.prime(k * kPage, part.pages[k], part.covered(k));
    auto both_write = [&](uint64_t a, const std::vector<uint8_t>& data) {
      mem.write(a, data.data(), data.size());
      plain.write(a, data.data(), data.size());
    };
    // Mostly whole chunks of the expected bytes, in order or not, some missing; some damage.
    const uint64_t chunk = 128ull << pick(0, 5);
    std::vector<uint64_t> order;
    for (uint64_t a = 0; a < bytes; a += chunk) order.push_back(a);
    if (pick(0, 1)) std::shuffle(order.begin(), order.end(), rng);
    const int mode = static_cast<int>(pick(0, 5));
    for (size_t k = 0; k < order.size(); ++k) {
      const uint64_t a = order[k], n = std::min(chunk, bytes - a);
      if (mode == 1 && k == order.size() / 3) continue;  // a chunk never arrives
      std::vector<uint8_t> data(flat.begin() + static_cast<ptrdiff_t>(a),
                                flat.begin() + static_cast<ptrdiff_t>(a + n));
      if (mode == 2 && k == order.size() / 2) data[pick(0, n - 1)] ^= 0x10;  // a wrong byte
      both_write(a, data);
    }
    if (mode == 3) {  // an unaligned partial rewrite, right or wrong
      const uint64_t a = pick(0, bytes - 1), n = std::min(bytes - a, pick(1, 300));
      std::vector<uint8_t> data(flat.begin() + static_cast<ptrdiff_t>(a),
                                flat.begin() + static_cast<ptrdiff_t>(a + n));
      if (pick(0, 1)) data[0] ^= 1;
      both_write(a, data);
    }
    if (mode == 4) {  // a wrong write later put right
      const uint64_t a = order[0], n = std::min(chunk, bytes - a);
      both_write(a, std::vector<uint8_t>(n, 0x77));
      both_write(a, std::vector<uint8_t>(flat.begin() + static_cast<ptrdiff_t>(a),
                                         flat.begin() + static_cast<ptrdiff_t>(a + n)));
    }
    if (mode == 5) {
      const uint64_t a = pick(0, bytes - 1), n = pick(1, 2000);
      mem.discard(a, n);
      plain.discard(a, n);
    }
    std::vector<uint8_t> got(map.capacity()), want(map.capacity());
    mem.read(0, got.data(), got.size());
    plain.read(0, want.data(), want.size());
    ASSERT_EQ(got, want) << "trial " << trial << " mode " << mode;
    const bool truth = plain.equals(0, flat.data(), bytes);
    bool verdict = true;
    for (size_t k = 0; k < part.pages.size(); ++k) {
      verdict = verdict && mem.equals(k * kPage, part.pages[k], 0, part.covered(k));
    }
    ASSERT_EQ(verdict, truth) << "trial " << trial << " mode " << mode << " chunk " << chunk;
    (truth ? agreed_true : agreed_false) += 1;
    for (size_t k = 0; k < part.pages.size(); ++k) {
      if (mem.take(k * kPage, part.covered(k)).bytes == part.pages[k].bytes) ++shared_pages;
    }
    for (uint64_t i = 0; i < bytes; ++i) {  // the image is untouched
      ASSERT_EQ(part.pages[i / kPage].bytes[i % kPage], flat[i]) << "trial " << trial << " byte " << i;
    }
  }
  // Both verdicts were exercised, and in-order matching writes were kept by sharing.
  EXPECT_GT(agreed_true, 50);
  EXPECT_GT(agreed_false, 50);
  EXPECT_GT(shared_pages, 50);
}

TEST(SparseMemoryPrime, AnInOrderMatchingWriteIsKeptWithoutACopyAndAWrongOneIsCopied) {
  SparseMemory mem(2 * kPage);
  SparseMemory::Page expected{SparseMemory::allocate_page_bytes(), kPage};
  for (uint64_t i = 0; i < kPage; ++i) expected.bytes[i] = static_cast<uint8_t>(i * 13 + 1);
  mem.prime(0, expected, kPage);
  EXPECT_TRUE(mem.is_zero(0, kPage));  // priming writes nothing
  mem.write(0, expected.bytes.get(), 4096);
  mem.write(4096, expected.bytes.get() + 4096, 4096);
  std::vector<uint8_t> out(kPage);
  mem.read(0, out.data(), kPage);
  for (uint64_t i = 0; i < kPage; ++i) ASSERT_EQ(out[i], i < 8192 ? expected.bytes[i] : 0) << i;
  std::vector<uint8_t> wrong(expected.bytes.get() + 8192, expected.bytes.get() + 12288);
  wrong[7] ^= 1;
  mem.write(8192, wrong.data(), wrong.size());  // copy on write: the expected page stays as it was
  EXPECT_EQ(expected.bytes[8192 + 7], static_cast<uint8_t>((8192 + 7) * 13 + 1));
  mem.read(8192, out.data(), 4096);
  EXPECT_EQ(out[7], wrong[7]);
  EXPECT_FALSE(mem.equals(0, expected, 0, kPage));
  // A page that holds bytes is left alone.
  SparseMemory held(kPage);
  const uint8_t b = 5;
  held.write(100, &b, 1);
  held.prime(0, expected, kPage);
  held.write(0, expected.bytes.get(), 4096);
  EXPECT_NE(held.take(0, kPage).bytes, expected.bytes);
}

}  // namespace
}  // namespace cdma::memory

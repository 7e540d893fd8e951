// Memory images (a GPU range as each channel's pages) and the write checker (a scoreboard that verifies bytes
// as they land) against plain references: the address map, a full compare.
#include "memory/memory_image.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <vector>

#include "memory/address_map.h"
#include "memory/sparse_memory.h"
#include "memory/write_checker.h"

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

// The checker's verdict must equal a full compare after any mix of matching, wrong, partial and
// unaligned writes and discards.
TEST(WriteChecker, VerdictEqualsAFullCompare) {
  const AddressMap map(1, 4096, 8 * kPage);
  std::mt19937_64 rng(5);
  auto pick = [&](uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng); };
  int agreed_true = 0, agreed_false = 0;
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
    SparseMemory mem(map.capacity());
    WriteChecker checker(part);
    mem.set_observer(&checker);
    auto expected_at = [&](uint64_t a) { return part.pages[a / kPage].bytes[a % kPage]; };
    // Mostly whole chunks of the expected bytes, in random order, some missing; some damage.
    const uint64_t chunk = 128ull << pick(0, 5);
    std::vector<uint64_t> order;
    for (uint64_t a = 0; a < bytes; a += chunk) order.push_back(a);
    std::shuffle(order.begin(), order.end(), rng);
    const int mode = static_cast<int>(pick(0, 5));
    for (size_t k = 0; k < order.size(); ++k) {
      const uint64_t a = order[k], n = std::min(chunk, bytes - a);
      if (mode == 1 && k == 0) continue;  // a chunk never arrives
      std::vector<uint8_t> data(n);
      for (uint64_t i = 0; i < n; ++i) data[i] = expected_at(a + i);
      if (mode == 2 && k == order.size() / 2) data[pick(0, n - 1)] ^= 0x10;  // a wrong byte
      mem.write(a, data.data(), n);
    }
    if (mode == 3) {  // an unaligned partial rewrite, right or wrong
      const uint64_t a = pick(0, bytes - 1), n = std::min(bytes - a, pick(1, 300));
      std::vector<uint8_t> data(n);
      for (uint64_t i = 0; i < n; ++i) data[i] = expected_at(a + i);
      if (pick(0, 1)) data[0] ^= 1;
      mem.write(a, data.data(), n);
    }
    if (mode == 4) {  // a wrong write later put right
      const uint64_t a = order[0], n = std::min(chunk, bytes - a);
      std::vector<uint8_t> bad(n, 0x77);
      mem.write(a, bad.data(), n);
      std::vector<uint8_t> good(n);
      for (uint64_t i = 0; i < n; ++i) good[i] = expected_at(a + i);
      mem.write(a, good.data(), n);
    }
    if (mode == 5) mem.discard(pick(0, bytes - 1), pick(1, 2000));
    mem.set_observer(nullptr);
    std::vector<uint8_t> flat(bytes);
    for (uint64_t i = 0; i < bytes; ++i) flat[i] = expected_at(i);
    const bool truth = mem.equals(0, flat.data(), bytes);
    ASSERT_EQ(checker.verify(mem), truth) << "trial " << trial << " mode " << mode << " chunk " << chunk;
    (truth ? agreed_true : agreed_false) += 1;
  }
  // Both verdicts were exercised.
  EXPECT_GT(agreed_true, 50);
  EXPECT_GT(agreed_false, 50);
}

}  // namespace
}  // namespace cdma::memory

// SparseMemory against a flat reference array: random writes, reads, compares and discards at every
// alignment, so page reuse and the per-page written mark never show stale bytes.
#include "memory/sparse_memory.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <stdexcept>
#include <vector>

namespace cdma::memory {
namespace {

constexpr uint64_t kPage = SparseMemory::kPageBytes;

// A six-page memory, the flat array it must always equal, and a random source.
class SparseMemoryVsFlat : public ::testing::Test {
 protected:
  static constexpr uint64_t size = 6 * kPage;
  uint64_t pick(uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng); }
  std::vector<uint8_t> random_bytes(uint64_t n) {  // non-zero: stale zeros would hide
    std::vector<uint8_t> v(n);
    for (auto& b : v) b = static_cast<uint8_t>(pick(1, 255));
    return v;
  }
  SparseMemory mem{size};
  std::vector<uint8_t> ref = std::vector<uint8_t>(size, 0);
  std::mt19937_64 rng;
};

TEST_F(SparseMemoryVsFlat, MatchesAFlatArrayUnderRandomWritesAndDiscards) {
  rng.seed(7);
  for (int step = 0; step < 4000; ++step) {
    const uint64_t addr = pick(0, size - 1);
    // Mostly short accesses, some spanning pages, some whole pages (which free and reuse pages).
    const uint64_t len = std::min(size - addr, step % 7 == 0 ? pick(kPage, 2 * kPage) : pick(1, 5000));
    const int op = static_cast<int>(pick(0, 3));
    if (op <= 1) {
      std::vector<uint8_t> data(len);
      for (auto& b : data) b = static_cast<uint8_t>(pick(1, 255));  // non-zero: stale zeros would hide
      mem.write(addr, data.data(), len);
      std::copy(data.begin(), data.end(), ref.begin() + static_cast<ptrdiff_t>(addr));
    } else if (op == 2) {
      mem.discard(addr, len);
      std::fill(ref.begin() + static_cast<ptrdiff_t>(addr), ref.begin() + static_cast<ptrdiff_t>(addr + len),
                0);
    } else {
      std::vector<uint8_t> out(len, 0xEE);
      mem.read(addr, out.data(), len);
      ASSERT_TRUE(std::equal(out.begin(), out.end(), ref.begin() + static_cast<ptrdiff_t>(addr)))
          << "step " << step << " read at " << addr << " + " << len;
      ASSERT_TRUE(mem.equals(addr, ref.data() + addr, len)) << "step " << step;
      if (len > 0) {
        std::vector<uint8_t> wrong(ref.begin() + static_cast<ptrdiff_t>(addr),
                                   ref.begin() + static_cast<ptrdiff_t>(addr + len));
        wrong[pick(0, len - 1)] ^= 0x40;
        ASSERT_FALSE(mem.equals(addr, wrong.data(), len)) << "step " << step;
      }
    }
  }
  std::vector<uint8_t> all(size);
  mem.read(0, all.data(), size);
  EXPECT_EQ(all, ref);
}

TEST_F(SparseMemoryVsFlat, AdoptAndTakeActLikeWriteAndReadThenDiscard) {
  rng.seed(11);
  for (int step = 0; step < 3000; ++step) {
    const uint64_t page = pick(0, 5) * kPage;
    const uint64_t covered = pick(0, 3) == 0 ? kPage : pick(1, kPage);
    const int op = static_cast<int>(pick(0, 3));
    if (op == 0) {  // a short write anywhere, so pages hold bytes past later ranges
      const uint64_t addr = pick(0, size - 1), len = std::min(size - addr, pick(1, 3000));
      const auto data = random_bytes(len);
      mem.write(addr, data.data(), len);
      std::copy(data.begin(), data.end(), ref.begin() + static_cast<ptrdiff_t>(addr));
    } else if (op == 1) {
      SparseMemory::Page p{SparseMemory::allocate_page_bytes(), pick(0, covered)};
      const auto data = random_bytes(p.written);
      std::copy(data.begin(), data.end(), p.bytes.get());
      mem.adopt(page, std::move(p), covered);
      std::copy(data.begin(), data.end(), ref.begin() + static_cast<ptrdiff_t>(page));
      std::fill(ref.begin() + static_cast<ptrdiff_t>(page + data.size()),
                ref.begin() + static_cast<ptrdiff_t>(page + covered), 0);
    } else if (op == 2) {
      const SparseMemory::Page p = mem.take(page, covered);
      ASSERT_LE(std::min(p.written, covered), covered);
      for (uint64_t i = 0; i < covered; ++i) {
        const uint8_t got = p.bytes && i < p.written ? p.bytes[i] : 0;
        ASSERT_EQ(got, ref[page + i]) << "step " << step << " byte " << i;
      }
      std::fill(ref.begin() + static_cast<ptrdiff_t>(page),
                ref.begin() + static_cast<ptrdiff_t>(page + covered), 0);
    } else {
      std::vector<uint8_t> out(size);
      mem.read(0, out.data(), size);
      ASSERT_EQ(out, ref) << "step " << step;
      ASSERT_EQ(mem.is_zero(page, covered), std::all_of(ref.begin() + static_cast<ptrdiff_t>(page),
                                                        ref.begin() + static_cast<ptrdiff_t>(page + covered),
                                                        [](uint8_t b) { return b == 0; }));
    }
  }
  EXPECT_THROW(mem.take(kPage + 1, 10), std::invalid_argument);
  EXPECT_THROW(mem.adopt(0, SparseMemory::Page{SparseMemory::allocate_page_bytes(), 10}, 5),
               std::invalid_argument);
}

// The access hook runs before every kind of access, with its range, so pages handed in unfilled can be
// filled just in time: here the hook fills a page adopted unfilled, and every reader sees the filled bytes.
TEST(SparseMemory, TheAccessHookRunsBeforeEveryAccessWithItsRange) {
  SparseMemory mem(4 * kPage);
  SparseMemory::Page unfilled{SparseMemory::allocate_page_bytes(), kPage};
  uint8_t* storage = unfilled.bytes.get();
  std::memset(storage, 0xEE, kPage);  // not yet the page's bytes
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  bool filled = false;
  mem.set_access_hook([&](uint64_t addr, uint64_t len) {
    calls.emplace_back(addr, len);
    if (!filled && addr < kPage) {
      for (uint64_t i = 0; i < kPage; ++i) storage[i] = static_cast<uint8_t>(i % 251 + 1);
      filled = true;
    }
  });
  mem.adopt(kPage, SparseMemory::Page{}, kPage);  // another page: the hook runs, nothing to fill there
  EXPECT_FALSE(filled);
  mem.adopt(0, std::move(unfilled), kPage);
  EXPECT_TRUE(filled);  // the hook ran first, and the page came in filled
  std::vector<uint8_t> want(kPage);
  for (uint64_t i = 0; i < kPage; ++i) want[i] = static_cast<uint8_t>(i % 251 + 1);
  // Each access calls the hook with its own range first (nested calls may follow).
  auto first_call = [&] {
    const std::pair<uint64_t, uint64_t> c =
        calls.empty() ? std::pair<uint64_t, uint64_t>(~uint64_t{0}, 0) : calls.front();
    calls.clear();
    return c;
  };
  using Range = std::pair<uint64_t, uint64_t>;
  calls.clear();
  std::vector<uint8_t> out(100);
  mem.read(10, out.data(), 100);
  EXPECT_EQ(first_call(), Range(10, 100));
  EXPECT_TRUE(std::equal(out.begin(), out.end(), want.begin() + 10));
  EXPECT_TRUE(mem.equals(10, want.data() + 10, 100));
  EXPECT_EQ(first_call(), Range(10, 100));
  EXPECT_FALSE(mem.is_zero(5, 7));
  EXPECT_EQ(first_call(), Range(5, 7));
  mem.write(3 * kPage, out.data(), 20);
  EXPECT_EQ(first_call(), Range(3 * kPage, 20));
  mem.discard(3 * kPage + 4, 8);
  EXPECT_EQ(first_call(), Range(3 * kPage + 4, 8));
  const SparseMemory::Page taken = mem.take(0, kPage);
  EXPECT_EQ(first_call(), Range(0, kPage));
  EXPECT_FALSE(mem.equals(kPage, taken, 0, 30));
  EXPECT_EQ(first_call(), Range(kPage, 30));
  mem.prime(0, taken, kPage);
  EXPECT_EQ(first_call(), Range(0, kPage));
  mem.set_access_hook(nullptr);
  calls.clear();
  mem.read(0, out.data(), 10);
  EXPECT_TRUE(calls.empty());
}

TEST(SparseMemory, DiscardedWholePagesAreFreedAndReusedClean) {
  SparseMemory mem(4 * kPage);
  std::vector<uint8_t> ones(2 * kPage, 1);
  mem.write(0, ones.data(), ones.size());
  EXPECT_EQ(mem.resident_bytes(), 2 * kPage);
  mem.discard(0, 2 * kPage);
  EXPECT_EQ(mem.resident_bytes(), 0u);
  // A reused page written in its middle reads zero around the write, not the old ones.
  const uint8_t seven = 7;
  mem.write(kPage + 100, &seven, 1);
  std::vector<uint8_t> out(kPage);
  mem.read(kPage, out.data(), kPage);
  for (uint64_t i = 0; i < kPage; ++i) ASSERT_EQ(out[i], i == 100 ? 7 : 0) << i;
}

}  // namespace
}  // namespace cdma::memory

#include "memory/sparse_memory.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace cdma::memory {

namespace {

bool all_zero(const uint8_t* p, uint64_t n) {
  // p[0] == 0 and p[0..n-1) == p[1..n): every byte equals the first, which is zero.
  return n == 0 || (p[0] == 0 && std::memcmp(p, p + 1, n - 1) == 0);
}

// Asks for the next expected bytes of a primed page to be brought into cache: in-order writes compare against
// them next, and they were stored long ago (a reference written a whole transfer earlier), while a DMA stream
// interleaved over channels reaches them too irregularly for the hardware prefetcher to follow.
// The page's storage holds them from `written` up to `expected`.
void prefetch_expected(const uint8_t* storage, uint64_t written, uint64_t expected) {
  constexpr uint64_t kAhead = 4096, kLine = 64;
  const uint64_t end = std::min(expected, written + kAhead);
  for (uint64_t k = written; k < end; k += kLine) __builtin_prefetch(storage + k, 0, 2);
}

}  // namespace

void SparseMemory::check_page_range(uint64_t addr, uint64_t covered) const {
  if (addr % kPageBytes != 0 || covered > kPageBytes || !contains(addr, covered)) {
    throw std::invalid_argument("SparseMemory: [" + std::to_string(addr) + ", +" + std::to_string(covered) +
                                ") is not within one page from its start");
  }
}

SparseMemory::Page SparseMemory::new_page() {
  Page p;
  if (!free_.empty()) {
    p.bytes = std::move(free_.back());
    free_.pop_back();
  } else {
    p.bytes = allocate_page_bytes();  // not value-initialised: `written` = 0 says it is all zero
  }
  return p;
}

void SparseMemory::recycle(Storage bytes) {
  // Shared storage stays with its other holder.
  if (bytes && bytes.use_count() == 1 && free_.size() < kMaxFreePages) free_.push_back(std::move(bytes));
}

void SparseMemory::own(Page& p) {
  if (p.bytes.use_count() <= 1) return;
  Page copy = new_page();
  std::memcpy(copy.bytes.get(), p.bytes.get(), p.written);
  copy.written = p.written;
  p = std::move(copy);  // `expected` is gone with the shared storage
}

SparseMemory::Page* SparseMemory::find(uint64_t number) const {
  if (last_ != nullptr && last_number_ == number) return last_;
  auto it = pages_.find(number);
  if (it == pages_.end()) return nullptr;
  last_number_ = number;
  // The cache serves write() too; the page itself is not changed here.
  last_ = const_cast<Page*>(&it->second);
  return last_;
}

SparseMemory::Page& SparseMemory::at(uint64_t number) {
  if (Page* p = find(number)) return *p;
  last_number_ = number;
  last_ = &pages_[number];
  return *last_;
}

void SparseMemory::erase(std::unordered_map<uint64_t, Page>::iterator it) {
  if (last_ == &it->second) last_ = nullptr;
  pages_.erase(it);
}

std::pair<const uint8_t*, uint64_t> SparseMemory::stored(uint64_t page, uint64_t off, uint64_t n) const {
  const Page* p = find(page);
  if (p == nullptr || off >= p->written) return {nullptr, 0};
  return {p->bytes.get() + off, std::min(n, p->written - off)};
}

void SparseMemory::read(uint64_t addr, uint8_t* out, uint64_t len) const {
  touch(addr, len);
  while (len > 0) {
    const uint64_t page = addr / kPageBytes, off = addr % kPageBytes;
    const uint64_t n = std::min(len, kPageBytes - off);
    const auto [data, valid] = stored(page, off, n);
    if (valid > 0) std::memcpy(out, data, valid);
    std::memset(out + valid, 0, n - valid);
    addr += n;
    out += n;
    len -= n;
  }
}

void SparseMemory::write(uint64_t addr, const uint8_t* in, uint64_t len) {
  touch(addr, len);
  while (len > 0) {
    const uint64_t page = addr / kPageBytes, off = addr % kPageBytes;
    const uint64_t n = std::min(len, kPageBytes - off);
    Page& p = at(page);
    if (off == p.written && off + n <= p.expected_ && std::memcmp(p.bytes.get() + off, in, n) == 0) {
      p.written += n;  // the storage holds these bytes already
      prefetch_expected(p.bytes.get(), p.written, p.expected_);
    } else {
      if (!p.bytes) {
        p = new_page();
      } else {
        own(p);
      }
      p.expected_ = 0;  // the storage is about to change
      if (off > p.written) std::memset(p.bytes.get() + p.written, 0, off - p.written);  // a gap stays zero
      std::memcpy(p.bytes.get() + off, in, n);
      p.written = std::max(p.written, off + n);
    }
    addr += n;
    in += n;
    len -= n;
  }
}

bool SparseMemory::equals(uint64_t addr, const uint8_t* expected, uint64_t len) const {
  touch(addr, len);
  while (len > 0) {
    const uint64_t page = addr / kPageBytes, off = addr % kPageBytes;
    const uint64_t n = std::min(len, kPageBytes - off);
    const auto [data, valid] = stored(page, off, n);
    if (valid > 0 && std::memcmp(data, expected, valid) != 0) return false;
    if (!all_zero(expected + valid, n - valid)) return false;
    addr += n;
    expected += n;
    len -= n;
  }
  return true;
}

bool SparseMemory::equals(uint64_t addr, const Page& expected, uint64_t off, uint64_t n) const {
  touch(addr, n);
  if (addr % kPageBytes == off && expected.bytes) {
    // The same storage written as far reads the same everywhere (what prime() leads to).
    auto it = pages_.find(addr / kPageBytes);
    if (it != pages_.end() && it->second.bytes == expected.bytes && it->second.written == expected.written)
      return true;
  }
  const uint64_t v = expected.valid(off, n);
  return equals(addr, v > 0 ? expected.bytes.get() + off : nullptr, v) && is_zero(addr + v, n - v);
}

bool SparseMemory::is_zero(uint64_t addr, uint64_t len) const {
  touch(addr, len);
  while (len > 0) {
    const uint64_t page = addr / kPageBytes, off = addr % kPageBytes;
    const uint64_t n = std::min(len, kPageBytes - off);
    const auto [data, valid] = stored(page, off, n);
    if (!all_zero(data, valid)) return false;
    addr += n;
    len -= n;
  }
  return true;
}

void SparseMemory::adopt(uint64_t addr, Page page, uint64_t covered) {
  check_page_range(addr, covered);
  touch(addr, covered);
  if (page.written > covered) throw std::invalid_argument("SparseMemory::adopt: page written past the range");
  auto it = pages_.find(addr / kPageBytes);
  if (covered == kPageBytes || it == pages_.end() || it->second.written <= covered) {
    if (it != pages_.end()) {
      recycle(std::move(it->second.bytes));
      erase(it);
    }
    if (page.bytes && page.written > 0) {
      pages_[addr / kPageBytes] = std::move(page);
    } else {
      recycle(std::move(page.bytes));
    }
    return;
  }
  // The page holds bytes past the range that must stay: copy the range in instead.
  if (page.written > 0) write(addr, page.bytes.get(), page.written);
  discard(addr + page.written, covered - page.written);
  recycle(std::move(page.bytes));
}

SparseMemory::Page SparseMemory::take(uint64_t addr, uint64_t covered) {
  check_page_range(addr, covered);
  touch(addr, covered);
  auto it = pages_.find(addr / kPageBytes);
  if (it == pages_.end()) return {};
  if (covered == kPageBytes || it->second.written <= covered) {
    Page p = std::move(it->second);
    erase(it);
    return p;
  }
  Page p = new_page();
  p.written = covered;
  read(addr, p.bytes.get(), covered);
  discard(addr, covered);
  return p;
}

void SparseMemory::prime(uint64_t addr, const Page& expected, uint64_t covered) {
  check_page_range(addr, covered);
  touch(addr, covered);
  if (!expected.bytes || expected.written == 0) return;
  auto it = pages_.find(addr / kPageBytes);
  if (it != pages_.end() && it->second.written > 0) return;  // holds bytes: leave it as it is
  Page p(expected.bytes, 0);
  p.expected_ = std::min(expected.written, covered);
  if (it == pages_.end()) {
    pages_.emplace(addr / kPageBytes, std::move(p));
  } else {
    recycle(std::move(it->second.bytes));
    it->second = std::move(p);
  }
}

void SparseMemory::discard(uint64_t addr, uint64_t len) {
  touch(addr, len);
  while (len > 0) {
    const uint64_t page = addr / kPageBytes, off = addr % kPageBytes;
    const uint64_t n = std::min(len, kPageBytes - off);
    auto it = pages_.find(page);
    if (it != pages_.end()) {
      Page& p = it->second;
      if (n == kPageBytes || (off == 0 && n >= p.written)) {  // nothing written is left: free the page
        recycle(std::move(p.bytes));
        erase(it);
      } else if (off + n >= p.written) {
        p.written = std::min(p.written, off);  // the discarded tail is past the mark: lower it
      } else if (off < p.written) {
        own(p);
        p.expected_ = 0;
        std::memset(p.bytes.get() + off, 0, n);
      }
    }
    addr += n;
    len -= n;
  }
}

}  // namespace cdma::memory

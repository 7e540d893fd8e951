// A counter shared by a process and the children it forks afterwards, to hand out work items: each call
// to next() in any of them returns a number no other call returned, counting up from 0. Processes that
// take the next item when they finish one keep busy until the work runs out, whatever each item costs and
// however the machine's other load slows one of them.
#pragma once

#include <atomic>
#include <cstddef>

namespace cdma::runner {

class SharedCounter {
 public:
  SharedCounter();  // throws std::runtime_error if the shared page cannot be mapped
  ~SharedCounter();
  SharedCounter(const SharedCounter&) = delete;
  SharedCounter& operator=(const SharedCounter&) = delete;

  size_t next() { return value_->fetch_add(1, std::memory_order_relaxed); }

 private:
  // Cross-process atomicity needs an atomic that is not implemented with a lock held in one process.
  static_assert(std::atomic<size_t>::is_always_lock_free);
  std::atomic<size_t>* value_;
};

}  // namespace cdma::runner

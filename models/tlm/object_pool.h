// Objects reused across transactions instead of built per transaction (a chunk buffer's bytes, a cost paid
// several times per chunk otherwise). Transactions can interleave (a thread waits inside a transport in AT
// mode), so every lease has its own object, which goes back to the pool when the lease ends.
#pragma once

#include <memory>
#include <vector>

namespace cdma::tlmx {

template <typename T>
class Pool {
 public:
  class Lease {
   public:
    explicit Lease(Pool& pool) : pool_(pool) {
      if (pool_.free_.empty()) {
        object_ = std::make_unique<T>();
      } else {
        object_ = std::move(pool_.free_.back());
        pool_.free_.pop_back();
      }
    }
    ~Lease() { pool_.free_.push_back(std::move(object_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    T& operator*() { return *object_; }

   private:
    Pool& pool_;
    std::unique_ptr<T> object_;
  };

 private:
  std::vector<std::unique_ptr<T>> free_;
};

}  // namespace cdma::tlmx

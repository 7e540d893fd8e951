#include "runner/shared_counter.h"

#include <sys/mman.h>

#include <new>
#include <stdexcept>

namespace cdma::runner {

SharedCounter::SharedCounter() {
  void* page =
      mmap(nullptr, sizeof(std::atomic<size_t>), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) throw std::runtime_error("mmap of a shared counter failed");
  value_ = new (page) std::atomic<size_t>(0);
}

SharedCounter::~SharedCounter() {
  munmap(value_, sizeof(std::atomic<size_t>));
}

}  // namespace cdma::runner

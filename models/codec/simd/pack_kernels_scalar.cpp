// Portable reference kernels: the behaviour every vector kernel must match byte for byte.
#include <cstring>

#include "codec/simd/pack_kernels.h"
#include "codec/simd/pack_loops.h"

namespace cdma::codec::simd {
namespace {

template <unsigned E>
uint64_t load_element(const uint8_t* p) {
  uint64_t v = 0;
  std::memcpy(&v, p, E);
  return v;
}

struct ScalarKernel {
  template <unsigned E>
  static uint64_t compress64(const uint8_t* in, uint8_t* out) {
    constexpr unsigned n = kVectorBytes / E;
    uint64_t mask = 0;
    size_t k = 0;
    for (unsigned i = 0; i < n; ++i) {
      const uint64_t v = load_element<E>(in + i * E);
      // Branch-free: always store, advance only on non-zero. Stays inside the dense worst-case room.
      std::memcpy(out + k * E, in + i * E, E);
      const uint64_t nz = v != 0;
      mask |= nz << i;
      k += nz;
    }
    return mask;
  }

  template <unsigned E>
  static void expand64(uint64_t mask, const uint8_t* src, const uint8_t* src_end, uint8_t* out) {
    constexpr unsigned n = kVectorBytes / E;
    if (src_end - src >= static_cast<ptrdiff_t>(kVectorBytes)) {
      // Branch-free: read the next packed element unconditionally (it is inside the input), keep it or zero
      // it.
      size_t k = 0;
      for (unsigned i = 0; i < n; ++i) {
        const uint64_t bit = (mask >> i) & 1;
        const uint64_t v = load_element<E>(src + k * E) & (0 - bit);
        std::memcpy(out + i * E, &v, E);
        k += bit;
      }
      return;
    }
    for (unsigned i = 0; i < n; ++i) {
      if ((mask >> i) & 1) {
        std::memcpy(out + i * E, src, E);
        src += E;
      } else {
        std::memset(out + i * E, 0, E);
      }
    }
  }

  template <unsigned E>
  static uint64_t nonzero64(const uint8_t* in) {
    constexpr unsigned n = kVectorBytes / E;
    uint64_t count = 0;
    for (unsigned i = 0; i < n; ++i) count += load_element<E>(in + i * E) != 0;
    return count;
  }
};

}  // namespace

const PackKernels& scalar_kernels() {
  static const PackKernels table = loops::make_table<ScalarKernel>(Isa::kScalar);
  return table;
}

}  // namespace cdma::codec::simd

// Internals of the activation generator shared with its vectorised kernel (activation_generator.cpp is the
// reference; the kernel must give the same bytes).
#pragma once

#include <cstdint>

namespace cdma::tensor::detail {

constexpr uint64_t kGamma = 0x9E3779B97F4A7C15ull;  // SplitMix64's Weyl increment

inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// True if the AVX-512 kernel was built, the CPU runs it (F, DQ) and neither CDMA_SIMD nor the override below
// rules it out.
bool avx512_generator_available();
// Tests compare the kernel with the scalar loop in one process.
void force_scalar_generator(bool on);

// fp32 elements [first, first + n) (first >= 1) of the stream `key`, written to out[0 .. 4n): the
// chain continues from *state (the previous element's) and leaves the last element's there; adds the number
// of non-zero elements to *nonzeros. Returns n.
uint64_t fill_f32_avx512(uint64_t key, uint64_t first, uint64_t n, uint64_t t0, uint64_t t1,
                         const uint32_t* table, uint8_t* out, uint64_t* state, uint64_t* nonzeros);

}  // namespace cdma::tensor::detail

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

// Element i of a stream draws mix64(key + (i + 1) * kGamma): SplitMix64 (Steele, Lea & Flood; passes
// BigCrush) read by index. Draws do not depend on each other, so blocks of them compute in parallel (the
// AVX-512 kernel does eight at a time) and give the same numbers in any order.
inline uint64_t draw(uint64_t key, uint64_t i) {
  return mix64(key + (i + 1) * kGamma);
}

// The top 53 bits of a draw as a double in [0, 1).
inline double unit_interval(uint64_t r) {
  return static_cast<double>(r >> 11) * 0x1.0p-53;
}

// Byte-wise little-endian stores keep the output identical on big-endian hosts; compilers fuse them into one
// store on little-endian ones.
inline void store_le32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
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

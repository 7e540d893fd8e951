// The activation generator's fp32 loop with AVX-512 (F, DQ): eight draws per vector, their halves regrouped
// into 16-element vectors (low halves for the chain's compares, high halves for the values), the chain as a
// carry chain over 64-element masks, values by gather. Same bytes as the scalar loop in
// activation_generator.cpp.
#include <immintrin.h>

#include <algorithm>

#include "tensor/generator_kernels.h"

namespace cdma::tensor::detail {

namespace {

// Shifts by an immediate through the zero-masking forms: GCC 12 warns about the undefined pass-through of
// the plain intrinsics (its bug 105593).
template <int N>
__m512i srli64(__m512i v) {
  return _mm512_maskz_srli_epi64(0xFF, v, N);
}
template <int N>
__m512i srli32(__m512i v) {
  return _mm512_maskz_srli_epi32(0xFFFF, v, N);
}

// u < t for 32-bit u and t <= 2^32, 16 lanes at a time, as an unsigned 32-bit compare u <= t - 1; t = 2^32
// (probability 1) becomes u <= 2^32 - 1, always. t = 0 (never) is masked off from the result by the caller,
// once per 64 elements, rather than in every compare.
struct Below {
  __m512i last;      // t - 1
  uint64_t enabled;  // all ones unless t = 0
  explicit Below(uint64_t t)
      : last(_mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(t - 1)))),
        enabled(t == 0 ? 0 : ~uint64_t{0}) {}
  uint64_t operator()(__m512i u) const { return _mm512_cmple_epu32_mask(u, last); }
};

}  // namespace

uint64_t fill_f32_avx512(uint64_t key, uint64_t first, uint64_t n, uint64_t t0, uint64_t t1,
                         const uint32_t* table, uint8_t* out, uint64_t* state, uint64_t* nonzeros) {
  const __m512i gamma = _mm512_set1_epi64(static_cast<long long>(kGamma));
  const __m512i c1 = _mm512_set1_epi64(static_cast<long long>(0xBF58476D1CE4E5B9ull));
  const __m512i c2 = _mm512_set1_epi64(static_cast<long long>(0x94D049BB133111EBull));
  const Below below_t0(t0), below_t1(t1);
  const __m512i vkey = _mm512_set1_epi64(static_cast<long long>(key));
  const __m512i lane = _mm512_set_epi64(8, 7, 6, 5, 4, 3, 2, 1);  // draw index i + 1 for lanes 0..7
  const __m512i noise = _mm512_set1_epi32(0xFFF);
  // The low (even) and high (odd) 32-bit halves of two vectors of draws, in element order.
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  const __m512i odd = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
  const __m512i step = _mm512_set1_epi64(static_cast<long long>(8 * kGamma));
  // key + (i + 1) * gamma for the next eight elements, advanced by 8 * gamma (wrapping, as the scalar does).
  __m512i weyl = _mm512_add_epi64(
      vkey,
      _mm512_mullo_epi64(_mm512_add_epi64(_mm512_set1_epi64(static_cast<long long>(first)), lane), gamma));
  auto draw = [&] {
    __m512i z = weyl;
    weyl = _mm512_add_epi64(weyl, step);
    z = _mm512_mullo_epi64(_mm512_xor_si512(z, srli64<30>(z)), c1);
    z = _mm512_mullo_epi64(_mm512_xor_si512(z, srli64<27>(z)), c2);
    return _mm512_xor_si512(z, srli64<31>(z));
  };
  uint64_t carry = *state, count = 0;
  for (uint64_t block = 0; block < n; block += 64) {
    const uint64_t m = std::min<uint64_t>(64, n - block);  // elements of this block to write
    __m512i high[4];                                       // the values' random bits, 16 elements each
    uint64_t a = 0, b = 0;
    for (int w = 0; w < 4; ++w) {
      const __m512i z0 = draw(), z1 = draw();
      // Compared as 32-bit lanes, 16 elements per compare: half the compares of 64-bit lanes.
      const __m512i u = _mm512_permutex2var_epi32(z0, even, z1);
      a |= below_t0(u) << (16 * w);
      b |= below_t1(u) << (16 * w);
      high[w] = _mm512_permutex2var_epi32(z0, odd, z1);
    }
    a &= below_t0.enabled;
    b &= below_t1.enabled;
    // s[i] = a[i] | (b[i] & s[i-1]), a implies b: the carries of a + b with carry-in s[-1]. Carries only move
    // up, so the elements past m (a short last block) do not change the first m.
    const uint64_t partial = a + b, sum = partial + carry;
    const uint64_t carry_out = static_cast<uint64_t>(partial < a) | static_cast<uint64_t>(sum < partial);
    const uint64_t valid = m == 64 ? ~uint64_t{0} : (uint64_t{1} << m) - 1;
    const uint64_t s = (((sum ^ a ^ b) >> 1) | (carry_out << 63)) & valid;
    carry = (s >> (m - 1)) & 1;
    count += static_cast<uint64_t>(__builtin_popcountll(s));
    for (uint64_t w = 0; 16 * w < m; ++w) {  // 16 elements per store
      const __m512i r = high[w];
      const __m512i q = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), 0xFFFF, srli32<20>(r), table, 4);
      // q ^ (r & noise) where the chain says non-zero, else 0 (0x78 is A ^ (B & C)).
      const __m512i bits =
          _mm512_maskz_ternarylogic_epi32(static_cast<__mmask16>(s >> (16 * w)), q, r, noise, 0x78);
      uint8_t* dst = out + 4 * (block + 16 * w);
      if (16 * w + 16 <= m) {
        _mm512_storeu_si512(dst, bits);
      } else {
        _mm512_mask_storeu_epi32(dst, static_cast<__mmask16>(valid >> (16 * w)), bits);
      }
    }
  }
  *state = carry;
  *nonzeros += count;
  return n;
}

}  // namespace cdma::tensor::detail

// AVX-512 kernels (F + BW + VBMI2): one compare and one compress per 64-byte vector, for every element width.
// This file alone is compiled with -mavx512*; dispatch.cpp only calls it on CPUs that report the features.
#include "codec/simd/pack_kernels.h"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VBMI2__)
#include <immintrin.h>

#include "codec/simd/pack_loops.h"

namespace cdma::codec::simd {
namespace {

struct Avx512Kernel {
  template <unsigned E>
  static uint64_t compress64(const uint8_t* in, uint8_t* out) {
    const __m512i v = _mm512_loadu_si512(in);
    if constexpr (E == 4) {
      const __mmask16 m = _mm512_test_epi32_mask(v, v);
      _mm512_storeu_si512(out, _mm512_maskz_compress_epi32(m, v));
      return m;
    } else if constexpr (E == 2) {
      const __mmask32 m = _mm512_test_epi16_mask(v, v);
      _mm512_storeu_si512(out, _mm512_maskz_compress_epi16(m, v));
      return m;
    } else {
      const __mmask64 m = _mm512_test_epi8_mask(v, v);
      _mm512_storeu_si512(out, _mm512_maskz_compress_epi8(m, v));
      return m;
    }
  }

  template <unsigned E>
  static void expand64(uint64_t mask, const uint8_t* src, const uint8_t* /*src_end*/, uint8_t* out) {
    // Masked loads suppress faults, so only the popcount(mask) elements that exist are touched.
    const unsigned k = static_cast<unsigned>(__builtin_popcountll(mask));
    if constexpr (E == 4) {
      const __mmask16 first = static_cast<__mmask16>((1u << k) - 1u);
      const __m512i packed = _mm512_maskz_loadu_epi32(first, src);
      _mm512_storeu_si512(out, _mm512_maskz_expand_epi32(static_cast<__mmask16>(mask), packed));
    } else if constexpr (E == 2) {
      const __mmask32 first = static_cast<__mmask32>(k == 32 ? ~0u : (1u << k) - 1u);
      const __m512i packed = _mm512_maskz_loadu_epi16(first, src);
      _mm512_storeu_si512(out, _mm512_maskz_expand_epi16(static_cast<__mmask32>(mask), packed));
    } else {
      const __mmask64 first = k == 64 ? ~0ull : (1ull << k) - 1ull;
      const __m512i packed = _mm512_maskz_loadu_epi8(first, src);
      _mm512_storeu_si512(out, _mm512_maskz_expand_epi8(mask, packed));
    }
  }

  template <unsigned E>
  static uint64_t nonzero64(const uint8_t* in) {
    const __m512i v = _mm512_loadu_si512(in);
    if constexpr (E == 4) return static_cast<uint64_t>(__builtin_popcount(_mm512_test_epi32_mask(v, v)));
    if constexpr (E == 2) return static_cast<uint64_t>(__builtin_popcount(_mm512_test_epi16_mask(v, v)));
    return static_cast<uint64_t>(__builtin_popcountll(_mm512_test_epi8_mask(v, v)));
  }
};

}  // namespace

const PackKernels* avx512_kernels() {
  static const PackKernels table = loops::make_table<Avx512Kernel>(Isa::kAvx512);
  return &table;
}

}  // namespace cdma::codec::simd

#else

namespace cdma::codec::simd {
const PackKernels* avx512_kernels() {
  return nullptr;
}
}  // namespace cdma::codec::simd

#endif

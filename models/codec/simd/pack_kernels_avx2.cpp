// AVX2 kernels: there is no compress instruction, so non-zeros are gathered with table-driven permutes
// (vpermd for 32-bit lanes, pshufb for 16- and 8-bit lanes), eight elements per table lookup.
// This file alone is compiled with -mavx2; dispatch.cpp only calls it on CPUs that report AVX2.
#include "codec/simd/pack_kernels.h"

#if defined(__AVX2__) && defined(__POPCNT__)
#include <immintrin.h>

#include <cstring>

#include "codec/simd/pack_loops.h"

namespace cdma::codec::simd {
namespace {

// Lookup tables indexed by an 8-bit mask (one bit per element of an 8-element group).
struct Tables {
  alignas(16) uint8_t compress8[256][8];    // k-th entry: position of the k-th set bit
  alignas(16) uint8_t compress16[256][16];  // the same, as byte pairs for 16-bit lanes
  alignas(16) uint8_t expand8[256][8];      // lane i: rank of bit i among set bits, 0x80 (zero) if clear
  alignas(16) uint8_t expand16[256][16];    // the same, as byte pairs
};

constexpr Tables make_tables() {
  Tables t{};
  for (unsigned m = 0; m < 256; ++m) {
    unsigned k = 0;
    for (unsigned i = 0; i < 8; ++i) {
      t.expand8[m][i] = 0x80;
      t.expand16[m][2 * i] = 0x80;
      t.expand16[m][2 * i + 1] = 0x80;
      if ((m >> i) & 1u) {
        t.compress8[m][k] = static_cast<uint8_t>(i);
        t.compress16[m][2 * k] = static_cast<uint8_t>(2 * i);
        t.compress16[m][2 * k + 1] = static_cast<uint8_t>(2 * i + 1);
        t.expand8[m][i] = static_cast<uint8_t>(k);
        t.expand16[m][2 * i] = static_cast<uint8_t>(2 * k);
        t.expand16[m][2 * i + 1] = static_cast<uint8_t>(2 * k + 1);
        ++k;
      }
    }
  }
  return t;
}

constexpr Tables kTables = make_tables();

inline __m128i load8(const uint8_t* p) {
  return _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
}
inline __m128i load16(const uint8_t* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

// Loads `n` bytes (n <= 16) without touching memory past them; the rest of the register is zero.
inline __m128i load_partial16(const uint8_t* p, size_t n, const uint8_t* end) {
  if (end - p >= 16) return load16(p);
  alignas(16) uint8_t tmp[16] = {};
  std::memcpy(tmp, p, n);
  return _mm_load_si128(reinterpret_cast<const __m128i*>(tmp));
}

inline __m128i load_partial8(const uint8_t* p, size_t n, const uint8_t* end) {
  if (end - p >= 8) return load8(p);
  alignas(16) uint8_t tmp[16] = {};
  std::memcpy(tmp, p, n);
  return _mm_load_si128(reinterpret_cast<const __m128i*>(tmp));
}

struct Avx2Kernel {
  template <unsigned E>
  static uint64_t compress64(const uint8_t* in, uint8_t* out) {
    uint64_t mask = 0;
    if constexpr (E == 4) {
      const __m256i zero = _mm256_setzero_si256();
      for (unsigned h = 0; h < 2; ++h) {
        const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + 32 * h));
        const unsigned m =
            ~static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(v, zero)))) &
            0xFFu;
        const __m256i idx = _mm256_cvtepu8_epi32(load8(kTables.compress8[m]));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm256_permutevar8x32_epi32(v, idx));
        out += 4 * __builtin_popcount(m);
        mask |= static_cast<uint64_t>(m) << (8 * h);
      }
    } else if constexpr (E == 2) {
      const __m128i zero = _mm_setzero_si128();
      for (unsigned q = 0; q < 4; ++q) {
        const __m128i v = load16(in + 16 * q);
        const __m128i z = _mm_cmpeq_epi16(v, zero);
        const unsigned m = ~static_cast<unsigned>(_mm_movemask_epi8(_mm_packs_epi16(z, z))) & 0xFFu;
        const __m128i c = _mm_shuffle_epi8(v, load16(kTables.compress16[m]));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out), c);
        out += 2 * __builtin_popcount(m);
        mask |= static_cast<uint64_t>(m) << (8 * q);
      }
    } else {
      const __m128i zero = _mm_setzero_si128();
      for (unsigned q = 0; q < 4; ++q) {
        const __m128i v = load16(in + 16 * q);
        const unsigned m16 = ~static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, zero))) & 0xFFFFu;
        const unsigned lo = m16 & 0xFFu, hi = m16 >> 8;
        _mm_storel_epi64(reinterpret_cast<__m128i*>(out), _mm_shuffle_epi8(v, load8(kTables.compress8[lo])));
        out += __builtin_popcount(lo);
        _mm_storel_epi64(reinterpret_cast<__m128i*>(out),
                         _mm_shuffle_epi8(_mm_srli_si128(v, 8), load8(kTables.compress8[hi])));
        out += __builtin_popcount(hi);
        mask |= static_cast<uint64_t>(m16) << (16 * q);
      }
    }
    return mask;
  }

  template <unsigned E>
  static void expand64(uint64_t mask, const uint8_t* src, const uint8_t* src_end, uint8_t* out) {
    if constexpr (E == 4) {
      const __m256i bits = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
      const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
      for (unsigned h = 0; h < 2; ++h) {
        const unsigned m = static_cast<unsigned>(mask >> (8 * h)) & 0xFFu;
        const int k = __builtin_popcount(m);
        __m256i packed;
        if (src_end - src >= 32) {
          packed = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src));
        } else {  // vpmaskmovd suppresses faults on the lanes it does not load
          packed = _mm256_maskload_epi32(reinterpret_cast<const int*>(src),
                                         _mm256_cmpgt_epi32(_mm256_set1_epi32(k), lane));
        }
        const __m256i idx = _mm256_cvtepu8_epi32(load8(kTables.expand8[m]));
        const __m256i keep =
            _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(static_cast<int>(m)), bits), bits);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * h),
                            _mm256_and_si256(_mm256_permutevar8x32_epi32(packed, idx), keep));
        src += 4 * k;
      }
    } else if constexpr (E == 2) {
      for (unsigned q = 0; q < 4; ++q) {
        const unsigned m = static_cast<unsigned>(mask >> (8 * q)) & 0xFFu;
        const size_t n = 2 * static_cast<size_t>(__builtin_popcount(m));
        const __m128i packed = load_partial16(src, n, src_end);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16 * q),
                         _mm_shuffle_epi8(packed, load16(kTables.expand16[m])));
        src += n;
      }
    } else {
      for (unsigned o = 0; o < 8; ++o) {
        const unsigned m = static_cast<unsigned>(mask >> (8 * o)) & 0xFFu;
        const size_t n = static_cast<size_t>(__builtin_popcount(m));
        const __m128i packed = load_partial8(src, n, src_end);
        _mm_storel_epi64(reinterpret_cast<__m128i*>(out + 8 * o),
                         _mm_shuffle_epi8(packed, load8(kTables.expand8[m])));
        src += n;
      }
    }
  }

  template <unsigned E>
  static uint64_t nonzero64(const uint8_t* in) {
    const __m256i zero = _mm256_setzero_si256();
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + 32));
    if constexpr (E == 4) {
      const unsigned za =
          static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(a, zero))));
      const unsigned zb =
          static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(b, zero))));
      return 16u - static_cast<uint64_t>(__builtin_popcount(za) + __builtin_popcount(zb));
    } else if constexpr (E == 2) {
      // Each zero 16-bit lane sets two mask bits.
      const unsigned za = static_cast<unsigned>(_mm256_movemask_epi8(_mm256_cmpeq_epi16(a, zero)));
      const unsigned zb = static_cast<unsigned>(_mm256_movemask_epi8(_mm256_cmpeq_epi16(b, zero)));
      return 32u - static_cast<uint64_t>(__builtin_popcount(za) + __builtin_popcount(zb)) / 2;
    } else {
      const unsigned za = static_cast<unsigned>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, zero)));
      const unsigned zb = static_cast<unsigned>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, zero)));
      return 64u - static_cast<uint64_t>(__builtin_popcount(za) + __builtin_popcount(zb));
    }
  }
};

}  // namespace

const PackKernels* avx2_kernels() {
  static const PackKernels table = loops::make_table<Avx2Kernel>(Isa::kAvx2);
  return &table;
}

}  // namespace cdma::codec::simd

#else

namespace cdma::codec::simd {
const PackKernels* avx2_kernels() {
  return nullptr;
}
}  // namespace cdma::codec::simd

#endif

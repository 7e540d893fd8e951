// Group loops shared by every instruction set. Each ISA's .cpp includes this and instantiates the loops with
// its own kernel type K, declared in an anonymous namespace: the instantiations then have internal linkage,
// so code compiled with -mavx512* can never be picked by the linker for another translation unit.
//
// K provides, for element size E in {1, 2, 4}:
//   static uint64_t compress64<E>(const uint8_t* in, uint8_t* out);  // packs non-zeros, returns the mask
//   static void expand64<E>(uint64_t mask, const uint8_t* src, const uint8_t* src_end, uint8_t* out);
//   static uint64_t nonzero64<E>(const uint8_t* in);                 // popcount of the mask
// Only builtins and memcpy are used here on purpose (no std templates: see above).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "codec/simd/pack_kernels.h"

namespace cdma::codec::simd::loops {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "mask layout assumes a little-endian host");

template <unsigned E>
constexpr size_t mask_bytes_per_vector() {
  return kVectorBytes / E / 8;
}

static inline void store_mask(uint8_t* at, uint64_t mask, size_t bytes) {
  std::memcpy(at, &mask, bytes);
}
static inline uint64_t load_mask(const uint8_t* at, size_t bytes) {
  uint64_t m = 0;
  std::memcpy(&m, at, bytes);
  return m;
}

template <class K, unsigned E, unsigned V>
size_t encode_interleaved(const uint8_t* in, size_t groups, uint8_t* out) {
  constexpr size_t mb = mask_bytes_per_vector<E>();
  uint8_t* o = out;
  for (size_t g = 0; g < groups; ++g) {
    uint8_t* header = o;
    o += mb * V;
    for (unsigned v = 0; v < V; ++v) {
      const uint64_t m = K::template compress64<E>(in, o);
      store_mask(header + v * mb, m, mb);
      o += static_cast<size_t>(__builtin_popcountll(m)) * E;
      in += kVectorBytes;
    }
  }
  return static_cast<size_t>(o - out);
}

template <class K, unsigned E, unsigned V>
size_t decode_interleaved(const uint8_t* in, size_t in_size, size_t groups, uint8_t* out) {
  constexpr size_t mb = mask_bytes_per_vector<E>();
  const uint8_t* p = in;
  const uint8_t* const end = in + in_size;
  for (size_t g = 0; g < groups; ++g) {
    if (static_cast<size_t>(end - p) < mb * V) return kDecodeFailed;
    uint64_t masks[V];
    size_t need = 0;
    for (unsigned v = 0; v < V; ++v) {
      masks[v] = load_mask(p + v * mb, mb);
      need += static_cast<size_t>(__builtin_popcountll(masks[v])) * E;
    }
    p += mb * V;
    if (static_cast<size_t>(end - p) < need) return kDecodeFailed;
    for (unsigned v = 0; v < V; ++v) {
      K::template expand64<E>(masks[v], p, end, out);
      p += static_cast<size_t>(__builtin_popcountll(masks[v])) * E;
      out += kVectorBytes;
    }
  }
  return static_cast<size_t>(p - in);
}

template <class K, unsigned E>
size_t encode_separate(const uint8_t* in, size_t groups, uint8_t* masks, uint8_t* data) {
  constexpr size_t mb = mask_bytes_per_vector<E>();
  uint8_t* o = data;
  for (size_t g = 0; g < groups; ++g) {
    const uint64_t m = K::template compress64<E>(in, o);
    store_mask(masks + g * mb, m, mb);
    o += static_cast<size_t>(__builtin_popcountll(m)) * E;
    in += kVectorBytes;
  }
  return static_cast<size_t>(o - data);
}

template <class K, unsigned E>
size_t decode_separate(const uint8_t* masks, const uint8_t* data, size_t data_size, size_t groups,
                       uint8_t* out) {
  constexpr size_t mb = mask_bytes_per_vector<E>();
  const uint8_t* p = data;
  const uint8_t* const end = data + data_size;
  for (size_t g = 0; g < groups; ++g) {
    const uint64_t m = load_mask(masks + g * mb, mb);
    const size_t need = static_cast<size_t>(__builtin_popcountll(m)) * E;
    if (static_cast<size_t>(end - p) < need) return kDecodeFailed;
    K::template expand64<E>(m, p, end, out);
    p += need;
    out += kVectorBytes;
  }
  return static_cast<size_t>(p - data);
}

template <class K, unsigned E>
uint64_t count_nonzero(const uint8_t* in, size_t vectors) {
  uint64_t n = 0;
  for (size_t v = 0; v < vectors; ++v, in += kVectorBytes) n += K::template nonzero64<E>(in);
  return n;
}

// Fills a PackKernels table with the loops instantiated for kernel type K.
template <class K>
PackKernels make_table(Isa isa) {
  PackKernels t{};
  t.isa = isa;
  t.encode_interleaved[0][0] = &encode_interleaved<K, 1, 1>;
  t.encode_interleaved[0][1] = &encode_interleaved<K, 1, 2>;
  t.encode_interleaved[1][0] = &encode_interleaved<K, 2, 1>;
  t.encode_interleaved[1][1] = &encode_interleaved<K, 2, 2>;
  t.encode_interleaved[2][0] = &encode_interleaved<K, 4, 1>;
  t.encode_interleaved[2][1] = &encode_interleaved<K, 4, 2>;
  t.decode_interleaved[0][0] = &decode_interleaved<K, 1, 1>;
  t.decode_interleaved[0][1] = &decode_interleaved<K, 1, 2>;
  t.decode_interleaved[1][0] = &decode_interleaved<K, 2, 1>;
  t.decode_interleaved[1][1] = &decode_interleaved<K, 2, 2>;
  t.decode_interleaved[2][0] = &decode_interleaved<K, 4, 1>;
  t.decode_interleaved[2][1] = &decode_interleaved<K, 4, 2>;
  t.encode_separate[0] = &encode_separate<K, 1>;
  t.encode_separate[1] = &encode_separate<K, 2>;
  t.encode_separate[2] = &encode_separate<K, 4>;
  t.decode_separate[0] = &decode_separate<K, 1>;
  t.decode_separate[1] = &decode_separate<K, 2>;
  t.decode_separate[2] = &decode_separate<K, 4>;
  t.count_nonzero[0] = &count_nonzero<K, 1>;
  t.count_nonzero[1] = &count_nonzero<K, 2>;
  t.count_nonzero[2] = &count_nonzero<K, 4>;
  return t;
}

}  // namespace cdma::codec::simd::loops

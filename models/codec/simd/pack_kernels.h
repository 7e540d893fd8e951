// Kernels that pack the non-zero elements of 64-byte vectors behind a bitmask, and expand them back.
// ZV (128-byte groups, interleaved masks) and ZCOMP (64-byte groups, interleaved or separate masks) are both
// built from these. One table per instruction set; the tables are bit-identical in what they produce.
//
// Index `w` is log2 of the element size: 0 = 8-bit, 1 = 16-bit, 2 = 32-bit.
// Index `g` is the group size: 0 = one 64-byte vector per mask header, 1 = two (128-byte ZV blocks).
//
// Contract shared by every kernel (the MaskPacker enforces it):
// - encode_*: `out` has room for groups * (mask bytes + group bytes), the dense worst case. Kernels may store
//   full vectors inside that room but never past it.
// - decode_*: never read outside [in, in + in_size) and write exactly groups * group bytes to `out`.
//   They return the number of input bytes consumed, or kDecodeFailed if the input ends too early.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cdma::codec::simd {

enum class Isa : uint8_t { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

constexpr size_t kVectorBytes = 64;
constexpr size_t kDecodeFailed = ~size_t{0};

struct PackKernels {
  Isa isa;
  size_t (*encode_interleaved[3][2])(const uint8_t* in, size_t groups, uint8_t* out);
  size_t (*decode_interleaved[3][2])(const uint8_t* in, size_t in_size, size_t groups, uint8_t* out);
  // Separate layout, 64-byte groups: masks to `masks` (mask bytes each), packed elements to `data`.
  // Returns the data bytes written.
  size_t (*encode_separate[3])(const uint8_t* in, size_t groups, uint8_t* masks, uint8_t* data);
  // Returns the data bytes consumed, or kDecodeFailed if `data_size` is too small for the masks.
  size_t (*decode_separate[3])(const uint8_t* masks, const uint8_t* data, size_t data_size, size_t groups,
                               uint8_t* out);
  // Number of non-zero elements in `vectors` 64-byte vectors.
  uint64_t (*count_nonzero[3])(const uint8_t* in, size_t vectors);
};

const PackKernels& scalar_kernels();
// These return nullptr when the compiler could not build them; use dispatch.h to pick one the CPU runs.
const PackKernels* avx2_kernels();
const PackKernels* avx512_kernels();

}  // namespace cdma::codec::simd

// IEEE 754 binary16 <-> binary32 conversion on bit patterns. Integer-only so the result is the same on every
// compiler and CPU (no dependence on F16C, _Float16 support or the current rounding mode).
#pragma once

#include <cstdint>
#include <cstring>

namespace cdma::tensor {

// Round-to-nearest-even, like numpy's float32 -> float16 cast: overflow gives +-inf, values below half the
// smallest subnormal give +-0, NaN stays a (quiet) NaN.
inline uint16_t float_to_half_bits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  const auto sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const uint32_t abs = bits & 0x7FFFFFFFu;

  if (abs >= 0x7F800000u) {  // inf or NaN; keep the top payload bits and force quiet so NaN stays NaN
    const uint32_t nan_bits = abs > 0x7F800000u ? (0x0200u | ((abs >> 13) & 0x03FFu)) : 0u;
    return static_cast<uint16_t>(sign | 0x7C00u | nan_bits);
  }
  if (abs < 0x38800000u) {    // below 2^-14, the smallest normal half: result is subnormal or zero
    if (abs < 0x33000000u) {  // below 2^-25 (half of the smallest subnormal): rounds to zero
      return sign;
    }
    // value = mantissa * 2^(exp - 150); in units of the half subnormal step 2^-24 that is a right shift by
    // (126 - exp), which is 14..24 here.
    const uint32_t exp = abs >> 23;
    const uint32_t mantissa = (abs & 0x007FFFFFu) | 0x00800000u;
    const uint32_t shift = 126u - exp;
    // Round to nearest even without a branch (see below); a carry to 0x400 is the smallest normal: correct.
    const uint32_t q = (mantissa + ((1u << (shift - 1u)) - 1u) + ((mantissa >> shift) & 1u)) >> shift;
    return static_cast<uint16_t>(sign | q);
  }
  // Normal: rebias the exponent (127 -> 15) and drop 13 mantissa bits. A rounding carry propagates into the
  // exponent, and past the largest finite value (65504) into the inf encoding, as it should.
  const uint32_t rebased = abs - 0x38000000u;
  // Adding just under half an ulp, plus 1 when the kept part is odd, carries exactly when the dropped bits
  // are above half, or at half with an odd result. Branch-free because the outcome is a coin flip for random
  // data and mispredictions cost more than the conversion.
  uint32_t q = (rebased + 0x0FFFu + ((rebased >> 13) & 1u)) >> 13;
  if (q > 0x7C00u) q = 0x7C00u;  // far above 65504 the rebased exponent would run into the sign bit
  return static_cast<uint16_t>(sign | q);
}

// Exact: every binary16 value is representable in binary32.
inline float half_bits_to_float(uint16_t half) {
  const uint32_t sign = static_cast<uint32_t>(half & 0x8000u) << 16;
  const uint32_t exp = (half >> 10) & 0x1Fu;
  const uint32_t mantissa = half & 0x03FFu;
  uint32_t bits;
  if (exp == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {  // subnormal: mantissa * 2^-24, exact in float
      float magnitude = static_cast<float>(mantissa) * (1.0f / 16777216.0f);
      std::memcpy(&bits, &magnitude, sizeof(bits));
      bits |= sign;
    }
  } else if (exp == 0x1Fu) {
    bits = sign | 0x7F800000u | (mantissa << 13);
  } else {
    bits = sign | ((exp + 112u) << 23) | (mantissa << 13);
  }
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

}  // namespace cdma::tensor

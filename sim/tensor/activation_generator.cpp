#include "tensor/activation_generator.h"

#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "codec/simd/dispatch.h"
#include "tensor/generator_kernels.h"
#include "tensor/half_float.h"

// Reproducibility rules for this file: the PRNG is our own (std:: distributions differ between standard
// libraries), floating point uses only + - * / and sqrt (correctly rounded by IEEE 754) plus exact operations
// such as frexp and fabs, and the build disables FMA contraction for this target. libm's log is not used
// because its last-bit accuracy differs between implementations.

namespace cdma::tensor {

namespace detail {

namespace {
std::atomic<bool> forced_scalar{false};
}  // namespace

void force_scalar_generator(bool on) {
  forced_scalar = on;
}

bool avx512_generator_available() {
#if defined(__x86_64__)
  static const bool usable = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                             codec::simd::best_isa() == codec::simd::Isa::kAvx512;
  return usable && !forced_scalar;
#else
  return false;
#endif
}

}  // namespace detail

namespace {

using detail::draw;
using detail::store_le32;

// Natural log for x > 0 from exact range reduction and a fixed polynomial: x = m * 2^e with m in
// [sqrt(1/2), sqrt(2)), ln(m) = 2 atanh(f) with f = (m-1)/(m+1), |f| < 0.172; the series stops where its
// remainder is below 1e-17 relative, so the result is within about an ulp of the true log.
double portable_log(double x) {
  int e = 0;
  double m = std::frexp(x, &e);  // exact; m in [0.5, 1)
  if (m < 0.70710678118654752440) {
    m *= 2.0;
    --e;
  }
  const double f = (m - 1.0) / (m + 1.0);
  const double f2 = f * f;
  // sum_{k=0..11} f2^k / (2k+1) by Estrin's scheme: a shorter dependency chain than Horner's, which matters
  // because this runs once per pair of non-zero values. The grouping is fixed, so the rounding is too.
  const double f4 = f2 * f2;
  const double f8 = f4 * f4;
  const double p01 = 1.0 + f2 * (1.0 / 3);
  const double p23 = 1.0 / 5 + f2 * (1.0 / 7);
  const double p45 = 1.0 / 9 + f2 * (1.0 / 11);
  const double p67 = 1.0 / 13 + f2 * (1.0 / 15);
  const double p89 = 1.0 / 17 + f2 * (1.0 / 19);
  const double p1011 = 1.0 / 21 + f2 * (1.0 / 23);
  const double p0_3 = p01 + f4 * p23;
  const double p4_7 = p45 + f4 * p67;
  const double p8_11 = p89 + f4 * p1011;
  const double p = p0_3 + f8 * (p4_7 + f8 * p8_11);
  return static_cast<double>(e) * 0.69314718055994530942 + 2.0 * f * p;
}

// Inverse of the standard normal CDF, Acklam's rational approximation (relative error < 1.2e-9), built from
// + - * / sqrt and portable_log only, so it gives the same doubles everywhere.
double normal_quantile(double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  const double low = 0.02425;
  if (p < low || p > 1 - low) {
    const double q = std::sqrt(-2 * portable_log(p < low ? p : 1 - p));
    const double x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                     ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    return p < low ? x : -x;
  }
  const double q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

// |N(0,1)| as float32 bits: a 32-bit draw picks one of kQuantiles equally likely quantile bins (top bits) and
// randomises the low kNoiseBits of the mantissa (the rest), so each value is the bin's mid-quantile perturbed
// by less than 2^-11 relative. One table lookup per value instead of a log and a square root: the generator
// has to keep up with the platform model, which moves gigabytes.
constexpr int kQuantileBits = 12;
constexpr uint32_t kNoiseBits = 12;
constexpr size_t kQuantiles = size_t{1} << kQuantileBits;

const std::vector<uint32_t>& half_normal_table() {
  static const std::vector<uint32_t> table = [] {
    std::vector<uint32_t> t(kQuantiles);
    for (size_t j = 0; j < kQuantiles; ++j) {
      const double u = (static_cast<double>(j) + 0.5) / static_cast<double>(kQuantiles);
      const auto f = static_cast<float>(normal_quantile(0.5 + 0.5 * u));  // > 0: the smallest is ~1.5e-4
      std::memcpy(&t[j], &f, sizeof(f));
    }
    return t;
  }();
  return table;
}

uint32_t half_normal_bits(const uint32_t* table, uint32_t r) {
  return table[r >> (32 - kQuantileBits)] ^ (r & ((1u << kNoiseBits) - 1));
}

// Writers store one element's value: the bits for a non-zero element from 32 random bits, or zero.
struct Float32Writer {
  static constexpr size_t kBytes = 4;
  const uint32_t* table = half_normal_table().data();
  void store(uint8_t* p, bool nonzero, uint32_t r) const {
    // A mask, not a conditional: the compiler would make it a branch, mispredicted at random zero patterns.
    store_le32(p, half_normal_bits(table, r) & (0u - static_cast<uint32_t>(nonzero)));
  }
};

struct Float16Writer {  // the float32 value rounded to fp16; the smallest quantile (~1.5e-4) stays non-zero
  static constexpr size_t kBytes = 2;
  const uint32_t* table = half_normal_table().data();
  void store(uint8_t* p, bool nonzero, uint32_t r) const {
    float f;
    const uint32_t bits = half_normal_bits(table, r);
    std::memcpy(&f, &bits, sizeof(f));
    const auto half = static_cast<uint16_t>(float_to_half_bits(f) & (0u - static_cast<uint32_t>(nonzero)));
    p[0] = static_cast<uint8_t>(half);
    p[1] = static_cast<uint8_t>(half >> 8);
  }
};

struct ByteWriter {  // int8 and uint8: uniform in 1..127 (multiply-shift of 32 random bits), the same bytes
  static constexpr size_t kBytes = 1;
  void store(uint8_t* p, bool nonzero, uint32_t r) const {
    *p = static_cast<uint8_t>((1 + ((uint64_t{r} * 127) >> 32)) & (0u - static_cast<uint32_t>(nonzero)));
  }
};

// P(u < threshold) = p for u uniform in [0, 2^32), p rounded to a multiple of 2^-32; p = 1 gives 2^32,
// which every u is below.
uint64_t threshold(double p) {
  if (p <= 0.0) return 0;
  if (p >= 1.0) return uint64_t{1} << 32;
  return static_cast<uint64_t>(std::llround(p * 4294967296.0));
}

// One 64-bit draw per element: the low half decides the chain's next state, the high half is the value if the
// element is non-zero. s[0] = (u[0] < P(non-zero)); then s[i] = (u[i] < T0) | ((u[i] < T1) & s[i-1]) with T0
// = P(zero -> non-zero) <= T1 = P(non-zero -> non-zero): the threshold picked by the state without a branch
// or a table lookup on the chain's critical path. Values are computed for every element and masked, so
// nothing branches on the random pattern. Writes elements [pos.next, pos.next + count) to out and advances
// pos; returns the number of non-zero elements.
template <typename Writer>
uint64_t fill(const ActivationStream::Chain& chain, uint64_t count, const Writer& writer, uint8_t* out,
              ActivationStream::Position& pos) {
  uint64_t nonzeros = 0, i = 0;
  if (count > 0 && pos.next == 0) {
    const uint64_t r = draw(chain.key, 0);
    pos.state = (r & 0xFFFFFFFFu) < chain.t_first;
    writer.store(out, pos.state != 0, static_cast<uint32_t>(r >> 32));
    nonzeros = pos.state;
    i = 1;
  }
#if defined(__x86_64__)
  if constexpr (std::is_same_v<Writer, Float32Writer>) {
    if (detail::avx512_generator_available() && i < count) {
      i += detail::fill_f32_avx512(chain.key, pos.next + i, count - i, chain.t0, chain.t1, writer.table,
                                   out + 4 * i, &pos.state, &nonzeros);
    }
  }
#endif
  for (; i < count; ++i) {
    const uint64_t r = draw(chain.key, pos.next + i);
    const uint64_t u = r & 0xFFFFFFFFu;
    pos.state = static_cast<uint64_t>(u < chain.t0) | (static_cast<uint64_t>(u < chain.t1) & pos.state);
    writer.store(out + i * Writer::kBytes, pos.state != 0, static_cast<uint32_t>(r >> 32));
    nonzeros += pos.state;
  }
  pos.next += count;
  return nonzeros;
}

template <typename T>
std::string to_text(T value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace

void validate(const ActivationSpec& spec) {
  switch (spec.dtype) {
    case DType::kFloat32:
    case DType::kFloat16:
    case DType::kInt8:
    case DType::kUint8:
      break;
    default:
      throw std::invalid_argument("dtype must be one of float32, float16, int8, uint8, got value " +
                                  std::to_string(static_cast<int>(spec.dtype)));
  }
  // Written as !(in range) so that NaN is rejected too.
  if (!(spec.density >= 0.0 && spec.density <= 1.0)) {
    throw std::invalid_argument("density must be in [0, 1], got " + to_text(spec.density));
  }
  if (!(spec.clustering >= 0.0 && spec.clustering < 1.0)) {
    throw std::invalid_argument("clustering must be in [0, 1), got " + to_text(spec.clustering));
  }
}

ActivationStream::ActivationStream(const ActivationSpec& spec) : dtype_(spec.dtype) {
  validate(spec);
  const double d = spec.density, c = spec.clustering;
  chain_.key = detail::mix64(spec.seed ^ 0x5DEECE66Dull);  // nearby seeds give unrelated streams
  chain_.t_first = threshold(d);
  chain_.t0 = threshold(d * (1.0 - c));
  chain_.t1 = threshold(1.0 - (1.0 - d) * (1.0 - c));
}

uint64_t ActivationStream::fill(cdma::codec::MutableByteSpan out) {
  const size_t esize = element_bytes(dtype_);
  if (out.size() % esize != 0) {
    throw std::invalid_argument("activation stream: " + std::to_string(out.size()) +
                                " bytes is not a whole number of " + to_string(dtype_) + " elements");
  }
  const uint64_t count = out.size() / esize;
  switch (dtype_) {
    case DType::kFloat32:
      return tensor::fill(chain_, count, Float32Writer{}, out.data(), pos_);
    case DType::kFloat16:
      return tensor::fill(chain_, count, Float16Writer{}, out.data(), pos_);
    case DType::kInt8:
    case DType::kUint8:
      break;
  }
  return tensor::fill(chain_, count, ByteWriter{}, out.data(), pos_);
}

uint64_t generate_activations_into(const ActivationSpec& spec, cdma::codec::MutableByteSpan out) {
  return ActivationStream(spec).fill(out);
}

std::vector<uint8_t> generate_activations(const ActivationSpec& spec, uint64_t element_count) {
  validate(spec);
  const size_t esize = element_bytes(spec.dtype);
  if (element_count > std::numeric_limits<size_t>::max() / esize) {
    throw std::length_error("generate_activations: " + std::to_string(element_count) + " elements of " +
                            to_string(spec.dtype) + " do not fit in memory");
  }
  std::vector<uint8_t> out(static_cast<size_t>(element_count) * esize);
  generate_activations_into(spec, cdma::codec::MutableByteSpan(out.data(), out.size()));
  return out;
}

NpyArray generate_npy(const ActivationSpec& spec, const std::vector<uint64_t>& shape) {
  NpyArray array;
  array.dtype = spec.dtype;
  array.shape = shape;
  array.data = generate_activations(spec, array.element_count());
  return array;
}

uint64_t count_nonzero(cdma::codec::ByteSpan data, size_t element_bytes) {
  if (element_bytes == 0) throw std::invalid_argument("count_nonzero: element_bytes must be positive");
  if (data.size() % element_bytes != 0) {
    throw std::invalid_argument("count_nonzero: " + std::to_string(data.size()) +
                                " bytes is not a whole number of " + std::to_string(element_bytes) +
                                "-byte elements");
  }
  const size_t count = data.size() / element_bytes;
  uint64_t nonzero = 0;
  const uint8_t* p = data.data();
  // Fixed-width loads for the common sizes: this runs over whole benchmark inputs.
  if (element_bytes == 4) {
    for (size_t i = 0; i < count; ++i) {
      uint32_t v;
      std::memcpy(&v, p + 4 * i, 4);
      nonzero += v != 0;
    }
  } else if (element_bytes == 2) {
    for (size_t i = 0; i < count; ++i) {
      uint16_t v;
      std::memcpy(&v, p + 2 * i, 2);
      nonzero += v != 0;
    }
  } else if (element_bytes == 1) {
    for (size_t i = 0; i < count; ++i) nonzero += p[i] != 0;
  } else {
    for (size_t i = 0; i < count; ++i) {
      const uint8_t* e = p + i * element_bytes;
      bool any = false;
      for (size_t b = 0; b < element_bytes; ++b) any |= e[b] != 0;
      nonzero += any;
    }
  }
  return nonzero;
}

double measured_density(cdma::codec::ByteSpan data, size_t element_bytes) {
  const uint64_t nonzero = count_nonzero(data, element_bytes);  // validates
  const size_t count = data.size() / element_bytes;
  return count == 0 ? 0.0 : static_cast<double>(nonzero) / static_cast<double>(count);
}

}  // namespace cdma::tensor

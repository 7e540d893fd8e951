#include "tensor/activation_generator.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

#include "tensor/half_float.h"

// Reproducibility rules for this file: the PRNG is our own (std:: distributions differ between standard
// libraries), floating point uses only + - * / and sqrt (correctly rounded by IEEE 754) plus exact operations
// such as frexp and fabs, and the build disables FMA contraction for this target. libm's log is not used
// because its last-bit accuracy differs between implementations.

namespace cdma::tensor {
namespace {

uint64_t splitmix64(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// xoshiro256** (Blackman & Vigna): fast, 256-bit state, passes BigCrush; seeded through splitmix64 as its
// authors recommend so that nearby seeds give unrelated streams.
class Xoshiro256 {
 public:
  explicit Xoshiro256(uint64_t seed) {
    for (uint64_t& word : s_) word = splitmix64(&seed);
  }

  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform integer in [0, 2^53), the resolution of a double in [0, 1).
  uint64_t next53() { return next() >> 11; }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

constexpr double kTwoPow53 = 9007199254740992.0;

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

// |N(0,1)| by Marsaglia's polar method, which needs only log and sqrt; the second value of each pair is kept.
class AbsNormal {
 public:
  explicit AbsNormal(Xoshiro256* rng) : rng_(rng) {}

  double next() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    for (;;) {
      // Multiples of 2^-52 in [-1, 1): both steps are exact.
      const double u = static_cast<double>(rng_->next53()) * (1.0 / 4503599627370496.0) - 1.0;
      const double v = static_cast<double>(rng_->next53()) * (1.0 / 4503599627370496.0) - 1.0;
      const double s = u * u + v * v;
      if (s >= 1.0 || s == 0.0) continue;
      const double factor = std::sqrt(-2.0 * portable_log(s) / s);
      spare_ = std::fabs(v * factor);
      has_spare_ = true;
      return std::fabs(u * factor);
    }
  }

 private:
  Xoshiro256* rng_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

// Byte-wise little-endian stores keep the output identical on big-endian hosts; compilers fuse them into one
// store on little-endian ones.
void store_le32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}

uint32_t nonzero_float_bits(AbsNormal* normal) {
  for (;;) {
    const auto f = static_cast<float>(normal->next());
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof(bits));
    if (bits != 0) return bits;  // only an exact 0 draw (u == 0) gets here with zero bits
  }
}

struct Float32Writer {
  static constexpr size_t kBytes = 4;
  AbsNormal normal;
  void write(uint8_t* p) { store_le32(p, nonzero_float_bits(&normal)); }
};

struct Float16Writer {
  static constexpr size_t kBytes = 2;
  AbsNormal normal;
  void write(uint8_t* p) {
    for (;;) {
      float f;
      const uint32_t bits = nonzero_float_bits(&normal);
      std::memcpy(&f, &bits, sizeof(f));
      const uint16_t half = float_to_half_bits(f);
      if (half != 0) {  // draws below 2^-25 round to zero in fp16
        p[0] = static_cast<uint8_t>(half);
        p[1] = static_cast<uint8_t>(half >> 8);
        return;
      }
    }
  }
};

struct ByteWriter {  // int8 and uint8: uniform in 1..127, the same bytes for both
  static constexpr size_t kBytes = 1;
  Xoshiro256* rng;
  void write(uint8_t* p) {
    for (;;) {
      const auto value = static_cast<uint8_t>(rng->next() >> 57);  // uniform 0..127; reject 0, exact
      if (value != 0) {
        *p = value;
        return;
      }
    }
  }
};

// P(u < threshold) = p for u uniform in [0, 2^53); p = 1 gives 2^53, which every u is below.
uint64_t threshold(double p) {
  if (p <= 0.0) return 0;
  if (p >= 1.0) return static_cast<uint64_t>(kTwoPow53);
  return static_cast<uint64_t>(std::llround(p * kTwoPow53));
}

// One uniform draw per element decides the chain's next state; the threshold depends only on the current
// state, so the loop has no per-element allocation or division.
template <typename Writer>
void fill(const ActivationSpec& spec, uint64_t count, Xoshiro256* rng, Writer* writer, uint8_t* out) {
  if (count == 0) return;
  const double d = spec.density, c = spec.clustering;
  const uint64_t first = threshold(d);
  const uint64_t from_zero = threshold(d * (1.0 - c));                   // P(zero -> non-zero)
  const uint64_t from_nonzero = threshold(1.0 - (1.0 - d) * (1.0 - c));  // P(non-zero -> non-zero)
  bool nonzero = rng->next53() < first;
  if (nonzero) writer->write(out);
  for (uint64_t i = 1; i < count; ++i) {
    nonzero = rng->next53() < (nonzero ? from_nonzero : from_zero);
    if (nonzero) writer->write(out + i * Writer::kBytes);
  }
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

std::vector<uint8_t> generate_activations(const ActivationSpec& spec, uint64_t element_count) {
  validate(spec);
  const size_t esize = element_bytes(spec.dtype);
  if (element_count > std::numeric_limits<size_t>::max() / esize) {
    throw std::length_error("generate_activations: " + std::to_string(element_count) + " elements of " +
                            to_string(spec.dtype) + " do not fit in memory");
  }
  std::vector<uint8_t> out(static_cast<size_t>(element_count) * esize);  // zero-filled: zeros need no writes
  Xoshiro256 rng(spec.seed);
  switch (spec.dtype) {
    case DType::kFloat32: {
      Float32Writer writer{AbsNormal(&rng)};
      fill(spec, element_count, &rng, &writer, out.data());
      break;
    }
    case DType::kFloat16: {
      Float16Writer writer{AbsNormal(&rng)};
      fill(spec, element_count, &rng, &writer, out.data());
      break;
    }
    case DType::kInt8:
    case DType::kUint8: {
      ByteWriter writer{&rng};
      fill(spec, element_count, &rng, &writer, out.data());
      break;
    }
  }
  return out;
}

NpyArray generate_npy(const ActivationSpec& spec, const std::vector<uint64_t>& shape) {
  NpyArray array;
  array.dtype = spec.dtype;
  array.shape = shape;
  array.data = generate_activations(spec, array.element_count());
  return array;
}

double measured_density(cdma::codec::ByteSpan data, size_t element_bytes) {
  if (element_bytes == 0) throw std::invalid_argument("measured_density: element_bytes must be positive");
  if (data.size() % element_bytes != 0) {
    throw std::invalid_argument("measured_density: " + std::to_string(data.size()) +
                                " bytes is not a whole number of " + std::to_string(element_bytes) +
                                "-byte elements");
  }
  const size_t count = data.size() / element_bytes;
  if (count == 0) return 0.0;
  size_t nonzero = 0;
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
  return static_cast<double>(nonzero) / static_cast<double>(count);
}

}  // namespace cdma::tensor

// Synthetic ReLU-like activations with a target density and zero clustering, deterministic from the seed: the
// same spec gives the same bytes with any compiler, standard library or CPU, so benchmark inputs are
// reproducible from the four numbers in the spec.
//
// Zero/non-zero pattern: a two-state Markov chain over elements with stationary P(non-zero) = density and
// lag-1 correlation = clustering (0 = independent, scattered zeros; close to 1 = long runs). With d = density
// and c = clustering: P(zero -> nonzero) = d(1-c), P(nonzero -> zero) = (1-d)(1-c); mean zero-run length
// 1/(d(1-c)), mean non-zero run length 1/((1-d)(1-c)). The first element is drawn from the stationary
// distribution. density 0 gives all zeros, 1 all non-zero.
// Runs are drawn whole (exact geometric lengths), so the cost is per run and per non-zero value, not per
// element.
// Non-zero values: float32 = |N(0,1)| at 4096-quantile resolution: one of 4096 equally likely bins, the bin's
// mid-quantile with its low 12 mantissa bits random (never +0.0 or -0.0); float16 = the float32 value
// rounded to fp16 (never zero: the smallest quantile is ~1.5e-4); int8/uint8 = uniform in 1..127.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "codec/bytes.h"
#include "tensor/npy_file.h"

namespace cdma::tensor {

struct ActivationSpec {
  DType dtype = DType::kFloat32;
  double density = 0.35;    // fraction of non-zero elements, in [0, 1]
  double clustering = 0.0;  // in [0, 1)
  uint64_t seed = 1;
};

// Throws std::invalid_argument naming the field, e.g. "density must be in [0, 1], got 1.5".
void validate(const ActivationSpec& spec);

// Returns element_count elements of raw little-endian bytes (element_count * element_bytes(dtype)). Validates
// the spec; throws std::length_error if the byte count does not fit in size_t.
std::vector<uint8_t> generate_activations(const ActivationSpec& spec, uint64_t element_count);

// Fills `out` (a whole number of elements, any prior content) with the elements generate_activations gives
// for the same spec and out.size() / element_bytes elements; returns how many are non-zero.
uint64_t generate_activations_into(const ActivationSpec& spec, cdma::codec::MutableByteSpan out);

// A spec's elements in consecutive runs: fill(a) then fill(b) writes what generate_activations_into writes
// to a and b back to back. For memory that is not contiguous (the pages of a memory image).
class ActivationStream {
 public:
  // Validates the spec (as generate_activations).
  explicit ActivationStream(const ActivationSpec& spec);
  // Writes the next out.size() bytes (a whole number of elements, else std::invalid_argument); returns how
  // many of those elements are non-zero.
  uint64_t fill(cdma::codec::MutableByteSpan out);

  // The chain's constants (thresholds on the low 32 bits of a draw) and where the stream is.
  struct Chain {
    uint64_t key = 0, t_first = 0, t0 = 0, t1 = 0;
  };
  struct Position {
    uint64_t next = 0;   // index of the next element
    uint64_t state = 0;  // whether the last element written is non-zero
  };

 private:
  DType dtype_;
  Chain chain_;
  Position pos_;
};

// The same elements as generate_activations(spec, product of shape), wrapped as an array of that shape.
NpyArray generate_npy(const ActivationSpec& spec, const std::vector<uint64_t>& shape);

// Fraction of elements whose bytes are not all zero (so -0.0 counts as non-zero, matching the ZV codec).
// Returns 0 for empty data; throws std::invalid_argument if element_bytes is 0 or does not divide
// data.size().
double measured_density(cdma::codec::ByteSpan data, size_t element_bytes);
// The number of such elements; the same errors.
uint64_t count_nonzero(cdma::codec::ByteSpan data, size_t element_bytes);

}  // namespace cdma::tensor

// Fits a layer's activation model (activation_model.h) to a captured tensor [batch, *sample_shape] of
// float32: the statistics are counted, not assumed (dead planes, run-length histograms, per-channel constants
// and their chain, the quantiles of the other values). One parameter is calibrated rather than counted: the
// zero-run scale, set so that tensors drawn from the model have the captured density in their live planes
// (raw histograms include runs cut at plane ends, which biases a generator that cuts them again).
#pragma once

#include <cstdint>

#include "codec/bytes.h"
#include "tensor/activation_model.h"
#include "tensor/npy_file.h"

namespace cdma::tensor {

// Throws std::invalid_argument for a dtype other than float32, or an array without a batch dimension and at
// least one element per sample.
LayerActivationModel fit_layer(const NpyArray& array);

// Sets the zero-run scale so that tensors drawn from `m` have `density` overall (dead planes kept at their
// fraction): the same structure at another density, as a densities file gives per layer. Calibrated by secant
// steps on 4 Mi elements drawn from one seed, to 0.1 %; a density the dead planes make unreachable (>= 1 -
// dead fraction) is left as is.
void retarget_density(LayerActivationModel& m, double density);
// The same, calibrated on the very draw (seed, samples) that will be used: that draw then has `density` to
// 0.1 % (a fresh draw differs by its sampling noise, up to ~2 % for sparse maps with long non-zero runs).
void retarget_density(LayerActivationModel& m, double density, uint64_t seed, uint64_t samples);

// Fraction of 128-byte blocks (ZV's block; a shorter last block counts) whose bytes are all zero.
double all_zero_block_fraction(codec::ByteSpan data);

}  // namespace cdma::tensor

// Tensors drawn from a fitted activation model (activation_model.h), deterministic from the seed like the
// synthetic generator: counter-based SplitMix64 draws, + - * / only, so the same model and seed give the same
// bytes everywhere. Each plane (one channel of one sample) is drawn on its own from (seed, plane index), so
// any range of a tensor can be written without the elements before it.
//
// A plane: dead (all zero) with its channel's dead fraction, stratified over the samples (golden-ratio
// sequence); otherwise alternating runs from the zero-run and non-zero-run histograms (zero runs x
// zero_run_scale, rounded up with the probability of the fraction), the first run non-zero with
// start_nonzero_fraction, the last cut at the plane's end. Non-zero values: a two-state chain along the
// plane's non-zero elements (per channel; entered with its repeat fraction) picks a repeated value of the
// channel (the previous one again with the same-after-repeat probability, else one drawn by its count) or a
// value interpolated between two adjacent quantiles of the channel's table. float32 only (what the captures
// and the training model hold).
#pragma once

#include <cstdint>
#include <vector>

#include "codec/bytes.h"
#include "tensor/activation_model.h"

namespace cdma::tensor {

class FittedGenerator {
 public:
  FittedGenerator(const LayerActivationModel& model, uint64_t seed);

  // The last plane drawn, kept by a caller that fills a plane in several calls so that it is drawn once.
  struct PlaneCache {
    uint64_t index = UINT64_MAX;
    std::vector<uint32_t> plane;
  };

  // Elements [first, first + out.size() / 4) of the tensor (samples back to back, C order) as float32
  // little-endian bytes; returns how many are non-zero. out.size() must be a multiple of 4.
  uint64_t fill(uint64_t first, codec::MutableByteSpan out) const;
  uint64_t fill(uint64_t first, codec::MutableByteSpan out, PlaneCache& cache) const;
  // `samples` whole samples.
  std::vector<uint8_t> generate(uint64_t samples) const;
  const LayerActivationModel& model() const { return model_; }

 private:
  void plane(uint64_t index, uint32_t* out) const;
  static uint64_t draw_run(const std::vector<uint64_t>& cumulative, const RunHistogram& h, uint64_t r);

  LayerActivationModel model_;
  uint64_t key_;
  // Per channel: cumulative counts of its run histograms.
  std::vector<std::vector<uint64_t>> zero_cumulative_, nonzero_cumulative_;
  // Per channel: the repeated values' bits and their cumulative counts.
  std::vector<std::vector<uint32_t>> repeat_bits_;
  std::vector<std::vector<uint64_t>> repeat_cumulative_;
};

}  // namespace cdma::tensor

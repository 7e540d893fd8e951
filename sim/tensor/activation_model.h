// A per-layer model of real activations, fitted from captured tensors (activation_fitter.h) rather than
// invented: how zeros are laid out (dead planes, the lengths of zero and non-zero runs within a plane) and
// what the non-zero values are (per channel: the values that repeat, such as the constant ReLU(bias) leaves
// over a flat background, and a quantile table of the others). fitted_generator.h draws tensors from it. File
// format "cdma-activation-model/1", documented in docs/formats.md; every field is checked on load and a bad
// one is named with its file.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace cdma::tensor {

// A histogram of run lengths: (length, how many runs of that length), lengths strictly increasing.
using RunHistogram = std::vector<std::pair<uint64_t, uint64_t>>;

// One channel of a layer (its plane in every sample): how often it is dead, the values that repeat in it and
// when, and the distribution of its other values. Per channel because channels differ in kind: one whose
// bias is negative is zero over a flat background (often dead), one whose bias is positive is a constant
// there.
struct ChannelModel {
  double dead_fraction = 0;           // of its planes, those with no non-zero element
  double start_nonzero_fraction = 0;  // of its live planes, those whose first element is non-zero
  RunHistogram zero_runs,
      nonzero_runs;  // in its live planes, as they appear (runs cut by a plane's end included)
  // Its repeated values: up to kMaxRepeatedValues, the most frequent ones that occur at least twice (a
  // constant such as ReLU(bias) over a background, or the levels of quantised pixels), most frequent first.
  std::vector<std::pair<float, uint64_t>> repeated_values;  // (value, count)
  // A two-state chain along a plane's non-zero elements: entered with repeat_fraction (of the channel's
  // non-zeros, those that are repeated values), then P(repeated | previous repeated), P(repeated | previous
  // not), and for a repeated one after a repeated one, P(the same value again).
  double repeat_fraction = 0;
  double repeat_after_repeat = 0;
  double repeat_after_varied = 0;
  double same_after_repeat = 0;
  // Its other non-zero values: kValueQuantiles quantiles, min to max; drawn by linear interpolation between
  // two adjacent ones.
  std::vector<float> quantiles;
};

struct LayerActivationModel {
  // Layout of one sample, C order: `channels` planes of `plane_elements` each (rank >= 2 after the batch:
  // shape[0] channels of the rest; a vector is one plane, one channel).
  std::vector<uint64_t> sample_shape;
  uint64_t channels = 1;
  uint64_t plane_elements = 1;
  // The generator multiplies drawn zero-run lengths by this (fitted so the generated density equals the real
  // one: runs cut at plane ends make the raw histograms slightly biased; retarget_density moves it).
  double zero_run_scale = 1;
  std::vector<ChannelModel> channel;  // one per channel
  // What the fit measured, for reports (the generator does not read these).
  double density = 0;
  double dead_plane_fraction = 0;
  double repeat_fraction = 0;          // of all non-zeros, repeated values of their channel
  double all_zero_block_fraction = 0;  // of 128-byte blocks (ZV's block)
  uint64_t samples = 0;

  uint64_t sample_elements() const { return channels * plane_elements; }
  // Mean over channels of the dead fraction: the expected fraction of dead planes.
  double expected_dead_fraction() const;
};

constexpr size_t kValueQuantiles = 65;
constexpr size_t kMaxRepeatedValues = 256;
constexpr double kMinZeroRunScale = 0.01, kMaxZeroRunScale = 100;
constexpr const char* kActivationModelFormat = "cdma-activation-model/1";

class ActivationModelError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ActivationModel {
  std::string source;  // where it was fitted from
  std::map<std::string, LayerActivationModel> layers;

  nlohmann::json to_json() const;
  // Checks every field; errors name `name` (the file) and the field, e.g.
  // "m.json: layers.relu1.channels[3].dead_fraction must be in [0, 1], got 1.5".
  static ActivationModel from_json(const nlohmann::json& j, const std::string& name);
  static ActivationModel load(const std::string& path);
  void save(const std::string& path) const;
};

}  // namespace cdma::tensor

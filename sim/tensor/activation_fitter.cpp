#include "tensor/activation_fitter.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <stdexcept>
#include <unordered_map>

#include "codec/zv_codec.h"
#include "tensor/activation_generator.h"
#include "tensor/fitted_generator.h"

namespace cdma::tensor {

namespace {

// At most about this many values per channel are kept for its quantile table (an even stride over the rest):
// plenty for 65 quantiles.
constexpr size_t kMaxValueSample = size_t{1} << 16;
// Calibration draws at least this many elements (the fitted tensor may be small) and iterates this often.
constexpr uint64_t kCalibrationElements = uint64_t{1} << 22;
constexpr int kCalibrationRounds = 12;
constexpr double kCalibrationTolerance = 1e-3;  // relative
constexpr uint64_t kCalibrationSeed = 0xCA11B8A7E;

uint32_t element(const uint8_t* data, uint64_t i) {
  uint32_t v;
  std::memcpy(&v, data + 4 * i, 4);  // little-endian host assumed, as the codecs' fast paths
  return v;
}

float as_float(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

// kValueQuantiles quantiles of `values`, min to max (all 1.0 for none).
std::vector<float> quantiles(std::vector<float> values) {
  std::vector<float> table(kValueQuantiles, 1.0f);
  if (values.empty()) return table;
  std::sort(values.begin(), values.end());
  for (size_t j = 0; j < kValueQuantiles; ++j) {
    const double rank =
        static_cast<double>(j) / (kValueQuantiles - 1) * static_cast<double>(values.size() - 1);
    table[j] = values[static_cast<size_t>(rank + 0.5)];
  }
  return table;
}

RunHistogram to_histogram(const std::map<uint64_t, uint64_t>& counts) {
  return RunHistogram(counts.begin(), counts.end());
}

}  // namespace

double all_zero_block_fraction(codec::ByteSpan data) {
  if (data.empty()) return 0;
  uint64_t blocks = 0, zero = 0;
  for (size_t off = 0; off < data.size(); off += codec::ZvCodec::kBlockBytes) {
    const size_t end = std::min(data.size(), off + codec::ZvCodec::kBlockBytes);
    ++blocks;
    zero += std::all_of(data.data() + off, data.data() + end, [](uint8_t b) { return b == 0; });
  }
  return static_cast<double>(zero) / static_cast<double>(blocks);
}

LayerActivationModel fit_layer(const NpyArray& a) {
  if (a.dtype != DType::kFloat32)
    throw std::invalid_argument(std::string("only float32 activations can be fitted, got ") +
                                to_string(a.dtype));
  if (a.shape.size() < 2 || a.element_count() == 0)
    throw std::invalid_argument("a captured tensor needs a batch dimension and elements: [batch, ...]");
  LayerActivationModel m;
  m.sample_shape.assign(a.shape.begin() + 1, a.shape.end());
  m.samples = a.shape[0];
  m.channels = m.sample_shape.size() >= 2 ? m.sample_shape[0] : 1;
  m.plane_elements = a.element_count() / m.samples / m.channels;
  const uint64_t n = m.plane_elements, planes = m.samples * m.channels;
  const uint8_t* data = a.data.data();

  // Pass 1: per channel, how often each non-zero value occurs; its repeated values are the most frequent
  // ones that occur at least twice.
  m.channel.assign(m.channels, {});
  std::vector<std::unordered_map<uint32_t, size_t>> repeat_index(m.channels);  // value bits -> slot
  for (uint64_t c = 0; c < m.channels; ++c) {
    std::unordered_map<uint32_t, uint64_t> counts;
    for (uint64_t s = 0; s < m.samples; ++s) {
      const uint64_t p = s * m.channels + c;
      for (uint64_t i = 0; i < n; ++i) {
        const uint32_t v = element(data, p * n + i);
        if (v != 0) ++counts[v];
      }
    }
    std::vector<std::pair<uint64_t, uint32_t>> frequent;  // (count, value)
    for (const auto& [v, count] : counts) {
      if (count >= 2) frequent.emplace_back(count, v);
    }
    // Most frequent first; ties by value so the fit does not depend on the hash map's order.
    std::sort(frequent.begin(), frequent.end(), [](const auto& x, const auto& y) {
      return x.first != y.first ? x.first > y.first : x.second < y.second;
    });
    if (frequent.size() > kMaxRepeatedValues) frequent.resize(kMaxRepeatedValues);
    for (const auto& [count, v] : frequent) {
      repeat_index[c][v] = m.channel[c].repeated_values.size();
      m.channel[c].repeated_values.emplace_back(as_float(v), count);
    }
  }

  // Pass 2: dead planes, runs, the repeat chain, the other values (per channel, sampled evenly).
  uint64_t dead = 0, nonzeros = 0;
  // Per channel: dead planes and the repeat chain's counts.
  struct ChainCounts {
    uint64_t dead = 0, start_nonzero = 0, nonzeros = 0, repeats = 0, after_repeat = 0,
             repeat_after_repeat = 0, after_varied = 0, repeat_after_varied = 0, same_candidates = 0,
             same = 0;
    std::map<uint64_t, uint64_t> zero_runs, nonzero_runs;
  };
  std::vector<ChainCounts> chain(m.channels);
  std::vector<std::vector<float>> values(m.channels);
  const uint64_t per_channel = m.samples * n;
  const uint64_t stride = std::max<uint64_t>(1, per_channel / kMaxValueSample);
  std::vector<uint64_t> varied_seen(m.channels, 0);
  for (uint64_t p = 0; p < planes; ++p) {
    const uint8_t* plane = data + 4 * p * n;
    const uint64_t channel = p % m.channels;
    uint64_t nz = 0;
    for (uint64_t i = 0; i < n; ++i) nz += element(plane, i) != 0;
    if (nz == 0) {
      ++dead;
      ++chain[channel].dead;
      continue;
    }
    nonzeros += nz;
    const auto& index = repeat_index[channel];
    ChainCounts& cc = chain[channel];
    cc.nonzeros += nz;
    bool state = element(plane, 0) != 0;
    cc.start_nonzero += state;
    uint64_t run = 0;
    bool first = true, previous_repeated = false;
    uint32_t previous = 0;
    for (uint64_t i = 0; i < n; ++i) {
      const uint32_t v = element(plane, i);
      if ((v != 0) != state) {
        ++(state ? cc.nonzero_runs : cc.zero_runs)[run];
        state = v != 0;
        run = 0;
      }
      ++run;
      if (v == 0) continue;
      const bool repeated = index.count(v) > 0;
      cc.repeats += repeated;
      if (!first) {
        if (previous_repeated) {
          ++cc.after_repeat;
          cc.repeat_after_repeat += repeated;
          if (repeated) {
            ++cc.same_candidates;
            cc.same += v == previous;
          }
        } else {
          ++cc.after_varied;
          cc.repeat_after_varied += repeated;
        }
      }
      first = false;
      previous_repeated = repeated;
      previous = v;
      if (!repeated && varied_seen[channel]++ % stride == 0) values[channel].push_back(as_float(v));
    }
    ++(state ? cc.nonzero_runs : cc.zero_runs)[run];
  }
  auto ratio = [](uint64_t num, uint64_t den) { return den == 0 ? 0.0 : static_cast<double>(num) / den; };
  m.dead_plane_fraction = ratio(dead, planes);
  uint64_t repeats = 0;
  for (uint64_t c = 0; c < m.channels; ++c) {
    const ChainCounts& cc = chain[c];
    ChannelModel& ch = m.channel[c];
    ch.dead_fraction = ratio(cc.dead, m.samples);
    ch.start_nonzero_fraction = ratio(cc.start_nonzero, m.samples - cc.dead);
    ch.zero_runs = to_histogram(cc.zero_runs);
    ch.nonzero_runs = to_histogram(cc.nonzero_runs);
    ch.repeat_fraction = ratio(cc.repeats, cc.nonzeros);
    ch.repeat_after_repeat = ratio(cc.repeat_after_repeat, cc.after_repeat);
    ch.repeat_after_varied = ratio(cc.repeat_after_varied, cc.after_varied);
    ch.same_after_repeat = ratio(cc.same, cc.same_candidates);
    repeats += cc.repeats;
  }
  m.repeat_fraction = ratio(repeats, nonzeros);
  // A channel without other values (all repeated, or dead) borrows the layer's table; never drawn if none.
  std::vector<float> all;
  for (const auto& v : values) all.insert(all.end(), v.begin(), v.end());
  const std::vector<float> layer_table = quantiles(std::move(all));
  for (uint64_t c = 0; c < m.channels; ++c)
    m.channel[c].quantiles = values[c].empty() ? layer_table : quantiles(std::move(values[c]));
  m.density = ratio(nonzeros, a.element_count());
  m.all_zero_block_fraction = all_zero_block_fraction(codec::ByteSpan(a.data.data(), a.data.size()));

  retarget_density(m, m.density);
  return m;
}

void retarget_density(LayerActivationModel& m, double density) {
  retarget_density(m, density, kCalibrationSeed,
                   kCalibrationElements / std::max<uint64_t>(1, m.sample_elements()) + 1);
}

void retarget_density(LayerActivationModel& m, double density, uint64_t seed, uint64_t samples) {
  if (!(density >= 0 && density <= 1)) throw std::invalid_argument("density must be in [0, 1]");
  // Only zero runs are scaled: a model without any (all live planes dense) cannot move.
  const bool has_zero_runs = std::any_of(m.channel.begin(), m.channel.end(),
                                         [](const ChannelModel& ch) { return !ch.zero_runs.empty(); });
  const double dead = m.expected_dead_fraction();
  if (dead >= 1 || !has_zero_runs) return;
  if (!(density > 0 && density < 1 - dead)) return;
  // Secant steps on log(scale) against the log-odds of the density, every draw from the same seed so that
  // the density is a deterministic, monotone function of the scale (common random numbers). Measured over
  // whole tensors: a live plane can draw no non-zero at all, which a density over live planes would miss.
  auto log_odds = [](double d) { return std::log((1 - d) / d); };
  auto error_at = [&](double log_scale) {
    m.zero_run_scale = std::exp(log_scale);
    const std::vector<uint8_t> g = FittedGenerator(m, seed).generate(samples);
    const double got = measured_density(codec::ByteSpan(g.data(), g.size()), 4);
    return std::pair<double, double>{got, log_odds(std::clamp(got, 1e-9, 1 - 1e-9)) - log_odds(density)};
  };
  const double lo = std::log(kMinZeroRunScale), hi = std::log(kMaxZeroRunScale);
  double x0 = std::log(m.zero_run_scale);
  auto [got0, e0] = error_at(x0);
  // The odds of zero against non-zero grow about linearly with the scale: the first step.
  double x1 = std::clamp(x0 - e0, lo, hi);
  double best_x = x0, best = std::abs(got0 - density);
  for (int round = 0; round < kCalibrationRounds && x1 != x0; ++round) {
    const auto [got1, e1] = error_at(x1);
    if (std::abs(got1 - density) < best) best = std::abs(got1 - density), best_x = x1;
    if (best <= kCalibrationTolerance * density || e1 == e0) break;
    const double next = std::clamp(x1 - e1 * (x1 - x0) / (e1 - e0), lo, hi);
    x0 = x1, e0 = e1, x1 = next;
  }
  m.zero_run_scale = std::exp(best_x);
}

}  // namespace cdma::tensor

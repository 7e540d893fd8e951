#include "tensor/fitted_generator.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "tensor/generator_kernels.h"

namespace cdma::tensor {

namespace {

constexpr double kGoldenFraction = 0.6180339887498949;  // (sqrt(5) - 1) / 2: the most even sequence

// A plane's draws, one after the other from its stream (detail::draw).
struct Draws {
  uint64_t key;
  uint64_t i = 0;
  uint64_t next() { return detail::draw(key, i++); }
  double uniform() { return detail::unit_interval(next()); }
};

uint32_t bits_of(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof(b));
  return b;
}

std::vector<uint64_t> cumulative(const RunHistogram& h) {
  std::vector<uint64_t> c;
  uint64_t sum = 0;
  for (const auto& entry : h) c.push_back(sum += entry.second);
  return c;
}

}  // namespace

FittedGenerator::FittedGenerator(const LayerActivationModel& model, uint64_t seed)
    : model_(model), key_(detail::mix64(seed ^ 0xF177ED5EEDull)) {
  if (model_.channel.size() != model_.channels || model_.channels == 0 || model_.plane_elements == 0) {
    throw std::invalid_argument(
        "fitted generator: inconsistent model (check it with ActivationModel::from_json)");
  }
  for (const ChannelModel& ch : model_.channel) {
    zero_cumulative_.push_back(cumulative(ch.zero_runs));
    nonzero_cumulative_.push_back(cumulative(ch.nonzero_runs));
    if (ch.quantiles.size() != kValueQuantiles)
      throw std::invalid_argument("fitted generator: a channel without its quantile table");
    std::vector<uint32_t> bits;
    std::vector<uint64_t> cum;
    uint64_t sum = 0;
    for (const auto& [value, count] : ch.repeated_values) {
      bits.push_back(bits_of(value));
      cum.push_back(sum += count);
    }
    repeat_bits_.push_back(bits);
    repeat_cumulative_.push_back(cum);
  }
}

uint64_t FittedGenerator::draw_run(const std::vector<uint64_t>& cum, const RunHistogram& h, uint64_t r) {
  // An integer in [0, total) by multiply-high (no modulo bias worth the name), then the bucket it falls in.
  const uint64_t x = static_cast<uint64_t>((static_cast<unsigned __int128>(r) * cum.back()) >> 64);
  return h[static_cast<size_t>(std::upper_bound(cum.begin(), cum.end(), x) - cum.begin())].first;
}

void FittedGenerator::plane(uint64_t index, uint32_t* out) const {
  const uint64_t n = model_.plane_elements;
  Draws d{detail::mix64(key_ + index * detail::kGamma)};
  const size_t channel = static_cast<size_t>(index % model_.channels);
  const ChannelModel& ch = model_.channel[channel];
  // Dead or live: stratified over the channel's samples (a golden-ratio sequence from a per-channel offset),
  // so any run of samples holds the dead fraction to within one plane per channel instead of drawing it
  // (a channel's planes are few and large, and their draw was the largest noise in a tensor's density).
  const uint64_t sample = index / model_.channels;
  const double offset = detail::unit_interval(detail::mix64(key_ ^ (channel * detail::kGamma)));
  const double position = offset + static_cast<double>(sample) * kGoldenFraction;
  d.uniform();  // keeps the plane's draws as they were
  if (position - static_cast<double>(static_cast<uint64_t>(position)) < ch.dead_fraction ||
      ch.nonzero_runs.empty()) {
    std::fill(out, out + n, 0u);
    return;
  }
  const std::vector<uint32_t>& repeats = repeat_bits_[channel];
  const std::vector<uint64_t>& repeat_cum = repeat_cumulative_[channel];
  const bool has_repeats = !repeats.empty() && ch.repeat_fraction > 0;
  const float* q = ch.quantiles.data();
  bool nonzero = d.uniform() < ch.start_nonzero_fraction || ch.zero_runs.empty();
  bool first_value = true, repeated = false;
  uint32_t previous = 0;
  uint64_t pos = 0;
  while (pos < n) {
    uint64_t len;
    if (nonzero) {
      len = draw_run(nonzero_cumulative_[channel], ch.nonzero_runs, d.next());
    } else {
      const double scaled = static_cast<double>(draw_run(zero_cumulative_[channel], ch.zero_runs, d.next())) *
                            model_.zero_run_scale;
      // Rounded up with the probability of its fraction: lengths are whole, but their mean is scaled exactly,
      // so the density moves continuously with the scale (rounding to nearest moved it in steps).
      const auto whole = static_cast<uint64_t>(scaled);
      len = std::max<uint64_t>(1, whole + (d.uniform() < scaled - static_cast<double>(whole) ? 1 : 0));
    }
    len = std::min(len, n - pos);
    if (!nonzero) {
      std::fill(out + pos, out + pos + len, 0u);
    } else {
      for (uint64_t k = 0; k < len; ++k) {
        const bool was_repeated = repeated;
        if (has_repeats) {
          const double p = first_value    ? ch.repeat_fraction
                           : was_repeated ? ch.repeat_after_repeat
                                          : ch.repeat_after_varied;
          repeated = d.uniform() < p;
        }
        uint32_t v;
        if (repeated) {
          if (was_repeated && !first_value && d.uniform() < ch.same_after_repeat) {
            v = previous;
          } else {
            const uint64_t x =
                static_cast<uint64_t>((static_cast<unsigned __int128>(d.next()) * repeat_cum.back()) >> 64);
            v = repeats[static_cast<size_t>(std::upper_bound(repeat_cum.begin(), repeat_cum.end(), x) -
                                            repeat_cum.begin())];
          }
        } else {
          const double u = d.uniform() * static_cast<double>(kValueQuantiles - 1);
          const auto j = static_cast<size_t>(u);
          const double f = u - static_cast<double>(j);
          v = bits_of(static_cast<float>(static_cast<double>(q[j]) +
                                         f * (static_cast<double>(q[j + 1]) - static_cast<double>(q[j]))));
          // Interpolating across zero (signed values) can land on +0.0: keep the element non-zero.
          if (v == 0)
            v = bits_of(q[j]) != 0 ? bits_of(q[j]) : bits_of(q[j + 1]) != 0 ? bits_of(q[j + 1]) : 1u;
        }
        out[pos + k] = v;
        previous = v;
        first_value = false;
      }
    }
    pos += len;
    nonzero = !nonzero;
  }
}

uint64_t FittedGenerator::fill(uint64_t first, codec::MutableByteSpan out) const {
  PlaneCache cache;
  return fill(first, out, cache);
}

uint64_t FittedGenerator::fill(uint64_t first, codec::MutableByteSpan out, PlaneCache& cache) const {
  if (out.size() % 4 != 0)
    throw std::invalid_argument("fitted generator: not a whole number of float32 elements");
  const uint64_t count = out.size() / 4, n = model_.plane_elements;
  cache.plane.resize(static_cast<size_t>(n));
  uint64_t nonzeros = 0, done = 0;
  while (done < count) {
    const uint64_t element = first + done, index = element / n, offset = element % n;
    if (cache.index != index) {
      plane(index, cache.plane.data());
      cache.index = index;
    }
    const uint64_t take = std::min(n - offset, count - done);
    for (uint64_t k = 0; k < take; ++k) {
      const uint32_t v = cache.plane[offset + k];
      detail::store_le32(out.data() + 4 * (done + k), v);
      nonzeros += v != 0;
    }
    done += take;
  }
  return nonzeros;
}

std::vector<uint8_t> FittedGenerator::generate(uint64_t samples) const {
  std::vector<uint8_t> out(static_cast<size_t>(samples * model_.sample_elements() * 4));
  fill(0, codec::MutableByteSpan(out.data(), out.size()));
  return out;
}

}  // namespace cdma::tensor

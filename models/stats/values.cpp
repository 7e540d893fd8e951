#include "stats/values.h"

namespace cdma::stats {

uint64_t Histogram::count() const {
  uint64_t n = 0;
  for (uint64_t c : counts_) n += c;
  return n;
}

nlohmann::json Histogram::raw() const {
  size_t used = kBuckets;
  while (used > 0 && counts_[used - 1] == 0) --used;
  nlohmann::json counts = nlohmann::json::array();
  for (size_t b = 0; b < used; ++b) counts.push_back(counts_[b]);
  const uint64_t n = count();
  return {{"count", n},
          {"sum_ps", sum_ps_},
          {"min_ps", n == 0 ? 0 : min_ps_},
          {"max_ps", max_ps_},
          {"counts", counts}};
}

nlohmann::json Histogram::render(const nlohmann::json& raw) {
  const uint64_t n = raw.at("count").get<uint64_t>();
  nlohmann::json upper = nlohmann::json::array();
  for (size_t b = 0; b < raw.at("counts").size(); ++b) upper.push_back(uint64_t{1} << b);
  return {{"count", n},
          {"min_ns", static_cast<double>(raw.at("min_ps").get<uint64_t>()) / 1e3},
          {"max_ns", static_cast<double>(raw.at("max_ps").get<uint64_t>()) / 1e3},
          {"mean_ns", n == 0 ? 0.0 : static_cast<double>(raw.at("sum_ps").get<uint64_t>()) / 1e3 / n},
          {"bucket_upper_ns", upper},
          {"counts", raw.at("counts")}};
}

}  // namespace cdma::stats

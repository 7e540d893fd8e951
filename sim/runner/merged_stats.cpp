#include "runner/merged_stats.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>
#include <string>

namespace cdma::runner {

namespace {

using nlohmann::json;

bool starts_with(const std::string& s, const std::string& p) {
  return s.compare(0, p.size(), p) == 0;
}
bool ends_with(const std::string& s, const std::string& e) {
  return s.size() >= e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0;
}

// Settings of the platform, the same in every job.
const std::set<std::string> kConfiguration = {"gbps", "raw_gbps", "effective_gbps", "queue_depth",
                                              "capacity_bytes"};

int64_t picoseconds(double seconds) {
  return std::llround(seconds * 1e12);
}
double seconds(int64_t ps) {
  return static_cast<double>(ps) / 1e12;
}

class Merger {
 public:
  explicit Merger(const std::vector<json>& jobs) {
    for (const json& j : jobs) job_time_ps_.push_back(picoseconds(j.at("simulated_time_s").get<double>()));
    for (int64_t t : job_time_ps_) total_ps_ += t;
  }

  json merge(const std::vector<const json*>& v, const std::string& path) const {
    const json& first = *v.front();
    for (const json* j : v) {
      if (j->type() != first.type() || (j->is_object() && j->size() != first.size()) ||
          (j->is_array() && j->size() != first.size())) {
        throw std::invalid_argument("platform stats of the jobs differ in shape at " + path);
      }
    }
    if (first.is_object()) {
      json out = json::object();
      for (const auto& [key, value] : first.items()) {
        std::vector<const json*> parts;
        for (const json* j : v) {
          if (!j->contains(key)) throw std::invalid_argument("platform stats of the jobs differ at " + path);
          parts.push_back(&j->at(key));
        }
        out[key] =
            value.is_structured() ? merge(parts, path + "." + key) : leaf(parts, key, path + "." + key);
      }
      // Derived figures, from the merged ones they derive from.
      if (out.contains("busy_fraction"))
        out["busy_fraction"] = total_ps_ > 0 ? out.at("busy_s").get<double>() / seconds(total_ps_) : 0.0;
      if (out.contains("ratio")) {
        const char* original = out.contains("raw_bytes") ? "raw_bytes" : "original_bytes";
        const auto o = out.at(original).get<double>(), c = out.at("compressed_bytes").get<double>();
        out["ratio"] = c == 0 ? 1.0 : o / c;
      }
      return out;
    }
    json out = json::array();
    for (size_t i = 0; i < first.size(); ++i) {
      std::vector<const json*> parts;
      for (const json* j : v) parts.push_back(&j->at(i));
      const std::string p = path + "[" + std::to_string(i) + "]";
      out.push_back(first.at(i).is_structured() ? merge(parts, p) : leaf(parts, "", p));
    }
    return out;
  }

 private:
  json leaf(const std::vector<const json*>& v, const std::string& key, const std::string& path) const {
    const json& first = *v.front();
    if (first.is_string() || first.is_boolean() || kConfiguration.count(key)) {
      for (const json* j : v) {
        if (*j != first) throw std::invalid_argument("platform stats of the jobs disagree at " + path);
      }
      return first;
    }
    if (starts_with(key, "max_")) {
      json m = first;
      for (const json* j : v) m = std::max(m, *j);
      return m;
    }
    if (key == "busy_fraction" || key == "ratio") return first;  // recomputed by the caller
    if (starts_with(key, "mean_")) {  // time-weighted over each job's simulated time
      double sum = 0;
      for (size_t i = 0; i < v.size(); ++i) sum += v[i]->get<double>() * seconds(job_time_ps_[i]);
      return total_ps_ > 0 ? sum / seconds(total_ps_) : 0.0;
    }
    if (ends_with(key, "_s")) {
      int64_t ps = 0;
      for (const json* j : v) ps += picoseconds(j->get<double>());
      return seconds(ps);
    }
    if (first.is_number_integer()) {
      uint64_t sum = 0;
      for (const json* j : v) sum += j->get<uint64_t>();
      return sum;
    }
    throw std::invalid_argument("no rule to merge the jobs' platform stat " + path);
  }

  std::vector<int64_t> job_time_ps_;
  int64_t total_ps_ = 0;
};

}  // namespace

nlohmann::json merge_job_stats(const std::vector<nlohmann::json>& jobs) {
  if (jobs.empty()) return json::object();
  std::vector<const json*> v;
  for (const json& j : jobs) v.push_back(&j);
  return Merger(jobs).merge(v, "platform_stats");
}

}  // namespace cdma::runner

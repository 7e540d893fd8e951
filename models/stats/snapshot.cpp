#include "stats/snapshot.h"

#include <algorithm>
#include <stdexcept>

#include "stats/values.h"

namespace cdma::stats {

nlohmann::json Snapshot::to_wire() const {
  nlohmann::json values_j = nlohmann::json::object(), groups_j = nlohmann::json::object(),
                 lists_j = nlohmann::json::object();
  for (const auto& [name, v] : values)
    values_j[name] = nlohmann::json::array({kind_names().name(v.kind), v.raw});
  for (const auto& [name, g] : groups) groups_j[name] = g.to_wire();
  for (const auto& [name, l] : lists) {
    nlohmann::json& a = lists_j[name] = nlohmann::json::array();
    for (const Snapshot& s : l) a.push_back(s.to_wire());
  }
  return {{"elapsed_ps", elapsed_ps}, {"values", values_j}, {"groups", groups_j}, {"lists", lists_j}};
}

Snapshot Snapshot::from_wire(const nlohmann::json& w) {
  try {
    Snapshot s;
    s.elapsed_ps = w.at("elapsed_ps").get<int64_t>();
    for (const auto& [name, v] : w.at("values").items()) {
      s.values[name] = {kind_names().parse(v.at(0).get<std::string>()), v.at(1)};
    }
    for (const auto& [name, g] : w.at("groups").items()) s.groups[name] = from_wire(g);
    for (const auto& [name, l] : w.at("lists").items()) {
      std::vector<Snapshot>& out = s.lists[name];
      for (const nlohmann::json& e : l) out.push_back(from_wire(e));
    }
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("statistics snapshot: ") + e.what());
  }
}

namespace {

double seconds(int64_t ps) {
  return static_cast<double>(ps) / 1e12;
}

class Merger {
 public:
  explicit Merger(const std::vector<Snapshot>& jobs) {
    for (const Snapshot& s : jobs) {
      elapsed_ps_.push_back(s.elapsed_ps);
      total_ps_ += s.elapsed_ps;
    }
  }

  nlohmann::json node(const std::vector<const Snapshot*>& v, const std::string& path) const {
    const Snapshot& first = *v.front();
    for (const Snapshot* s : v) {
      if (!same_keys(s->values, first.values) || !same_keys(s->groups, first.groups) ||
          !same_keys(s->lists, first.lists)) {
        throw std::invalid_argument("statistics of the jobs differ in shape at " + path);
      }
    }
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [name, value] : first.values) {
      std::vector<const Snapshot::Value*> parts;
      for (const Snapshot* s : v) parts.push_back(&s->values.at(name));
      out[name] = leaf(parts, path + "." + name);
    }
    for (const auto& [name, group] : first.groups) {
      std::vector<const Snapshot*> parts;
      for (const Snapshot* s : v) parts.push_back(&s->groups.at(name));
      out[name] = node(parts, path + "." + name);
    }
    for (const auto& [name, list] : first.lists) {
      nlohmann::json& a = out[name] = nlohmann::json::array();
      for (size_t i = 0; i < list.size(); ++i) {
        std::vector<const Snapshot*> parts;
        for (const Snapshot* s : v) {
          if (s->lists.at(name).size() != list.size()) {
            throw std::invalid_argument("statistics of the jobs differ in shape at " + path + "." + name);
          }
          parts.push_back(&s->lists.at(name)[i]);
        }
        a.push_back(node(parts, path + "." + name + "[" + std::to_string(i) + "]"));
      }
    }
    return out;
  }

 private:
  template <typename Map>
  static bool same_keys(const Map& a, const Map& b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(),
                      [](const auto& x, const auto& y) { return x.first == y.first; });
  }

  nlohmann::json leaf(const std::vector<const Snapshot::Value*>& v, const std::string& path) const {
    const Kind kind = v.front()->kind;
    for (const Snapshot::Value* x : v) {
      if (x->kind != kind) throw std::invalid_argument("statistics of the jobs differ in kind at " + path);
    }
    const auto sum = [&](auto get) {
      decltype(get(*v.front())) s{};
      for (const Snapshot::Value* x : v) s += get(*x);
      return s;
    };
    switch (kind) {
      case Kind::kCounter:
      case Kind::kProbe:
        return sum([](const Snapshot::Value& x) { return x.raw.get<uint64_t>(); });
      case Kind::kMaximum: {
        uint64_t m = 0;
        for (const Snapshot::Value* x : v) m = std::max(m, x->raw.get<uint64_t>());
        return m;
      }
      case Kind::kTimeTotal:
      case Kind::kElapsedTime:
        return seconds(sum([](const Snapshot::Value& x) { return x.raw.get<int64_t>(); }));
      case Kind::kSetting:
        for (const Snapshot::Value* x : v) {
          if (x->raw != v.front()->raw)
            throw std::invalid_argument("statistics of the jobs disagree at " + path);
        }
        return v.front()->raw;
      case Kind::kFraction: {
        const double busy = seconds(sum([](const Snapshot::Value& x) { return x.raw.get<int64_t>(); }));
        return total_ps_ > 0 ? busy / seconds(total_ps_) : 0.0;
      }
      case Kind::kRatio: {
        const uint64_t n = sum([](const Snapshot::Value& x) { return x.raw.at(0).get<uint64_t>(); });
        const uint64_t d = sum([](const Snapshot::Value& x) { return x.raw.at(1).get<uint64_t>(); });
        return d == 0 ? 1.0 : static_cast<double>(n) / static_cast<double>(d);
      }
      case Kind::kTimeWeightedMean: {
        double weighted = 0;
        for (size_t i = 0; i < v.size(); ++i) weighted += v[i]->raw.get<double>() * seconds(elapsed_ps_[i]);
        return total_ps_ > 0 ? weighted / seconds(total_ps_) : 0.0;
      }
      case Kind::kHistogram:
        return Histogram::render(histogram(v));
    }
    throw std::invalid_argument("statistic of unknown kind at " + path);
  }

  static nlohmann::json histogram(const std::vector<const Snapshot::Value*>& v) {
    std::vector<uint64_t> counts;
    uint64_t count = 0, sum_ps = 0, min_ps = 0, max_ps = 0;
    for (const Snapshot::Value* x : v) {
      const nlohmann::json& h = x->raw;
      const uint64_t n = h.at("count").get<uint64_t>();
      if (n == 0) continue;
      const auto& c = h.at("counts");
      if (counts.size() < c.size()) counts.resize(c.size(), 0);
      for (size_t b = 0; b < c.size(); ++b) counts[b] += c[b].get<uint64_t>();
      min_ps = count == 0 ? h.at("min_ps").get<uint64_t>() : std::min(min_ps, h.at("min_ps").get<uint64_t>());
      max_ps = std::max(max_ps, h.at("max_ps").get<uint64_t>());
      count += n;
      sum_ps += h.at("sum_ps").get<uint64_t>();
    }
    return {{"count", count}, {"sum_ps", sum_ps}, {"min_ps", min_ps}, {"max_ps", max_ps}, {"counts", counts}};
  }

  std::vector<int64_t> elapsed_ps_;
  int64_t total_ps_ = 0;
};

}  // namespace

nlohmann::json merge(const std::vector<Snapshot>& jobs) {
  if (jobs.empty()) return nlohmann::json::object();
  std::vector<const Snapshot*> v;
  for (const Snapshot& s : jobs) v.push_back(&s);
  return Merger(jobs).node(v, "statistics");
}

}  // namespace cdma::stats

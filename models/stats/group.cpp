#include "stats/group.h"

#include <algorithm>
#include <stdexcept>

namespace cdma::stats {

namespace {

// The statistics of each kind: how the value is written and what merging needs.

class CounterStatistic : public Statistic {
 public:
  CounterStatistic(const char* name, Unit unit, const char* description, const Counter& v)
      : Statistic(name, unit, description), v_(v) {}
  Kind kind() const override { return Kind::kCounter; }
  nlohmann::json to_json(const sc_core::sc_time&) const override { return v_.value(); }
  nlohmann::json raw(const sc_core::sc_time&) const override { return v_.value(); }

 private:
  const Counter& v_;
};

class MaximumStatistic : public Statistic {
 public:
  MaximumStatistic(const char* name, Unit unit, const char* description, const Maximum& v)
      : Statistic(name, unit, description), v_(v) {}
  Kind kind() const override { return Kind::kMaximum; }
  nlohmann::json to_json(const sc_core::sc_time&) const override { return v_.value(); }
  nlohmann::json raw(const sc_core::sc_time&) const override { return v_.value(); }

 private:
  const Maximum& v_;
};

class TimeStatistic : public Statistic {
 public:
  TimeStatistic(const char* name, const char* description, const TimeTotal& v)
      : Statistic(name, Unit::kSeconds, description), v_(v) {}
  Kind kind() const override { return Kind::kTimeTotal; }
  nlohmann::json to_json(const sc_core::sc_time&) const override { return v_.value().to_seconds(); }
  nlohmann::json raw(const sc_core::sc_time&) const override { return picoseconds(v_.value()); }

 private:
  const TimeTotal& v_;
};

class MeanStatistic : public Statistic {
 public:
  MeanStatistic(const char* name, Unit unit, const char* description, const TimeWeightedMean& v)
      : Statistic(name, unit, description), v_(v) {}
  Kind kind() const override { return Kind::kTimeWeightedMean; }
  nlohmann::json to_json(const sc_core::sc_time& elapsed) const override { return v_.mean(elapsed); }
  nlohmann::json raw(const sc_core::sc_time& elapsed) const override { return v_.mean(elapsed); }

 private:
  const TimeWeightedMean& v_;
};

class HistogramStatistic : public Statistic {
 public:
  HistogramStatistic(const char* name, const char* description, const Histogram& v)
      : Statistic(name, Unit::kNanoseconds, description), v_(v) {}
  Kind kind() const override { return Kind::kHistogram; }
  nlohmann::json to_json(const sc_core::sc_time&) const override { return Histogram::render(v_.raw()); }
  nlohmann::json raw(const sc_core::sc_time&) const override { return v_.raw(); }

 private:
  const Histogram& v_;
};

class ProbeStatistic : public Statistic {
 public:
  ProbeStatistic(const char* name, Unit unit, const char* description, std::function<uint64_t()> read)
      : Statistic(name, unit, description), read_(std::move(read)) {}
  Kind kind() const override { return Kind::kProbe; }
  nlohmann::json to_json(const sc_core::sc_time&) const override { return read_(); }
  nlohmann::json raw(const sc_core::sc_time&) const override { return read_(); }

 private:
  std::function<uint64_t()> read_;
};

class SettingStatistic : public Statistic {
 public:
  SettingStatistic(const char* name, Unit unit, const char* description, nlohmann::json value)
      : Statistic(name, unit, description), value_(std::move(value)) {}
  Kind kind() const override { return Kind::kSetting; }
  nlohmann::json to_json(const sc_core::sc_time&) const override { return value_; }
  nlohmann::json raw(const sc_core::sc_time&) const override { return value_; }

 private:
  nlohmann::json value_;
};

class FractionStatistic : public Statistic {
 public:
  FractionStatistic(const char* name, const char* description, const TimeTotal& of)
      : Statistic(name, Unit::kFraction, description), of_(of) {}
  Kind kind() const override { return Kind::kFraction; }
  nlohmann::json to_json(const sc_core::sc_time& elapsed) const override {
    const double e = elapsed.to_seconds();
    return e > 0 ? of_.value().to_seconds() / e : 0.0;
  }
  nlohmann::json raw(const sc_core::sc_time&) const override { return picoseconds(of_.value()); }

 private:
  const TimeTotal& of_;
};

class RatioStatistic : public Statistic {
 public:
  RatioStatistic(const char* name, const char* description, const Counter& numerator,
                 const Counter& denominator)
      : Statistic(name, Unit::kRatio, description), numerator_(numerator), denominator_(denominator) {}
  Kind kind() const override { return Kind::kRatio; }
  nlohmann::json to_json(const sc_core::sc_time&) const override {
    const uint64_t d = denominator_.value();
    return d == 0 ? 1.0 : static_cast<double>(numerator_.value()) / static_cast<double>(d);
  }
  nlohmann::json raw(const sc_core::sc_time&) const override {
    return nlohmann::json::array({numerator_.value(), denominator_.value()});
  }

 private:
  const Counter& numerator_;
  const Counter& denominator_;
};

class ElapsedStatistic : public Statistic {
 public:
  ElapsedStatistic(const char* name, const char* description)
      : Statistic(name, Unit::kSeconds, description) {}
  Kind kind() const override { return Kind::kElapsedTime; }
  nlohmann::json to_json(const sc_core::sc_time& elapsed) const override { return elapsed.to_seconds(); }
  nlohmann::json raw(const sc_core::sc_time& elapsed) const override { return picoseconds(elapsed); }
};

}  // namespace

Group::Group() = default;
Group::~Group() = default;

void Group::claim(const std::string& name) {
  if (std::find(names_.begin(), names_.end(), name) != names_.end()) {
    throw std::logic_error("statistics group: '" + name + "' added twice");
  }
  names_.push_back(name);
}

Group& Group::own(std::unique_ptr<Statistic> s) {
  claim(s->name());
  statistics_.push_back(s.get());
  owned_.push_back(std::move(s));
  return *this;
}

Group& Group::add(const char* name, Unit unit, const char* description, const Counter& value) {
  return own(std::make_unique<CounterStatistic>(name, unit, description, value));
}
Group& Group::add(const char* name, Unit unit, const char* description, const Maximum& value) {
  return own(std::make_unique<MaximumStatistic>(name, unit, description, value));
}
Group& Group::add(const char* name, const char* description, const TimeTotal& value) {
  return own(std::make_unique<TimeStatistic>(name, description, value));
}
Group& Group::add(const char* name, Unit unit, const char* description, const TimeWeightedMean& value) {
  return own(std::make_unique<MeanStatistic>(name, unit, description, value));
}
Group& Group::add(const char* name, const char* description, const Histogram& value) {
  return own(std::make_unique<HistogramStatistic>(name, description, value));
}
Group& Group::add_probe(const char* name, Unit unit, const char* description,
                        std::function<uint64_t()> read) {
  return own(std::make_unique<ProbeStatistic>(name, unit, description, std::move(read)));
}
Group& Group::add_setting(const char* name, Unit unit, const char* description, nlohmann::json value) {
  return own(std::make_unique<SettingStatistic>(name, unit, description, std::move(value)));
}
Group& Group::add_fraction(const char* name, const char* description, const TimeTotal& time) {
  return own(std::make_unique<FractionStatistic>(name, description, time));
}
Group& Group::add_ratio(const char* name, const char* description, const Counter& numerator,
                        const Counter& denominator) {
  return own(std::make_unique<RatioStatistic>(name, description, numerator, denominator));
}
Group& Group::add_elapsed(const char* name, const char* description) {
  return own(std::make_unique<ElapsedStatistic>(name, description));
}

Group& Group::add_group(const std::string& name, const Group& part) {
  claim(name);
  groups_.emplace_back(name, &part);
  return *this;
}

Group& Group::add_list(const std::string& name, std::vector<const Group*> parts) {
  claim(name);
  lists_.emplace_back(name, std::move(parts));
  return *this;
}

Group& Group::include(const Group& other) {
  for (const Statistic* s : other.statistics_) {
    claim(s->name());
    statistics_.push_back(s);
  }
  for (const auto& [name, g] : other.groups_) add_group(name, *g);
  for (const auto& [name, parts] : other.lists_) add_list(name, parts);
  return *this;
}

nlohmann::json Group::to_json(const sc_core::sc_time& elapsed) const {
  nlohmann::json j = nlohmann::json::object();
  for (const Statistic* s : statistics_) j[s->name()] = s->to_json(elapsed);
  for (const auto& [name, g] : groups_) j[name] = g->to_json(elapsed);
  for (const auto& [name, parts] : lists_) {
    nlohmann::json& a = j[name] = nlohmann::json::array();
    for (const Group* g : parts) a.push_back(g->to_json(elapsed));
  }
  return j;
}

Snapshot Group::snapshot(const sc_core::sc_time& elapsed) const {
  Snapshot s;
  s.elapsed_ps = picoseconds(elapsed);
  for (const Statistic* st : statistics_) s.values[st->name()] = {st->kind(), st->raw(elapsed)};
  for (const auto& [name, g] : groups_) s.groups[name] = g->snapshot(elapsed);
  for (const auto& [name, parts] : lists_) {
    std::vector<Snapshot>& l = s.lists[name];
    for (const Group* g : parts) l.push_back(g->snapshot(elapsed));
  }
  return s;
}

void Group::catalogue(const std::string& prefix, std::vector<Entry>& out) const {
  const std::string p = prefix.empty() ? "" : prefix + ".";
  for (const Statistic* s : statistics_) out.push_back({p + s->name(), s});
  for (const auto& [name, g] : groups_) g->catalogue(p + name, out);
  for (const auto& [name, parts] : lists_) {
    for (size_t i = 0; i < parts.size(); ++i)
      parts[i]->catalogue(p + name + "[" + std::to_string(i) + "]", out);
  }
}

}  // namespace cdma::stats

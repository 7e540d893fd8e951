// The statistics of one module (or of one part of it: a port, a resource), with the groups of its parts by
// name, written as one JSON object: {statistic: value, part: {...}, list of parts: [{...}, ...]}. A module
// keeps the values among its members (stats/values.h) and registers each here once, with its name, unit and
// description; the group owns the statistics that describe them (stats/statistic.h).
#pragma once

#include <systemc>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "stats/snapshot.h"
#include "stats/statistic.h"
#include "stats/values.h"

namespace cdma::stats {

class Group {
 public:
  Group();
  ~Group();
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  // Registration: names are unique within a group (std::logic_error otherwise) and string literals; the
  // values and parts outlive the group's use.
  Group& add(const char* name, Unit unit, const char* description, const Counter& value);
  Group& add(const char* name, Unit unit, const char* description, const Maximum& value);
  Group& add(const char* name, const char* description, const TimeTotal& value);  // seconds
  Group& add(const char* name, Unit unit, const char* description, const TimeWeightedMean& value);
  Group& add(const char* name, const char* description, const Histogram& value);  // ns
  // A count read when the statistics are collected (bytes resident, violations seen); summed over jobs.
  Group& add_probe(const char* name, Unit unit, const char* description, std::function<uint64_t()> read);
  // A configuration value reported with the statistics; jobs must agree on it.
  Group& add_setting(const char* name, Unit unit, const char* description, nlohmann::json value);
  // `time` over the elapsed time.
  Group& add_fraction(const char* name, const char* description, const TimeTotal& time);
  // `numerator` over `denominator` (1.0 while it is 0).
  Group& add_ratio(const char* name, const char* description, const Counter& numerator,
                   const Counter& denominator);
  // The simulated time the statistics are collected at.
  Group& add_elapsed(const char* name, const char* description);
  Group& add_group(const std::string& name, const Group& part);
  Group& add_list(const std::string& name, std::vector<const Group*> parts);
  // Adds `other`'s statistics and parts at this level, as if they had been added here (a module reporting its
  // memory device's figures as its own). `other` is complete when included.
  Group& include(const Group& other);

  // The values one simulation reports, `elapsed` being its simulated time.
  nlohmann::json to_json(const sc_core::sc_time& elapsed) const;
  // The same, typed, to merge with other simulations' (stats::merge).
  Snapshot snapshot(const sc_core::sc_time& elapsed) const;

  // Every statistic below this group, with its JSON path from here ("port.latency",
  // "channel_ports[0].bytes"), in the order they were added.
  struct Entry {
    std::string path;
    const Statistic* statistic;
  };
  void catalogue(const std::string& prefix, std::vector<Entry>& out) const;
  // The parts added with add_group, in order.
  const std::vector<std::pair<std::string, const Group*>>& groups() const { return groups_; }

 private:
  Group& own(std::unique_ptr<Statistic> s);
  void claim(const std::string& name);

  std::vector<std::unique_ptr<Statistic>> owned_;
  std::vector<const Statistic*> statistics_;  // owned here, or by an included group
  std::vector<std::pair<std::string, const Group*>> groups_;
  std::vector<std::pair<std::string, std::vector<const Group*>>> lists_;
  std::vector<std::string> names_;
};

// A module with statistics. An assembly finds every one among its child modules (by this interface) and
// writes their groups under their hierarchical names, so it lists none of them by hand.
class Reporter {
 public:
  virtual const Group& statistics() const = 0;

 protected:
  ~Reporter() = default;
};

}  // namespace cdma::stats

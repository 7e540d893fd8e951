// Typed statistics (models/stats): each kind written as one simulation reports it, its snapshot across a
// process boundary, and the merge of several jobs into the figures one simulation of all their work gives.
#include <gtest/gtest.h>

#include <systemc>

#include "stats/group.h"
#include "stats/snapshot.h"
#include "stats/values.h"

namespace cdma::stats {
namespace {

using nlohmann::json;
using sc_core::SC_NS;
using sc_core::sc_time;

// One module's worth of every kind.
struct Module {
  Counter bytes, compressed;
  TimeTotal busy;
  Maximum max;
  TimeWeightedMean mean;
  Histogram latency;
  uint64_t resident = 0;
  Group group, port;
  Module() {
    group.add("bytes", Unit::kBytes, "bytes", bytes)
        .add("compressed_bytes", Unit::kBytes, "compressed", compressed)
        .add_ratio("ratio", "bytes / compressed", bytes, compressed)
        .add("busy_s", "busy", busy)
        .add_fraction("busy_fraction", "busy share", busy)
        .add_setting("queue_depth", Unit::kRequests, "depth", 8)
        .add_probe("resident_bytes", Unit::kBytes, "resident", [this] { return resident; })
        .add_group("port", port);
    port.add("max_occupancy", Unit::kRequests, "peak", max)
        .add("mean_occupancy", Unit::kRequests, "mean", mean)
        .add("latency", "latency", latency);
  }
};

TEST(Statistics, EachKindIsWrittenAsOneSimulationReportsIt) {
  Module m;
  m.bytes += 4000;
  m.compressed += 1000;
  m.busy += sc_time(3, SC_NS);
  m.max.sample(3);
  m.max.sample(2);
  m.mean.set(2, sc_time(0, SC_NS));
  m.mean.set(4, sc_time(10, SC_NS));
  m.mean.set(0, sc_time(30, SC_NS));
  m.resident = 77;
  const sc_time elapsed(40, SC_NS);
  const json j = m.group.to_json(elapsed);
  EXPECT_EQ(j["bytes"], 4000);
  EXPECT_DOUBLE_EQ(j["ratio"].get<double>(), 4.0);
  EXPECT_DOUBLE_EQ(j["busy_s"].get<double>(), 3e-9);
  EXPECT_DOUBLE_EQ(j["busy_fraction"].get<double>(), 3.0 / 40);
  EXPECT_EQ(j["queue_depth"], 8);
  EXPECT_EQ(j["resident_bytes"], 77);
  EXPECT_EQ(j["port"]["max_occupancy"], 3);
  EXPECT_DOUBLE_EQ(j["port"]["mean_occupancy"].get<double>(),
                   (2.0 * 10 + 4.0 * 20) / 40);  // 0 for the last 10
  EXPECT_EQ(j["port"]["latency"]["count"], 0);
  // Nothing counted yet: a ratio of nothing is 1, a fraction of no time 0.
  Module empty;
  EXPECT_EQ(empty.group.to_json(sc_core::SC_ZERO_TIME)["ratio"], 1.0);
  EXPECT_EQ(empty.group.to_json(sc_core::SC_ZERO_TIME)["busy_fraction"], 0.0);
}

TEST(Statistics, HistogramBucketsArePowersOfTwoOfNanoseconds) {
  Histogram h;
  Group g;
  g.add("latency", "latency", h);
  for (double ns : {0.0, 0.999, 1.0, 1.999, 2.0, 1023.0, 1024.0, 1024.0}) h.sample(sc_time(ns, SC_NS));
  const json j = g.to_json(sc_core::SC_ZERO_TIME)["latency"];
  EXPECT_EQ(j["count"], 8);
  // [0,1): 0 and 0.999; [1,2): 1 and 1.999; [2,4): 2; [512,1024): 1023; [1024,2048): both 1024s.
  EXPECT_EQ(j["counts"], json::parse("[2, 2, 1, 0, 0, 0, 0, 0, 0, 0, 1, 2]"));
  EXPECT_EQ(j["bucket_upper_ns"].size(), 12u);
  EXPECT_EQ(j["bucket_upper_ns"][11], 2048);
  EXPECT_DOUBLE_EQ(j["min_ns"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(j["max_ns"].get<double>(), 1024.0);
  EXPECT_DOUBLE_EQ(j["mean_ns"].get<double>(), (0 + 0.999 + 1 + 1.999 + 2 + 1023 + 2048) / 8);
}

TEST(Statistics, NamesAreUniqueInAGroup) {
  Counter a;
  Group g;
  g.add("x", Unit::kCount, "", a);
  EXPECT_THROW(g.add("x", Unit::kCount, "", a), std::logic_error);
  Group part;
  EXPECT_THROW(g.add_group("x", part), std::logic_error);
}

// Two jobs merge into the statistics of one simulation of both jobs' work: counts and times add up (times in
// whole picoseconds), maxima take the largest, fractions and ratios are recomputed from the sums, means weigh
// each job's by its elapsed time, histograms add up bucket by bucket, settings must agree.
TEST(Statistics, JobsMergeAsOneSimulationOfAllTheirWork) {
  Module a, b;
  a.bytes += 4000;
  a.compressed += 1000;
  a.busy += sc_time(1500, SC_NS);
  a.max.sample(3);
  a.mean.set(1, sc_core::SC_ZERO_TIME);
  a.latency.sample(sc_time(3, SC_NS));
  a.resident = 10;
  b.bytes += 12000;
  b.compressed += 6000;
  b.busy += sc_time(200, SC_NS);
  b.max.sample(5);
  b.mean.set(3, sc_core::SC_ZERO_TIME);
  b.latency.sample(sc_time(100, SC_NS));
  b.latency.sample(sc_time(1, SC_NS));
  b.resident = 5;
  const sc_time ta(3000, SC_NS), tb(1000, SC_NS);
  // Through the wire format, as job processes send them.
  const Snapshot sa = Snapshot::from_wire(json::parse(a.group.snapshot(ta).to_wire().dump()));
  const Snapshot sb = Snapshot::from_wire(json::parse(b.group.snapshot(tb).to_wire().dump()));
  const json m = merge({sa, sb});
  EXPECT_EQ(m["bytes"], 16000);
  EXPECT_DOUBLE_EQ(m["ratio"].get<double>(), 16000.0 / 7000);
  EXPECT_DOUBLE_EQ(m["busy_s"].get<double>(), 1.7e-6);
  EXPECT_DOUBLE_EQ(m["busy_fraction"].get<double>(), 1.7e-6 / 4e-6);
  EXPECT_EQ(m["queue_depth"], 8);
  EXPECT_EQ(m["resident_bytes"], 15);
  EXPECT_EQ(m["port"]["max_occupancy"], 5);
  EXPECT_DOUBLE_EQ(m["port"]["mean_occupancy"].get<double>(), (1.0 * 3e-6 + 3.0 * 1e-6) / 4e-6);
  const json& h = m["port"]["latency"];
  EXPECT_EQ(h["count"], 3);
  EXPECT_EQ(h["counts"], json::parse("[0, 1, 1, 0, 0, 0, 0, 1]"));  // 1 ns, 3 ns, 100 ns
  EXPECT_DOUBLE_EQ(h["min_ns"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(h["max_ns"].get<double>(), 100.0);
  // One job merged is that job's figures (times in whole picoseconds).
  EXPECT_EQ(merge({sa})["bytes"], a.group.to_json(ta)["bytes"]);
  EXPECT_DOUBLE_EQ(merge({sa})["busy_s"].get<double>(), a.group.to_json(ta)["busy_s"].get<double>());

  // Jobs must agree on settings, shape and kinds.
  Module other;
  other.group.add_setting("extra", Unit::kCount, "", 1);
  EXPECT_THROW(merge({sa, other.group.snapshot(tb)}), std::invalid_argument);
  Snapshot deeper = sb;
  deeper.values["queue_depth"].raw = 16;
  try {
    merge({sa, deeper});
    ADD_FAILURE() << "different settings merged";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("statistics.queue_depth"), std::string::npos) << e.what();
  }
  Snapshot retyped = sb;
  retyped.values["bytes"].kind = Kind::kMaximum;
  EXPECT_THROW(merge({sa, retyped}), std::invalid_argument);
  EXPECT_THROW(Snapshot::from_wire(json::parse(R"({"elapsed_ps": 1, "values": {"x": ["no such kind", 1]},
                                                   "groups": {}, "lists": {}})")),
               std::invalid_argument);
  EXPECT_THROW(Snapshot::from_wire(json::parse("[]")), std::invalid_argument);
}

TEST(Statistics, TheCatalogueListsEveryStatisticWithItsPath) {
  Module m;
  Group parts;
  parts.add_list("ports", {&m.port, &m.port});
  std::vector<Group::Entry> entries;
  m.group.catalogue("", entries);
  parts.catalogue("x", entries);
  std::vector<std::string> paths;
  for (const auto& e : entries) paths.push_back(e.path);
  EXPECT_EQ(paths, (std::vector<std::string>{
                       "bytes", "compressed_bytes", "ratio", "busy_s", "busy_fraction", "queue_depth",
                       "resident_bytes", "port.max_occupancy", "port.mean_occupancy", "port.latency",
                       "x.ports[0].max_occupancy", "x.ports[0].mean_occupancy", "x.ports[0].latency",
                       "x.ports[1].max_occupancy", "x.ports[1].mean_occupancy", "x.ports[1].latency"}));
  EXPECT_EQ(entries[2].statistic->kind(), Kind::kRatio);
  EXPECT_EQ(entries[3].statistic->unit(), Unit::kSeconds);
}

}  // namespace
}  // namespace cdma::stats

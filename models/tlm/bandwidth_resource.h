// A hop's bandwidth as a resource that is busy for intervals of time (as in gem5's simple memory, a transfer
// holds it for bytes / bandwidth; latency is added by the caller on top). A transfer takes the first idle gap
// at or after its earliest start. With requests in time order that is max(earliest, busy_until); under LT
// temporal decoupling, requests arrive out of time order, and a gap left before a reservation made by a
// thread running ahead must stay usable by one that is behind, or parallelism would collapse.
#pragma once

#include <systemc>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "stats/group.h"
#include "stats/values.h"
#include "tlm/time_scale.h"

namespace cdma::tlmx {

class BandwidthResource {
 public:
  // `hop`: which hop of the platform this resource is, for the per-hop utilisation of a transfer ("gpu_dram",
  // "pcie_to_host", ...); empty for a resource that is part of a hop but not reported as one.
  BandwidthResource(std::string name, double gbps, std::string hop = "");
  BandwidthResource(const BandwidthResource&) = delete;
  BandwidthResource& operator=(const BandwidthResource&) = delete;

  const std::string& name() const { return name_; }
  const std::string& hop() const { return hop_; }
  double gbps() const { return gbps_; }
  // Time this resource needs for `bytes` (bandwidth in GB/s, G = 1e9).
  sc_core::sc_time duration(uint64_t bytes) const;
  // Reserves the resource for `bytes` from max(earliest, busy_until); returns when the transfer ends.
  sc_core::sc_time reserve(const sc_core::sc_time& earliest, uint64_t bytes);
  // The same with an explicit holding time, for hops whose rate depends on the request (codec, packet
  // overhead).
  sc_core::sc_time reserve_for(const sc_core::sc_time& earliest, const sc_core::sc_time& duration,
                               uint64_t bytes);
  // Reserves every resource of a path at once: the transfer runs at the slowest one's rate and holds them
  // all.
  static sc_core::sc_time reserve_path(std::initializer_list<BandwidthResource*> path,
                                       const sc_core::sc_time& earliest, uint64_t bytes);

  const sc_core::sc_time& busy_until() const { return busy_until_; }
  const sc_core::sc_time& busy_time() const { return busy_time_.value(); }
  uint64_t bytes() const { return bytes_.value(); }
  uint64_t transfers() const { return transfers_.value(); }
  // {bytes, transfers, busy_s, busy_fraction, gbps}
  const stats::Group& statistics() const { return stats_; }

 private:
  void hold(const sc_core::sc_time& start, const sc_core::sc_time& end, uint64_t bytes);
  // First start >= earliest at which the resource is idle for `duration`.
  sc_core::sc_time fit(const sc_core::sc_time& earliest, const sc_core::sc_time& duration) const;

  std::string name_;
  std::string hop_;
  double gbps_;
  double ps_per_byte_;
  TimeScale ps_{sc_core::SC_PS};
  sc_core::sc_time busy_until_;
  struct Interval {
    sc_core::sc_time start, end;
  };
  // Disjoint busy intervals sorted by start, from index first_ on (those before it ended in the past and are
  // dropped lazily). A sorted vector: reservations arrive nearly in time order, so inserts land near the end,
  // and a vector avoids a tree node allocation per transfer.
  std::vector<Interval> busy_;
  size_t first_ = 0;
  static constexpr unsigned kPruneEvery = 32;  // holds between drops of past intervals
  unsigned holds_since_prune_ = 0;
  stats::TimeTotal busy_time_;
  stats::Counter bytes_, transfers_;
  stats::Group stats_;
};

}  // namespace cdma::tlmx

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

#include <nlohmann/json.hpp>

#include "tlm/time_scale.h"

namespace cdma::tlmx {

class BandwidthResource {
 public:
  BandwidthResource(std::string name, double gbps);

  const std::string& name() const { return name_; }
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
  const sc_core::sc_time& busy_time() const { return busy_time_; }
  uint64_t bytes() const { return bytes_; }
  uint64_t transfers() const { return transfers_; }
  // {bytes, transfers, busy_s, busy_fraction (of `elapsed`), gbps}
  nlohmann::json stats(const sc_core::sc_time& elapsed) const;

 private:
  void hold(const sc_core::sc_time& start, const sc_core::sc_time& end, uint64_t bytes);
  // First start >= earliest at which the resource is idle for `duration`.
  sc_core::sc_time fit(const sc_core::sc_time& earliest, const sc_core::sc_time& duration) const;

  std::string name_;
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
  sc_core::sc_time busy_time_;
  uint64_t bytes_ = 0;
  uint64_t transfers_ = 0;
};

}  // namespace cdma::tlmx

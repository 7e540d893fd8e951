// A hop's bandwidth as a resource that is busy until a time (as in gem5's simple memory): a transfer starts at
// max(earliest, busy_until) and holds the resource for bytes / bandwidth. Latency is added by the caller on top.
#pragma once

#include <systemc>

#include <cstdint>
#include <initializer_list>
#include <string>

#include <nlohmann/json.hpp>

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
  // The same with an explicit holding time, for hops whose rate depends on the request (codec, packet overhead).
  sc_core::sc_time reserve_for(const sc_core::sc_time& earliest, const sc_core::sc_time& duration, uint64_t bytes);
  // Reserves every resource of a path at once: the transfer runs at the slowest one's rate and holds them all.
  static sc_core::sc_time reserve_path(std::initializer_list<BandwidthResource*> path, const sc_core::sc_time& earliest,
                                       uint64_t bytes);

  const sc_core::sc_time& busy_until() const { return busy_until_; }
  const sc_core::sc_time& busy_time() const { return busy_time_; }
  uint64_t bytes() const { return bytes_; }
  uint64_t transfers() const { return transfers_; }
  // {bytes, transfers, busy_s, busy_fraction (of `elapsed`), gbps}
  nlohmann::json stats(const sc_core::sc_time& elapsed) const;

 private:
  void hold(const sc_core::sc_time& start, const sc_core::sc_time& end, uint64_t bytes);

  std::string name_;
  double gbps_;
  double ps_per_byte_;
  sc_core::sc_time busy_until_;
  sc_core::sc_time busy_time_;
  uint64_t bytes_ = 0;
  uint64_t transfers_ = 0;
};

}  // namespace cdma::tlmx

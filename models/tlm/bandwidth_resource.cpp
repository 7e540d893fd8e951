#include "tlm/bandwidth_resource.h"

#include <stdexcept>

namespace cdma::tlmx {

using sc_core::sc_time;
using sc_core::SC_PS;

BandwidthResource::BandwidthResource(std::string name, double gbps)
    : name_(std::move(name)), gbps_(gbps), ps_per_byte_(1e3 / gbps) {
  if (!(gbps > 0)) throw std::invalid_argument(name_ + ": bandwidth must be > 0");
}

sc_time BandwidthResource::duration(uint64_t bytes) const {
  return sc_time(static_cast<double>(bytes) * ps_per_byte_, SC_PS);
}

void BandwidthResource::hold(const sc_time& start, const sc_time& end, uint64_t bytes) {
  busy_until_ = end;
  busy_time_ += end - start;
  bytes_ += bytes;
  ++transfers_;
}

sc_time BandwidthResource::reserve(const sc_time& earliest, uint64_t bytes) {
  const sc_time start = earliest > busy_until_ ? earliest : busy_until_;
  const sc_time end = start + duration(bytes);
  hold(start, end, bytes);
  return end;
}

sc_time BandwidthResource::reserve_for(const sc_time& earliest, const sc_time& duration, uint64_t bytes) {
  const sc_time start = earliest > busy_until_ ? earliest : busy_until_;
  const sc_time end = start + duration;
  hold(start, end, bytes);
  return end;
}

sc_time BandwidthResource::reserve_path(std::initializer_list<BandwidthResource*> path, const sc_time& earliest,
                                        uint64_t bytes) {
  sc_time start = earliest;
  sc_time longest = sc_core::SC_ZERO_TIME;
  for (BandwidthResource* r : path) {
    if (r->busy_until_ > start) start = r->busy_until_;
    const sc_time d = r->duration(bytes);
    if (d > longest) longest = d;
  }
  const sc_time end = start + longest;
  for (BandwidthResource* r : path) r->hold(start, end, bytes);
  return end;
}

nlohmann::json BandwidthResource::stats(const sc_time& elapsed) const {
  const double e = elapsed.to_seconds();
  return {{"bytes", bytes_},
          {"transfers", transfers_},
          {"busy_s", busy_time_.to_seconds()},
          {"busy_fraction", e > 0 ? busy_time_.to_seconds() / e : 0.0},
          {"gbps", gbps_}};
}

}  // namespace cdma::tlmx

#include "tlm/bandwidth_resource.h"

#include <algorithm>
#include <iterator>
#include <stdexcept>

namespace cdma::tlmx {

using sc_core::SC_PS;
using sc_core::sc_time;

BandwidthResource::BandwidthResource(std::string name, double gbps, std::string hop)
    : name_(std::move(name)), hop_(std::move(hop)), gbps_(gbps), ps_per_byte_(1e3 / gbps) {
  stats_.add("bytes", stats::Unit::kBytes, "bytes moved through the resource", bytes_)
      .add("transfers", stats::Unit::kCount, "transfers that reserved it", transfers_)
      .add("busy_s", "time it was reserved", busy_time_)
      .add_fraction("busy_fraction", "busy_s over the simulated time", busy_time_)
      .add_setting("gbps", stats::Unit::kGbps, "bandwidth (configured)", gbps);
  if (!(gbps > 0)) throw std::invalid_argument(name_ + ": bandwidth must be > 0");
}

sc_time BandwidthResource::duration(uint64_t bytes) const {
  return ps_(static_cast<double>(bytes) * ps_per_byte_);
}

sc_time BandwidthResource::fit(const sc_time& earliest, const sc_time& duration) const {
  if (earliest >= busy_until_) return earliest;  // after every reservation: the common, in-order case
  sc_time t = earliest;
  // The first interval starting after t; the one before it may still cover t.
  auto it = std::upper_bound(busy_.begin() + static_cast<ptrdiff_t>(first_), busy_.end(), t,
                             [](const sc_time& v, const Interval& i) { return v < i.start; });
  if (it != busy_.begin() + static_cast<ptrdiff_t>(first_) && std::prev(it)->end > t) t = std::prev(it)->end;
  for (; it != busy_.end() && it->start < t + duration; ++it) {
    if (it->end > t) t = it->end;
  }
  return t;
}

void BandwidthResource::hold(const sc_time& start, const sc_time& end, uint64_t bytes) {
  // Intervals that ended before the kernel's time can never matter again (no request starts in the past),
  // so dropping them now and then rather than on every call changes no result.
  if (++holds_since_prune_ >= kPruneEvery) {
    holds_since_prune_ = 0;
    const sc_time now = sc_core::sc_time_stamp();
    while (first_ < busy_.size() && busy_[first_].end <= now) ++first_;
    if (first_ > 64 && first_ * 2 > busy_.size()) {
      busy_.erase(busy_.begin(), busy_.begin() + static_cast<ptrdiff_t>(first_));
      first_ = 0;
    }
  }
  if (start >= busy_until_) {  // after every reservation: extend the last interval or append
    if (first_ < busy_.size() && busy_.back().end == start) {
      busy_.back().end = end;
    } else {
      busy_.push_back(Interval{start, end});
    }
  } else {
    // Merge with touching neighbours; extending the previous interval in place is the common case.
    auto next = std::lower_bound(busy_.begin() + static_cast<ptrdiff_t>(first_), busy_.end(), start,
                                 [](const Interval& i, const sc_time& v) { return i.start < v; });
    const bool joins_next = next != busy_.end() && next->start == end;
    const bool joins_prev =
        next != busy_.begin() + static_cast<ptrdiff_t>(first_) && std::prev(next)->end == start;
    if (joins_prev) {
      std::prev(next)->end = joins_next ? next->end : end;
      if (joins_next) busy_.erase(next);
    } else if (joins_next) {
      next->start = start;
    } else {
      busy_.insert(next, Interval{start, end});
    }
  }
  if (end > busy_until_) busy_until_ = end;
  busy_time_ += end - start;
  bytes_ += bytes;
  ++transfers_;
}

sc_time BandwidthResource::reserve(const sc_time& earliest, uint64_t bytes) {
  return reserve_for(earliest, duration(bytes), bytes);
}

sc_time BandwidthResource::reserve_for(const sc_time& earliest, const sc_time& duration, uint64_t bytes) {
  const sc_time start = fit(earliest, duration);
  const sc_time end = start + duration;
  hold(start, end, bytes);
  return end;
}

sc_time BandwidthResource::reserve_path(std::initializer_list<BandwidthResource*> path,
                                        const sc_time& earliest, uint64_t bytes) {
  sc_time longest = sc_core::SC_ZERO_TIME;
  for (BandwidthResource* r : path) longest = std::max(longest, r->duration(bytes));
  // The transfer needs every resource of the path idle at once: move the start until all of them fit.
  sc_time start = earliest;
  for (bool moved = true; moved;) {
    moved = false;
    for (BandwidthResource* r : path) {
      const sc_time t = r->fit(start, longest);
      if (t != start) {
        start = t;
        moved = true;
      }
    }
  }
  const sc_time end = start + longest;
  for (BandwidthResource* r : path) r->hold(start, end, bytes);
  return end;
}

}  // namespace cdma::tlmx

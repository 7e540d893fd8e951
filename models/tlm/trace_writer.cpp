#include "tlm/trace_writer.h"

#include <algorithm>
#include <fstream>
#include <stdexcept>

namespace cdma::tlmx {

void TraceWriter::complete(const std::string& track, const std::string& name, const sc_core::sc_time& start,
                           const sc_core::sc_time& end, nlohmann::json args) {
  auto it = std::find(tracks_.begin(), tracks_.end(), track);
  const size_t tid = static_cast<size_t>(it - tracks_.begin());
  if (it == tracks_.end()) tracks_.push_back(track);
  events_.push_back({{"name", name},
                     {"ph", "X"},
                     {"pid", 1},
                     {"tid", tid},
                     {"ts", start.to_seconds() * 1e6},
                     {"dur", (end - start).to_seconds() * 1e6},
                     {"args", std::move(args)}});
}

void TraceWriter::write(const std::string& path) const {
  nlohmann::json events = nlohmann::json::array();
  for (size_t i = 0; i < tracks_.size(); ++i) {
    events.push_back(
        {{"name", "thread_name"}, {"ph", "M"}, {"pid", 1}, {"tid", i}, {"args", {{"name", tracks_[i]}}}});
  }
  for (const auto& e : events_) events.push_back(e);
  std::ofstream f(path);
  f << nlohmann::json{{"traceEvents", events}, {"displayTimeUnit", "ns"}}.dump();
  if (!f) throw std::runtime_error(path + ": cannot write trace");
}

}  // namespace cdma::tlmx

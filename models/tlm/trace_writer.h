// Collects timed events and writes them as Chrome trace-event JSON, which Perfetto (ui.perfetto.dev) and
// chrome://tracing open as a timeline: one row per track (e.g. per DMA worker), one bar per event.
#pragma once

#include <systemc>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cdma::tlmx {

class TraceWriter {
 public:
  void complete(const std::string& track, const std::string& name, const sc_core::sc_time& start,
                const sc_core::sc_time& end, nlohmann::json args = nlohmann::json::object());
  size_t size() const { return events_.size(); }
  // Throws std::runtime_error if the file cannot be written.
  void write(const std::string& path) const;

 private:
  std::vector<nlohmann::json> events_;
  std::vector<std::string> tracks_;
};

}  // namespace cdma::tlmx

// Functional coverage of the ZV compressor testbench: every accepted input beat is one sample of
// (density of the beat) x (output-buffer fill when it is accepted) x (stall situation around it). The cross
// shows that every kind of data met every buffer state under every kind of flow control; the report is a
// table of hit counts per bin.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>

namespace cdma::tb {

class ZvCoverage {
 public:
  static constexpr int kDensityBins = 6;  // 0 | (0,25%] | (25,50%] | (50,75%] | (75,100%) | 100%
  static constexpr int kFillBins = 5;     // empty | (0,25%] | (25,50%] | (50,75%] | >75% of a line
  static constexpr int kStallBins = 4;    // flowing | source gap | sink stall | DUT back-pressure
  static constexpr const char* kDensityNames[kDensityBins] = {"0",     "<=25%", "<=50%",
                                                              "<=75%", "<100%", "100%"};
  static constexpr const char* kFillNames[kFillBins] = {"empty", "<=25%", "<=50%", "<=75%", ">75%"};
  static constexpr const char* kStallNames[kStallBins] = {"flowing", "src-gap", "sink-stall", "backpress"};

  static int density_bin(unsigned nonzero, unsigned elements) {
    if (nonzero == 0) return 0;
    if (nonzero == elements) return 5;
    const double d = static_cast<double>(nonzero) / elements;
    return d <= 0.25 ? 1 : d <= 0.5 ? 2 : d <= 0.75 ? 3 : 4;
  }
  static int fill_bin(unsigned level, unsigned line_bytes) {
    if (level == 0) return 0;
    const double f = static_cast<double>(level) / line_bytes;
    return f <= 0.25 ? 1 : f <= 0.5 ? 2 : f <= 0.75 ? 3 : 4;
  }

  void sample(int density, int fill, int stall) { ++hits_[density][fill][stall]; }

  int bins() const { return kDensityBins * kFillBins * kStallBins; }
  int bins_hit() const {
    int n = 0;
    for (const auto& a : hits_)
      for (const auto& b : a)
        for (uint64_t h : b) n += h > 0;
    return n;
  }
  // Every density bin met every stall situation (whatever the fill).
  bool density_by_stall_complete() const {
    for (int d = 0; d < kDensityBins; ++d)
      for (int s = 0; s < kStallBins; ++s) {
        uint64_t h = 0;
        for (int f = 0; f < kFillBins; ++f) h += hits_[d][f][s];
        if (h == 0) return false;
      }
    return true;
  }
  // Every fill level met every stall situation (whatever the data).
  bool fill_by_stall_complete() const {
    for (int f = 0; f < kFillBins; ++f)
      for (int s = 0; s < kStallBins; ++s) {
        uint64_t h = 0;
        for (int d = 0; d < kDensityBins; ++d) h += hits_[d][f][s];
        if (h == 0) return false;
      }
    return true;
  }

  void merge(const ZvCoverage& o) {
    for (int d = 0; d < kDensityBins; ++d)
      for (int f = 0; f < kFillBins; ++f)
        for (int s = 0; s < kStallBins; ++s) hits_[d][f][s] += o.hits_[d][f][s];
  }

  // One row per (density, fill), one column per stall situation.
  void print(std::FILE* out) const {
    std::fprintf(out, "%-8s %-6s", "density", "fill");
    for (const char* s : kStallNames) std::fprintf(out, " %11s", s);
    std::fprintf(out, "\n");
    for (int d = 0; d < kDensityBins; ++d)
      for (int f = 0; f < kFillBins; ++f) {
        std::fprintf(out, "%-8s %-6s", kDensityNames[d], kFillNames[f]);
        for (int s = 0; s < kStallBins; ++s) std::fprintf(out, " %11llu", (unsigned long long)hits_[d][f][s]);
        std::fprintf(out, "\n");
      }
    std::fprintf(out, "cross bins hit: %d / %d (%.1f %%); density x stall %s; fill x stall %s\n", bins_hit(),
                 bins(), 100.0 * bins_hit() / bins(), density_by_stall_complete() ? "complete" : "INCOMPLETE",
                 fill_by_stall_complete() ? "complete" : "INCOMPLETE");
  }

 private:
  std::array<std::array<std::array<uint64_t, kStallBins>, kFillBins>, kDensityBins> hits_{};
};

}  // namespace cdma::tb

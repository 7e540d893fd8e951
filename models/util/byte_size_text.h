// A byte count for people: the largest binary unit that keeps the number at least 1 ("12.00 GiB",
// "190.7 MiB", "17 B"); exact figures go to the JSON.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace cdma::util {

inline std::string byte_size_text(uint64_t bytes) {
  static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double v = static_cast<double>(bytes) / 1024;
  size_t u = 0;
  while (v >= 1024 && u + 1 < sizeof kUnits / sizeof *kUnits) {
    v /= 1024;
    ++u;
  }
  char s[32];
  std::snprintf(s, sizeof s, u >= 2 ? "%.2f %s" : "%.1f %s", v, kUnits[u]);
  return s;
}

}  // namespace cdma::util

#include "runner/run_info.h"

#include "util/version.h"

namespace cdma::runner {

nlohmann::json RunInfo::to_json() const {
  return {{"command", command},
          {"overrides", overrides},
          {"platform_file", platform_file},
          {"version", util::version()},
          {"build_type", util::build_type()}};
}

std::string command_line(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    const bool quote = a.empty() || a.find_first_of(" \t\"'\\") != std::string::npos;
    std::string q;
    if (quote) {
      q = "'";
      for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
      q += "'";
    }
    out += (i ? " " : "") + (quote ? q : a);
  }
  return out;
}

}  // namespace cdma::runner

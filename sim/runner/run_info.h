// How a run was made, recorded in its report (report.json, stats.json under "run"): the command line, every
// --set override, the platform file, and the build (version, build type). Host facts, so the golden
// regressions ignore them.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cdma::runner {

struct RunInfo {
  std::string command;                 // the command line as given, arguments joined by spaces
  std::vector<std::string> overrides;  // --set path=value, in order (including those --mode implies)
  std::string platform_file;
  nlohmann::json to_json() const;  // {command, overrides, platform_file, version, build_type}
};

// argv joined, each argument quoted if it holds a space or a quote.
std::string command_line(int argc, char** argv);

}  // namespace cdma::runner

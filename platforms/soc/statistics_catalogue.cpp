#include "soc/statistics_catalogue.h"

#include <regex>
#include <set>
#include <vector>

namespace cdma::platform {

namespace {

std::string row(const std::string& path, const stats::Statistic& s) {
  return "| `" + path + "` | " + stats::kind_names().name(s.kind()) + " | " + stats::to_string(s.unit()) +
         " | " + stats::merge_rule(s.kind()) + " | " + s.description() + " |\n";
}

const char* const kHeader =
    "| statistic | kind | unit | merged over jobs | meaning |\n|---|---|---|---|---|\n";

}  // namespace

std::string statistics_catalogue(const CdmaSoc& soc) {
  static const std::regex kInstance(R"(\d+$)"), kElement(R"(\[\d+\])");
  std::string out = "### The SoC (`platform_stats`, `stats.json`)\n\n";
  out += kHeader;
  std::vector<stats::Group::Entry> root;
  soc.statistics().catalogue("", root);
  for (const auto& e : root) {
    if (e.path.rfind("modules.", 0) != 0) out += row(e.path, *e.statistic);
  }
  std::set<std::string> seen;
  for (const auto& [name, group] : soc.module_statistics().groups()) {
    const std::string module = std::regex_replace(name, kInstance, "<i>");
    if (!seen.insert(module).second) continue;
    out += "\n### `modules[\"" + module + "\"]`" + (module == name ? "" : " (one per channel)") + "\n\n";
    out += kHeader;
    std::vector<stats::Group::Entry> entries;
    group->catalogue("", entries);
    std::set<std::string> paths;
    for (const auto& e : entries) {
      const std::string path = std::regex_replace(e.path, kElement, "[<i>]");
      if (paths.insert(path).second) out += row(path, *e.statistic);
    }
  }
  return out;
}

}  // namespace cdma::platform

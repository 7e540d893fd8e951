// The statistics catalogue: every statistic a SoC reports (docs/statistics.md), module by module, with its
// kind, unit, merge rule over jobs and meaning, generated from the statistics the modules declare. Modules
// that come once per channel are listed once ("soc.mc<i>"), as are the elements of a list
// ("channel_ports[<i>]").
#pragma once

#include <string>

#include "soc/cdma_soc.h"

namespace cdma::platform {

// Markdown: one table for the SoC itself, then one per module.
std::string statistics_catalogue(const CdmaSoc& soc);

}  // namespace cdma::platform

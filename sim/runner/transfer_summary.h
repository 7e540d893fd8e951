// What `cdma-sim` prints after a single transfer (per phase: bytes, ratio, time, bandwidths, bottleneck;
// every hop's utilisation; the bytes check) and the files it writes (stats.json, platform.json).
#pragma once

#include <cstdio>
#include <string>

#include "config/platform_config.h"
#include "runner/transfer_run.h"

namespace cdma::runner {

void print_transfer_summary(std::FILE* out, const config::PlatformConfig& cfg, const TransferRequest& request,
                            const std::string& source, double density, const TransferResult& result);

// stats.json (per-module statistics, phases, simulated and wall time) and platform.json (the effective
// config).
void write_transfer_outputs(const std::string& out_dir, const config::PlatformConfig& cfg,
                            const TransferResult& result);

}  // namespace cdma::runner

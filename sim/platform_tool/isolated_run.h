// Runs one transfer simulation in a forked child process and returns its result as JSON. SystemC allows one
// elaboration per process; this lets a test or a benchmark compare several simulations (AT vs LT, platforms)
// in one run. The JSON is TransferResult's stats plus "ok", "bytes_identical" and "error".
#pragma once

#include <nlohmann/json.hpp>

#include "transfer_run.h"

namespace cdma::sim {

// Throws std::runtime_error if the child fails to report (crash, exception).
nlohmann::json run_isolated(const config::PlatformConfig& cfg, const TransferRequest& request);

}  // namespace cdma::sim

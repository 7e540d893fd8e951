// Runs simulations in forked child processes. SystemC allows one elaboration per process; this lets a test
// or a benchmark compare several simulations (AT vs LT, platforms) in one run, and lets a long measurement
// spread independent simulations over the machine's cores.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runner/transfer_run.h"

namespace cdma::runner {

// Runs every job in its own forked child, all at once, and returns what each returned, in order. A job that
// throws reports "error: <what>" as its result. Throws std::runtime_error if a child dies without reporting.
std::vector<std::string> run_in_children(const std::vector<std::function<std::string()>>& jobs);

// The calling process's peak resident memory (getrusage), in bytes.
uint64_t peak_rss_bytes();

// One transfer simulation in a child process; the JSON is TransferResult's stats plus "ok",
// "bytes_identical" and "error".
nlohmann::json run_isolated(const config::PlatformConfig& cfg, const TransferRequest& request);

}  // namespace cdma::runner

// One simulated transfer on a freshly built SoC: offload a buffer of real bytes to host memory, prefetch it
// back, or both, and check that what arrives is bit-identical. One SystemC elaboration per process, so call
// this once.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "codec/codec.h"
#include "config/platform_config.h"
#include "dma/dma_descriptor.h"
#include "soc/cdma_soc.h"

namespace cdma::runner {

enum class TransferOp { kOffload, kPrefetch, kRoundTrip };
const char* to_string(TransferOp op);
TransferOp parse_transfer_op(const std::string& s);  // offload | prefetch | roundtrip

struct TransferRequest {
  TransferOp op = TransferOp::kRoundTrip;
  codec::CodecConfig codec;
  codec::Bytes data;
  std::string trace_path;  // Chrome trace-event JSON of every chunk, if not empty
};

struct PhaseResult {
  dma::DmaCompletion completion;
  platform::HopUtilisation hops;
  double seconds = 0;
  double pcie_gbps = 0;  // bytes that crossed PCIe (host image) per second
  double dram_gbps = 0;  // uncompressed bytes per second at the GPU memory
  nlohmann::json to_json() const;
};

struct TransferResult {
  bool ok = false;               // every descriptor completed without error
  bool bytes_identical = false;  // what came back (and the host image) equals the input
  std::string error;
  std::vector<PhaseResult> phases;
  nlohmann::json stats;  // per-module tree, simulated and wall time
  double wall_seconds = 0;
  double simulated_seconds = 0;
};

TransferResult run_transfer(const config::PlatformConfig& cfg, const TransferRequest& request);

// A transfer of `bytes` offloads from GPU address 0 and prefetches to the next free interleave row, and keeps
// the host image (at most twice the bytes, plus its index) in host memory: throws std::invalid_argument
// unless both fit. run_transfer checks it too; call it before making the bytes.
void check_transfer_fits(const config::PlatformConfig& cfg, uint64_t bytes);

// Submits one descriptor to an elaborated SoC once every hop is idle, simulates until it completes, and
// measures it.
PhaseResult run_descriptor(platform::CdmaSoc& soc, const dma::DmaDescriptor& d);

}  // namespace cdma::runner

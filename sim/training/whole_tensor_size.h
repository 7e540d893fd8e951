// The whole-tensor compressed size of every offloaded tensor, beside the DMA engine's per-chunk one: each
// tensor's bytes made again from its source, piece by piece in order, through one RL or ZL stream
// (codec::WholeStreamSize). Not a simulation (nothing is timed): it says what compressing the tensor as one
// stream would give, which the engine's independently compressed chunks cannot reach. Spread over `jobs`
// processes, largest tensors first.
#pragma once

#include <cstdint>
#include <vector>

#include "training/density_table.h"
#include "training/piece_plan.h"
#include "training/tensor_plan.h"
#include "training/transfer_measurement.h"

namespace cdma::training {

// Per tensor of the plan: its whole-stream compressed size with mc's codec, 0 for tensors not offloaded. Only
// for RL and ZL (codec::WholeStreamSize::applies_to); empty otherwise.
std::vector<uint64_t> whole_tensor_sizes(const TensorPlan& plan, const MeasurementConfig& mc,
                                         const DensityTable& densities, const PiecePlan& pieces,
                                         unsigned jobs);

}  // namespace cdma::training

// The vDNN schedule of one training iteration, given each layer's compute time and each offloaded tensor's
// transfer times (measured on the platform model). Forward: a layer's input is offloaded while the layer
// runs; both streams synchronise at the layer's end. Backward: while layer l computes, the nearest earlier
// offloaded tensor not yet prefetched is fetched back (the search does not go past a convolution layer); a
// tensor still missing when its layer's backward pass starts is fetched on demand (a stall). Layer time =
// max(compute, transfer) plus any on-demand fetch; with DRAM contention on, max(compute, transfer, DRAM time
// of both), below.
#pragma once

#include <string>
#include <vector>

#include "training/compute_model.h"
#include "training/tensor_plan.h"

namespace cdma::training {

struct TensorTransfer {
  double offload_s = 0;
  double prefetch_s = 0;
};

struct LayerStep {
  double compute_s = 0;
  double transfer_s = 0;    // offload (forward) or prefetch (backward) overlapped with the compute
  double stall_s = 0;       // time the GPU waited for transfers
  double contention_s = 0;  // time added because compute and DMA share the GPU's DRAM (0 with it off)
  double duration_s() const { return compute_s + stall_s + contention_s; }
};

// The GPU's DRAM shared by the layers' own traffic and the DMA engine's (the cDMA paper's penalty when the
// engine's DRAM bandwidth pressure is high). A fluid rule: while a layer computes with transfers overlapped,
// both streams draw on one sustained DRAM bandwidth W, so the step takes
//     max(compute, transfer, (compute DRAM bytes + DMA DRAM bytes) / W)
// instead of max(compute, transfer). The DMA engine reads (offload) or writes (prefetch) a tensor's
// uncompressed bytes in GPU DRAM whatever the codec: compression happens between DRAM and PCIe. On-demand
// fetches run while the GPU waits, so they meet no compute traffic. Off (the default): each stream runs as if
// alone, as the paper's model and the results recorded before this rule.
struct DramContention {
  bool enabled = false;
  double bytes_per_s = 0;  // W: the DRAM bandwidth both streams share (peak x the roofline's efficiency)
  std::vector<double> forward_bytes, backward_bytes;  // per layer: the compute's DRAM bytes for the batch
  std::vector<double> tensor_bytes;                   // per tensor of the plan: its bytes for the batch
};

struct TimelineEvent {
  std::string track;  // "compute", "offload", "prefetch", "stall"
  std::string name;
  double start_s, end_s;
};

struct Schedule {
  std::vector<LayerStep> forward, backward;  // per layer
  double forward_s = 0, backward_s = 0, stall_s = 0, contention_s = 0;
  std::vector<TimelineEvent> events;
  double total_s() const { return forward_s + backward_s; }
};

// Which offloaded tensors come back during each backward step (indexed by layer): those the layer's own
// backward pass needs first, fetched on demand before it starts, then those fetched overlapped with its
// compute (the nearest earlier layer that needs offloaded tensors, not past a convolution). It depends on the
// network and the plan only, not on times, so the memory model can use it before anything is simulated.
struct PrefetchPlan {
  std::vector<std::vector<size_t>> on_demand, overlapped;  // tensor ids per backward step
  std::vector<int> step_of;  // per tensor: the backward step that fetches it back (-1: not offloaded)
};
PrefetchPlan plan_prefetches(const Network& net, const TensorPlan& plan);

// The rule's inputs from the roofline (compute_model.h): a layer's compute DRAM bytes are forward_bytes x
// batch forward and backward_factor times that backward (the roofline's own assumption about backward
// passes), tensors their elements x batch x kElementBytes, W = dram_gbps x efficiency. Used with measured
// compute times
// (--compute-csv) too: the bytes are the layer's, whatever its time.
DramContention roofline_dram_contention(const Network& net, const TensorPlan& plan, const RooflineParams& p);

// No offload at all: the GPU has enough memory.
Schedule schedule_oracle(const Network& net, const std::vector<LayerTime>& compute);
// Throws std::invalid_argument if `contention` is enabled with a non-positive bandwidth or vectors of the
// wrong size.
Schedule schedule_vdnn(const Network& net, const TensorPlan& plan, const std::vector<LayerTime>& compute,
                       const std::vector<TensorTransfer>& transfers, const DramContention& contention = {});

}  // namespace cdma::training

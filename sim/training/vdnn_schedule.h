// The vDNN schedule of one training iteration, given each layer's compute time and each offloaded tensor's
// transfer times (measured on the platform model). Forward: a layer's input is offloaded while the layer
// runs; both streams synchronise at the layer's end. Backward: while layer l computes, the nearest earlier
// offloaded tensor not yet prefetched is fetched back (the search does not go past a convolution layer); a
// tensor still missing when its layer's backward pass starts is fetched on demand (a stall). Layer time =
// max(compute, transfer) plus any on-demand fetch.
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
  double transfer_s = 0;  // offload (forward) or prefetch (backward) overlapped with the compute
  double stall_s = 0;     // time the GPU waited for transfers
};

struct TimelineEvent {
  std::string track;  // "compute", "offload", "prefetch", "stall"
  std::string name;
  double start_s, end_s;
};

struct Schedule {
  std::vector<LayerStep> forward, backward;  // per layer
  double forward_s = 0, backward_s = 0, stall_s = 0;
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

// No offload at all: the GPU has enough memory.
Schedule schedule_oracle(const Network& net, const std::vector<LayerTime>& compute);
Schedule schedule_vdnn(const Network& net, const TensorPlan& plan, const std::vector<LayerTime>& compute,
                       const std::vector<TensorTransfer>& transfers);

}  // namespace cdma::training

// GPU and host memory of one training iteration, step by step (docs/training.md, "Does it fit?"). Everything
// is fp32 and exact in bytes:
//   model state  every layer's weights and biases, their gradients and the optimizer's state per parameter
//                (SGD: none, momentum: one copy, Adam: two), plus batchnorm's running statistics, resident
//                all iteration in every configuration;
//   workspace    the running convolution's scratch buffer: its im2col matrix for the batch, capped at
//                `workspace_limit_bytes` (0, the default: vDNN's memory-optimal algorithms, which need none);
//   activations  the forward tensors of the plan. The oracle keeps each from its producer's forward step
//   until
//                the last backward step that reads it (its readers read it, and so do the in-place layers
//                that wrote it and pool/LRN/softmax/ReLU for their own output); vDNN and cDMA free an
//                offloaded tensor after its last forward reader and hold it again from the backward step that
//                fetches it (plan_prefetches) until that same last backward use;
//   gradients    the gradient of each tensor but the network input, from the backward step of its last reader
//                (the loss: the last layer) down to its producer's.
// vDNN and cDMA hold the same GPU memory (compression changes what crosses PCIe, not what the GPU keeps); the
// host holds every offloaded tensor at the end of the forward pass: vDNN their bytes, cDMA their compressed
// images.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "training/network.h"
#include "training/tensor_plan.h"
#include "training/vdnn_schedule.h"
#include "util/enum_table.h"

namespace cdma::training {

enum class Optimizer { kSgd, kMomentum, kAdam };
Optimizer parse_optimizer(const std::string& s);  // "sgd" | "momentum" | "adam"
const char* to_string(Optimizer o);
unsigned optimizer_state_copies(Optimizer o);  // per parameter: 0, 1, 2

enum class MemoryConfig { kOracle, kOffload };  // the oracle keeps everything; vDNN and cDMA offload

struct MemoryOptions {
  Optimizer optimizer = Optimizer::kMomentum;
  uint64_t workspace_limit_bytes = 0;
};

struct MemoryUse {
  uint64_t model_state = 0, workspace = 0, activations = 0, gradients = 0;
  uint64_t total() const;  // saturates at 2^64 - 1, as every byte count of the model does
};

enum class Pass { kForward, kBackward };
const char* to_string(Pass p);

// One configuration's GPU memory at every step: forward[i] while layer i runs forward, backward[i] while it
// runs backward; the peak is the largest of them (the first such step if several tie).
struct MemoryProfile {
  std::vector<MemoryUse> forward, backward;
  MemoryUse peak;
  Pass peak_pass = Pass::kForward;
  size_t peak_layer = 0;
  uint64_t peak_bytes() const { return peak.total(); }
};

MemoryProfile gpu_memory(const Network& net, const TensorPlan& plan, const PrefetchPlan& prefetches,
                         uint32_t batch, MemoryConfig config, const MemoryOptions& options);
// Host memory vDNN needs: every offloaded tensor's bytes.
uint64_t host_memory_uncompressed(const TensorPlan& plan, uint32_t batch);

// The largest batch in [1, limit] whose GPU peak fits `gpu_capacity` (and, for kOffload, whose offloaded
// bytes fit `host_capacity`); 0 when not even batch 1 fits. Memory grows with the batch, so a binary search
// finds it.
struct BatchLimit {
  uint32_t batch = 0;
  bool host_bound = false;  // the host, not the GPU, stops the next batch
};
BatchLimit max_batch(const Network& net, const TensorPlan& plan, const PrefetchPlan& prefetches,
                     MemoryConfig config, const MemoryOptions& options, uint64_t gpu_capacity,
                     uint64_t host_capacity, uint32_t limit);

}  // namespace cdma::training

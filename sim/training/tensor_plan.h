// Which activation tensors exist in an iteration, who produces and consumes them, and which vDNN offloads.
// ReLU and dropout run in place (as in cuDNN/Caffe), so a conv's output and the ReLU after it are one tensor,
// stored post-ReLU: that is the sparse tensor vDNN offloads and cDMA compresses.
#pragma once

#include <string>
#include <vector>

#include "training/network.h"

namespace cdma::training {

// Activations, weights and gradients of a training iteration are fp32 (synthetic data and traces alike).
constexpr uint64_t kElementBytes = 4;

enum class OffloadPolicy { kAll, kConv };  // vDNN_all: every layer's input; vDNN_conv: conv layers' inputs
OffloadPolicy parse_offload_policy(const std::string& s);  // "all" | "conv" (or "vDNN_all" | "vDNN_conv")
const char* to_string(OffloadPolicy p);

struct ActivationTensor {
  std::string producer;  // layer that created it ("input" for the network input)
  std::string content;   // layer whose output it holds after in-place layers (density key, trace file name)
  uint64_t elements_per_sample = 0;
  int first_consumer = -1;  // forward: offloaded while this layer runs
  int last_consumer = -1;   // backward: must be back on the GPU before this layer's backward pass
  bool offloaded = false;
};

struct TensorPlan {
  std::vector<ActivationTensor> tensors;
  std::vector<std::vector<size_t>> layer_inputs;  // tensor ids each layer reads
  std::vector<size_t> layer_output;               // the tensor each layer writes (its input, if in place)
};

TensorPlan plan_tensors(const Network& net, OffloadPolicy policy);

}  // namespace cdma::training

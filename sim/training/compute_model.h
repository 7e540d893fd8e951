// Per-layer forward and backward compute time: a roofline on the platform's GPU, or times a user measured.
#pragma once

#include <string>
#include <vector>

#include "training/network.h"

namespace cdma::training {

struct LayerTime {
  double forward_s = 0;
  double backward_s = 0;
};

struct RooflineParams {
  double peak_tflops = 6.6;    // GPU FP32 peak
  double dram_gbps = 336.5;    // GPU DRAM bandwidth
  double efficiency = 0.7;     // fraction of peak compute and bandwidth a layer achieves (docs/validation.md)
  double backward_factor = 2;  // backward = factor x forward (data and weight gradients)
  uint32_t batch = 128;
};

// Forward FLOPs of one sample: conv 2 x out x (in_channels/groups) x kh x kw, fc 2 x in x out, others one per
// output element (they are bandwidth-bound anyway).
double forward_flops(const Layer& layer);
// Bytes one sample's forward pass moves: input and output activations, plus the weights once per batch.
double forward_bytes(const Layer& layer, uint32_t batch);
std::vector<LayerTime> roofline_times(const Network& net, const RooflineParams& p);
// CSV with a header "layer,forward_ms,backward_ms" and one row per layer of the network (any order).
// Throws NetworkError naming the file, line and problem (missing layer, unknown layer, bad number).
std::vector<LayerTime> load_layer_times(const std::string& csv_path, const Network& net);

}  // namespace cdma::training

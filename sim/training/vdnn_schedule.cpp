#include "training/vdnn_schedule.h"

#include <algorithm>
#include <stdexcept>

namespace cdma::training {

Schedule schedule_oracle(const Network& net, const std::vector<LayerTime>& compute) {
  Schedule s;
  double t = 0;
  for (size_t i = 0; i < net.layers.size(); ++i) {
    s.forward.push_back({compute[i].forward_s, 0, 0});
    s.events.push_back({"compute", net.layers[i].name + " fwd", t, t + compute[i].forward_s});
    t += compute[i].forward_s;
  }
  s.forward_s = t;
  s.backward.resize(net.layers.size());
  for (size_t i = net.layers.size(); i-- > 0;) {
    s.backward[i] = {compute[i].backward_s, 0, 0};
    s.events.push_back({"compute", net.layers[i].name + " bwd", t, t + compute[i].backward_s});
    t += compute[i].backward_s;
  }
  s.backward_s = t - s.forward_s;
  return s;
}

DramContention roofline_dram_contention(const Network& net, const TensorPlan& plan, const RooflineParams& p) {
  DramContention d;
  d.enabled = true;
  d.bytes_per_s = p.dram_gbps * 1e9 * p.efficiency;
  for (const Layer& l : net.layers) {
    const double forward = forward_bytes(l, p.batch) * p.batch;
    d.forward_bytes.push_back(forward);
    d.backward_bytes.push_back(p.backward_factor * forward);
  }
  for (const ActivationTensor& a : plan.tensors)
    d.tensor_bytes.push_back(static_cast<double>(a.elements_per_sample) * p.batch * kElementBytes);
  return d;
}

PrefetchPlan plan_prefetches(const Network& net, const TensorPlan& plan) {
  const size_t n = net.layers.size();
  PrefetchPlan p;
  p.on_demand.resize(n);
  p.overlapped.resize(n);
  p.step_of.assign(plan.tensors.size(), -1);
  auto needed_at = [&](size_t layer) {
    std::vector<size_t> ids;
    for (size_t k = 0; k < plan.tensors.size(); ++k) {
      if (plan.tensors[k].offloaded && p.step_of[k] < 0 &&
          plan.tensors[k].last_consumer == static_cast<int>(layer))
        ids.push_back(k);
    }
    return ids;
  };
  for (size_t i = n; i-- > 0;) {
    p.on_demand[i] = needed_at(i);
    for (size_t k : p.on_demand[i]) p.step_of[k] = static_cast<int>(i);
    for (size_t k = i; k-- > 0;) {
      p.overlapped[i] = needed_at(k);
      if (!p.overlapped[i].empty() || net.layers[k].type == "conv") break;
    }
    for (size_t k : p.overlapped[i]) p.step_of[k] = static_cast<int>(i);
  }
  return p;
}

namespace {

void check(const DramContention& d, size_t layers, size_t tensors) {
  if (!d.enabled) return;
  if (!(d.bytes_per_s > 0)) throw std::invalid_argument("DRAM contention: the shared bandwidth must be > 0");
  if (d.forward_bytes.size() != layers || d.backward_bytes.size() != layers ||
      d.tensor_bytes.size() != tensors)
    throw std::invalid_argument("DRAM contention: one compute byte count per layer and one size per tensor");
}

// The time a step overlapping `compute_s` with `transfer_s` gains from sharing DRAM (0 with contention off).
double contention(const DramContention& d, double compute_s, double transfer_s, double compute_bytes,
                  double dma_bytes) {
  if (!d.enabled || dma_bytes == 0) return 0;
  const double alone = std::max(compute_s, transfer_s);
  return std::max(0.0, (compute_bytes + dma_bytes) / d.bytes_per_s - alone);
}

}  // namespace

Schedule schedule_vdnn(const Network& net, const TensorPlan& plan, const std::vector<LayerTime>& compute,
                       const std::vector<TensorTransfer>& transfers, const DramContention& dram) {
  Schedule s;
  const size_t n = net.layers.size();
  check(dram, n, plan.tensors.size());
  auto dma_bytes = [&](const std::vector<size_t>& ids) {
    double b = 0;
    if (dram.enabled)
      for (size_t k : ids) b += dram.tensor_bytes[k];
    return b;
  };
  // The step's extra time, as a stall-track event after the compute and any transfer stall.
  auto add_contention = [&](const std::string& what, double at, double extra) {
    if (extra > 0) s.events.push_back({"stall", what + " (DRAM contention)", at, at + extra});
  };
  double t = 0;
  // Forward: offload each tensor during its first consumer's forward pass.
  for (size_t i = 0; i < n; ++i) {
    double transfer = 0;
    std::vector<size_t> offloads;
    for (size_t k = 0; k < plan.tensors.size(); ++k) {
      const ActivationTensor& a = plan.tensors[k];
      if (a.offloaded && a.first_consumer == static_cast<int>(i)) {
        s.events.push_back({"offload", a.content, t + transfer, t + transfer + transfers[k].offload_s});
        transfer += transfers[k].offload_s;
        offloads.push_back(k);
      }
    }
    const double c = compute[i].forward_s;
    const double stall = std::max(0.0, transfer - c);
    const double extra =
        contention(dram, c, transfer, dram.enabled ? dram.forward_bytes[i] : 0, dma_bytes(offloads));
    s.events.push_back({"compute", net.layers[i].name + " fwd", t, t + c});
    if (stall > 0) s.events.push_back({"stall", net.layers[i].name + " fwd", t + c, t + c + stall});
    add_contention(net.layers[i].name + " fwd", t + c + stall, extra);
    s.forward.push_back({c, transfer, stall, extra});
    s.stall_s += stall;
    s.contention_s += extra;
    t += c + stall + extra;
  }
  s.forward_s = t;
  // Backward.
  const PrefetchPlan prefetches = plan_prefetches(net, plan);
  s.backward.resize(n);
  for (size_t i = n; i-- > 0;) {
    LayerStep step;
    // On demand: this layer's own inputs must be here before it starts.
    double demand = 0;
    for (size_t k : prefetches.on_demand[i]) {
      s.events.push_back({"prefetch", plan.tensors[k].content + " (on demand)", t + demand,
                          t + demand + transfers[k].prefetch_s});
      demand += transfers[k].prefetch_s;
    }
    if (demand > 0)
      s.events.push_back({"stall", net.layers[i].name + " bwd (waits for its input)", t, t + demand});
    t += demand;
    // Overlapped: the nearest earlier layer whose inputs are offloaded and not yet back, not past a conv
    // layer.
    double transfer = 0;
    for (size_t k : prefetches.overlapped[i]) {
      s.events.push_back(
          {"prefetch", plan.tensors[k].content, t + transfer, t + transfer + transfers[k].prefetch_s});
      transfer += transfers[k].prefetch_s;
    }
    const double c = compute[i].backward_s;
    const double stall = std::max(0.0, transfer - c);
    const double extra = contention(dram, c, transfer, dram.enabled ? dram.backward_bytes[i] : 0,
                                    dma_bytes(prefetches.overlapped[i]));
    s.events.push_back({"compute", net.layers[i].name + " bwd", t, t + c});
    if (stall > 0) s.events.push_back({"stall", net.layers[i].name + " bwd", t + c, t + c + stall});
    add_contention(net.layers[i].name + " bwd", t + c + stall, extra);
    step.compute_s = c;
    step.transfer_s = transfer + demand;
    step.stall_s = stall + demand;
    step.contention_s = extra;
    s.backward[i] = step;
    s.stall_s += step.stall_s;
    s.contention_s += extra;
    t += c + stall + extra;
  }
  s.backward_s = t - s.forward_s;
  return s;
}

}  // namespace cdma::training

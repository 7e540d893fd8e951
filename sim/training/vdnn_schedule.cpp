#include "training/vdnn_schedule.h"

#include <algorithm>

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

Schedule schedule_vdnn(const Network& net, const TensorPlan& plan, const std::vector<LayerTime>& compute,
                       const std::vector<TensorTransfer>& transfers) {
  Schedule s;
  const size_t n = net.layers.size();
  double t = 0;
  // Forward: offload each tensor during its first consumer's forward pass.
  for (size_t i = 0; i < n; ++i) {
    double transfer = 0;
    for (size_t k = 0; k < plan.tensors.size(); ++k) {
      const ActivationTensor& a = plan.tensors[k];
      if (a.offloaded && a.first_consumer == static_cast<int>(i)) {
        s.events.push_back({"offload", a.content, t + transfer, t + transfer + transfers[k].offload_s});
        transfer += transfers[k].offload_s;
      }
    }
    const double c = compute[i].forward_s;
    const double stall = std::max(0.0, transfer - c);
    s.events.push_back({"compute", net.layers[i].name + " fwd", t, t + c});
    if (stall > 0) s.events.push_back({"stall", net.layers[i].name + " fwd", t + c, t + c + stall});
    s.forward.push_back({c, transfer, stall});
    s.stall_s += stall;
    t += c + stall;
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
    s.events.push_back({"compute", net.layers[i].name + " bwd", t, t + c});
    if (stall > 0) s.events.push_back({"stall", net.layers[i].name + " bwd", t + c, t + c + stall});
    step.compute_s = c;
    step.transfer_s = transfer + demand;
    step.stall_s = stall + demand;
    s.backward[i] = step;
    s.stall_s += step.stall_s;
    t += c + stall;
  }
  s.backward_s = t - s.forward_s;
  return s;
}

}  // namespace cdma::training

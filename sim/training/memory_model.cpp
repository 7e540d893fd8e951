#include "training/memory_model.h"

#include <algorithm>
#include <limits>

namespace cdma::training {

namespace {

const util::EnumTable<Optimizer, 3> kOptimizers("optimizer", {{{Optimizer::kSgd, "sgd"},
                                                               {Optimizer::kMomentum, "momentum"},
                                                               {Optimizer::kAdam, "adam"}}});

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

// Byte counts saturate instead of wrapping: a batch of 2^32 samples of a large network does not fit 64 bits,
// and "more than any capacity" is the right answer for it.
uint64_t mul(uint64_t a, uint64_t b) {
  return a != 0 && b > kMax / a ? kMax : a * b;
}
uint64_t add(uint64_t a, uint64_t b) {
  return b > kMax - a ? kMax : a + b;
}

// Layers whose backward pass reads their own output (besides their inputs, which every layer reads).
bool reads_output_backward(const Layer& l) {
  return l.type == "pool" || l.type == "lrn" || l.type == "softmax";
}

// The im2col matrix of one sample (none for a 1x1 stride-1 unpadded convolution: its input is the matrix).
uint64_t im2col_elements(const Layer& l) {
  if (l.type != "conv") return 0;
  if (l.kernel_h == 1 && l.kernel_w == 1 && l.stride == 1 && l.pad == 0) return 0;
  return l.in[0] * l.kernel_h * l.kernel_w * l.out[1] * l.out[2];
}

struct Lifetimes {
  std::vector<int> producer;       // forward step that writes each tensor (-1: the network input)
  std::vector<int> last_backward;  // the lowest backward step that reads it (it is freed after that step)
};

Lifetimes lifetimes(const Network& net, const TensorPlan& plan) {
  const int n = static_cast<int>(net.layers.size());
  Lifetimes t;
  t.producer.assign(plan.tensors.size(), -1);
  t.last_backward.assign(plan.tensors.size(), n - 1);  // a tensor nobody reads back: the loss reads it
  std::vector<bool> read(plan.tensors.size(), false);
  auto reads = [&](size_t tensor, int layer) {
    t.last_backward[tensor] = read[tensor] ? std::min(t.last_backward[tensor], layer) : layer;
    read[tensor] = true;
  };
  for (int l = 0; l < n; ++l) {
    const Layer& L = net.layers[l];
    if (!L.in_place()) t.producer[plan.layer_output[l]] = l;
    for (size_t k : plan.layer_inputs[l]) reads(k, l);
    if (reads_output_backward(L)) reads(plan.layer_output[l], l);
  }
  return t;
}

}  // namespace

uint64_t MemoryUse::total() const {
  return add(add(model_state, workspace), add(activations, gradients));
}

Optimizer parse_optimizer(const std::string& s) {
  return kOptimizers.parse(s);
}
const char* to_string(Optimizer o) {
  return kOptimizers.name(o);
}
unsigned optimizer_state_copies(Optimizer o) {
  switch (o) {
    case Optimizer::kSgd:
      return 0;
    case Optimizer::kMomentum:
      return 1;
    case Optimizer::kAdam:
      return 2;
  }
  return 0;
}

const char* to_string(Pass p) {
  return p == Pass::kForward ? "forward" : "backward";
}

MemoryProfile gpu_memory(const Network& net, const TensorPlan& plan, const PrefetchPlan& prefetches,
                         uint32_t batch, MemoryConfig config, const MemoryOptions& o) {
  const size_t n = net.layers.size();
  MemoryProfile m;
  // Model state: weights and biases, their gradients and the optimizer's copies; running statistics once.
  uint64_t state_elements = 0;
  for (const Layer& l : net.layers) {
    const uint64_t learned = l.weight_elements() + l.bias_elements();
    state_elements =
        add(state_elements, add(mul(learned, 2 + optimizer_state_copies(o.optimizer)), l.buffer_elements()));
  }
  MemoryUse base;
  base.model_state = mul(state_elements, kElementBytes);
  m.forward.assign(n, base);
  m.backward.assign(n, base);
  for (size_t l = 0; l < n; ++l) {
    const uint64_t ws =
        std::min(o.workspace_limit_bytes, mul(mul(im2col_elements(net.layers[l]), batch), kElementBytes));
    m.forward[l].workspace = ws;
    m.backward[l].workspace = ws;
  }
  const Lifetimes life = lifetimes(net, plan);
  for (size_t k = 0; k < plan.tensors.size(); ++k) {
    const ActivationTensor& a = plan.tensors[k];
    const uint64_t bytes = mul(mul(a.elements_per_sample, batch), kElementBytes);
    const bool offloaded = config == MemoryConfig::kOffload && a.offloaded;
    const int first = std::max(life.producer[k], 0);
    const int last_forward = offloaded ? a.last_consumer : static_cast<int>(n) - 1;
    for (int i = first; i <= last_forward; ++i)
      m.forward[i].activations = add(m.forward[i].activations, bytes);
    const int back_from = offloaded ? prefetches.step_of[k] : static_cast<int>(n) - 1;
    for (int i = life.last_backward[k]; i <= back_from; ++i)
      m.backward[i].activations = add(m.backward[i].activations, bytes);
    // The gradient: none for the network input (nothing consumes it); otherwise from the backward step of its
    // last reader (the loss, for the last tensor) down to its producer's.
    if (life.producer[k] < 0) continue;
    const int made = a.last_consumer >= 0 ? a.last_consumer : static_cast<int>(n) - 1;
    for (int i = life.producer[k]; i <= made; ++i)
      m.backward[i].gradients = add(m.backward[i].gradients, bytes);
  }
  // The peak, the first in execution order if several steps tie.
  m.peak = m.forward.empty() ? base : m.forward[0];
  for (size_t i = 0; i < n; ++i) {
    if (m.forward[i].total() > m.peak.total()) {
      m.peak = m.forward[i];
      m.peak_pass = Pass::kForward;
      m.peak_layer = i;
    }
  }
  for (size_t i = n; i-- > 0;) {
    if (m.backward[i].total() > m.peak.total()) {
      m.peak = m.backward[i];
      m.peak_pass = Pass::kBackward;
      m.peak_layer = i;
    }
  }
  return m;
}

uint64_t host_memory_uncompressed(const TensorPlan& plan, uint32_t batch) {
  uint64_t bytes = 0;
  for (const ActivationTensor& a : plan.tensors) {
    if (a.offloaded) bytes = add(bytes, mul(mul(a.elements_per_sample, batch), kElementBytes));
  }
  return bytes;
}

BatchLimit max_batch(const Network& net, const TensorPlan& plan, const PrefetchPlan& prefetches,
                     MemoryConfig config, const MemoryOptions& options, uint64_t gpu_capacity,
                     uint64_t host_capacity, uint32_t limit) {
  auto gpu_fits = [&](uint32_t b) {
    return gpu_memory(net, plan, prefetches, b, config, options).peak_bytes() <= gpu_capacity;
  };
  auto host_fits = [&](uint32_t b) {
    return config == MemoryConfig::kOracle || host_memory_uncompressed(plan, b) <= host_capacity;
  };
  auto fits = [&](uint32_t b) { return gpu_fits(b) && host_fits(b); };
  BatchLimit r;
  if (limit == 0 || !fits(1)) {
    r.host_bound = !host_fits(1);
    return r;
  }
  uint32_t lo = 1, hi = limit;  // fits(lo); the answer is in [lo, hi]
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo + 1) / 2;
    if (fits(mid)) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  r.batch = lo;
  r.host_bound = lo < limit && gpu_fits(lo + 1) && !host_fits(lo + 1);
  return r;
}

}  // namespace cdma::training

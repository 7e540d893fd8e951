#include "training/compute_model.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "training/tensor_plan.h"

namespace cdma::training {

double forward_flops(const Layer& l) {
  if (l.type == "conv") {
    const double in_channels = static_cast<double>(l.in[0]) / l.groups;
    return 2.0 * static_cast<double>(l.out_elements()) * in_channels * l.kernel_h * l.kernel_w;
  }
  if (l.type == "fc")
    return 2.0 * static_cast<double>(l.in_elements()) * static_cast<double>(l.out_elements());
  return static_cast<double>(l.out_elements());
}

double forward_bytes(const Layer& l, uint32_t batch) {
  constexpr double kBytes = kElementBytes;
  const double weights = static_cast<double>(l.weight_elements());
  return kBytes * (static_cast<double>(l.in_elements() + l.out_elements()) + weights / batch);
}

std::vector<LayerTime> roofline_times(const Network& net, const RooflineParams& p) {
  std::vector<LayerTime> t;
  for (const Layer& l : net.layers) {
    const double compute = forward_flops(l) * p.batch / (p.peak_tflops * 1e12 * p.efficiency);
    const double memory = forward_bytes(l, p.batch) * p.batch / (p.dram_gbps * 1e9 * p.efficiency);
    const double f = std::max(compute, memory);
    t.push_back({f, p.backward_factor * f});
  }
  return t;
}

std::vector<LayerTime> load_layer_times(const std::string& path, const Network& net) {
  std::ifstream f(path);
  if (!f) throw NetworkError(path + ": cannot open");
  std::vector<LayerTime> t(net.layers.size());
  std::vector<bool> seen(net.layers.size(), false);
  std::string line;
  int n = 0;
  while (std::getline(f, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (n == 1 && line.rfind("layer", 0) == 0)) continue;
    std::stringstream ss(line);
    std::string name, fwd, bwd;
    if (!std::getline(ss, name, ',') || !std::getline(ss, fwd, ',') || !std::getline(ss, bwd, ',')) {
      throw NetworkError(path + ":" + std::to_string(n) + ": expected layer,forward_ms,backward_ms");
    }
    size_t i;
    try {
      i = net.index_of(name);
    } catch (const NetworkError&) {
      throw NetworkError(path + ":" + std::to_string(n) + ": layer '" + name + "' is not in " + net.name);
    }
    try {
      size_t u1 = 0, u2 = 0;
      t[i] = {std::stod(fwd, &u1) * 1e-3, std::stod(bwd, &u2) * 1e-3};
      if (u1 != fwd.size() || u2 != bwd.size() || t[i].forward_s < 0 || t[i].backward_s < 0)
        throw std::exception();
    } catch (const std::exception&) {
      throw NetworkError(path + ":" + std::to_string(n) + ": bad time for layer '" + name + "'");
    }
    seen[i] = true;
  }
  for (size_t i = 0; i < seen.size(); ++i) {
    if (!seen[i]) throw NetworkError(path + ": no time for layer '" + net.layers[i].name + "'");
  }
  return t;
}

}  // namespace cdma::training

// A DNN as data: the layers of sim/workloads/<name>.json with their per-sample shapes (schema in
// sim/workloads/README.md). Loading validates everything before anything is built, naming the file, the layer
// and the field: unknown and duplicate keys, parameters out of range, names that are not safe file names
// (a layer's trace is <dir>/<name>.npy), producers that do not exist yet, shapes that overflow 64 bits, and
// shapes that do not follow from the layer's parameters and its producers' shapes.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace cdma::training {

struct Layer {
  std::string name;
  std::string type;  // conv, fc, relu, pool, lrn, concat, dropout, softmax, add, batchnorm
  std::vector<uint64_t> in, out;
  uint32_t kernel_h = 1, kernel_w = 1, stride = 1, pad = 0, groups = 1;
  std::string mode;                 // pool: max | avg
  bool ceil_mode = false;           // pool: output size rounds up
  uint32_t size = 0;                // lrn: window in channels
  double p = 0;                     // dropout: drop probability
  std::vector<std::string> inputs;  // producers, when not simply the previous layer ("input": the network's)

  uint64_t in_elements() const;
  uint64_t out_elements() const;
  // Learnable parameters: conv Cout x Cin/groups x kh x kw weights and Cout biases, fc in x out and out,
  // batchnorm a scale and a shift per channel; other layers none.
  uint64_t weight_elements() const;
  uint64_t bias_elements() const;
  // Statistics kept but not learned: batchnorm's running mean and variance per channel.
  uint64_t buffer_elements() const;
  // ReLU and dropout overwrite their input (as cuDNN/Caffe run them): no tensor of their own.
  bool in_place() const { return type == "relu" || type == "dropout"; }
};

struct Network {
  std::string name, description;
  std::vector<uint64_t> input;
  std::vector<Layer> layers;
  size_t index_of(const std::string& layer) const;  // throws NetworkError if absent
};

class NetworkError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

Network load_network(const std::string& path);
// A bare name is looked up as <workloads_dir>/<name>.json; the error lists the networks that exist.
std::string resolve_network_path(const std::string& name_or_path, const std::string& workloads_dir);

}  // namespace cdma::training

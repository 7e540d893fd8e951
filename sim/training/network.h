// A DNN as data: the layers of sim/workloads/<name>.json with their per-sample shapes (schema in
// sim/workloads/README.md). Loading validates everything and names the file and the field on error.
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
  std::vector<std::string> inputs;  // producers, when not simply the previous layer

  uint64_t in_elements() const;
  uint64_t out_elements() const;
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

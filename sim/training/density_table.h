// The per-layer output densities of synthetic activations (sim/workloads/densities/<net>.json, schema in
// sim/workloads/README.md): the fraction of non-zero elements of each layer's output, and the file's zero
// clustering.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "training/network.h"
#include "training/tensor_plan.h"

namespace cdma::training {

class DensityTable {
 public:
  // Every tensor dense, clustering 0.5 (the default of a file that gives none).
  DensityTable() = default;
  // For a network without a densities file: a documented density per kind of the layer whose output a tensor
  // holds (sim/workloads/README.md): ReLU (and dropout after it), LRN and concat outputs 0.5, pooling outputs
  // 0.6 (a max over a window of a sparse map is denser), the input and every other layer 1.0 (dense).
  static DensityTable by_layer_kind(const Network& net);
  static double default_density(const std::string& layer_type);
  // Reads `path` and checks that it gives a density in [0, 1] to every tensor of `plan` that is offloaded
  // (the network input may be left out: images are dense). Throws NetworkError naming the file and the field.
  static DensityTable load(const std::string& path, const Network& net, const TensorPlan& plan);

  // The density of tensor `t`'s activations: its content layer's entry (1.0 if the file has none).
  double density_of(const ActivationTensor& t) const;
  double clustering() const { return clustering_; }  // the file's default_clustering
  // The zero clustering of tensor `t`'s activations: its content layer's entry of the file's `clustering`,
  // else default_clustering.
  double clustering_of(const ActivationTensor& t) const;

 private:
  nlohmann::json layers_ = nlohmann::json::object();
  nlohmann::json clusterings_ = nlohmann::json::object();
  double clustering_ = 0.5;
};

}  // namespace cdma::training

// The per-layer output densities of synthetic activations (sim/workloads/densities/<net>.json, schema in
// sim/workloads/README.md): the fraction of non-zero elements of each layer's output, and the file's zero
// clustering; and, where real captures exist, a fitted activation model (cdma-codec fit) that draws the
// layers it has instead of the Markov generator.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tensor/activation_model.h"
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

  // The file's "activation_model" (a path relative to the densities file), resolved; "" if it has none.
  const std::string& declared_activation_model() const { return declared_model_; }
  // Draws every offloaded tensor whose layer `path` has from that layer's fitted model, moved to the density
  // this table's file gives the tensor (tensor::retarget_density, once per layer); at its own fitted density
  // when the table is the defaults by layer kind (no densities file: the model knows better). Throws
  // NetworkError naming the file for an unreadable model or a layer whose sample size differs from the
  // network's.
  void use_activation_model(const std::string& path, const TensorPlan& plan);
  // The fitted model tensor `t` is drawn from, or nullptr (Markov generator).
  const tensor::LayerActivationModel* fitted_of(const ActivationTensor& t) const;
  const std::string& activation_model() const { return model_path_; }  // "" if none is used
  std::vector<std::string> fitted_layers() const;

 private:
  nlohmann::json layers_ = nlohmann::json::object();
  nlohmann::json clusterings_ = nlohmann::json::object();
  double clustering_ = 0.5;
  bool by_kind_ = false;  // densities are the defaults by layer kind, not a file's
  std::string declared_model_, model_path_;
  std::map<std::string, tensor::LayerActivationModel> fitted_;  // by layer, at this table's density
};

}  // namespace cdma::training

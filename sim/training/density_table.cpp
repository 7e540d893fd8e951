#include "training/density_table.h"

#include <cmath>
#include <filesystem>

#include "tensor/activation_fitter.h"
#include "util/json_file.h"

namespace cdma::training {

namespace {
// Densities this close are the same (files round them to 6 digits).
constexpr double kSameDensity = 1e-6;
}  // namespace

DensityTable DensityTable::load(const std::string& path, const Network& net, const TensorPlan& plan) {
  nlohmann::json j;
  try {
    j = util::read_json_file(path);
  } catch (const util::JsonFileError& e) {
    throw NetworkError(std::string(e.what()) + " (densities file)");
  }
  if (!j.contains("layers") || !j["layers"].is_object()) throw NetworkError(path + ": layers: missing");
  DensityTable d;
  d.layers_ = j["layers"];
  d.clustering_ = j.value("default_clustering", 0.5);
  // Clustering is the generator's lag-1 correlation: [0, 1).
  auto check_clustering = [&](const nlohmann::json& v, const std::string& field) {
    if (!v.is_number() || !(v.get<double>() >= 0 && v.get<double>() < 1)) {
      throw NetworkError(path + ": " + field + ": clustering must be a number in [0, 1), got " + v.dump());
    }
  };
  if (j.contains("default_clustering")) check_clustering(j["default_clustering"], "default_clustering");
  if (j.contains("clustering")) {
    if (!j["clustering"].is_object())
      throw NetworkError(path + ": clustering: must be an object of layer: value");
    for (const auto& [layer, v] : j["clustering"].items()) {
      bool known = layer == "input";
      for (const Layer& l : net.layers) known = known || l.name == layer;
      if (!known)
        throw NetworkError(path + ": clustering." + layer + ": no layer of " + net.name + " has this name");
      check_clustering(v, "clustering." + layer);
    }
    d.clusterings_ = j["clustering"];
  }
  if (j.contains("activation_model")) {
    if (!j["activation_model"].is_string() || j["activation_model"].get<std::string>().empty())
      throw NetworkError(path + ": activation_model: must be the path of a model file (cdma-codec fit)");
    d.declared_model_ = (std::filesystem::path(path).parent_path() / j["activation_model"].get<std::string>())
                            .lexically_normal()
                            .string();
  }
  for (const auto& t : plan.tensors) {
    if (!t.offloaded || t.content == "input") continue;
    if (!d.layers_.contains(t.content) || !d.layers_[t.content].is_number()) {
      throw NetworkError(path + ": layers." + t.content + ": no density for this layer of " + net.name);
    }
    const double v = d.layers_[t.content].get<double>();
    if (!(v >= 0 && v <= 1))
      throw NetworkError(path + ": layers." + t.content + ": density must be in [0, 1]");
  }
  return d;
}

double DensityTable::default_density(const std::string& type) {
  if (type == "relu" || type == "dropout" || type == "lrn" || type == "concat") return 0.5;
  if (type == "pool") return 0.6;
  return 1.0;
}

DensityTable DensityTable::by_layer_kind(const Network& net) {
  DensityTable d;
  d.by_kind_ = true;
  for (const Layer& l : net.layers) d.layers_[l.name] = default_density(l.type);
  return d;
}

double DensityTable::clustering_of(const ActivationTensor& t) const {
  return clusterings_.value(t.content, clustering_);
}

void DensityTable::use_activation_model(const std::string& path, const TensorPlan& plan) {
  tensor::ActivationModel model;
  try {
    model = tensor::ActivationModel::load(path);
  } catch (const tensor::ActivationModelError& e) {
    throw NetworkError(std::string(e.what()) + " (activation model)");
  }
  fitted_.clear();
  for (const auto& t : plan.tensors) {
    if (!t.offloaded || fitted_.count(t.content) || !model.layers.count(t.content)) continue;
    tensor::LayerActivationModel m = model.layers.at(t.content);
    if (m.sample_elements() != t.elements_per_sample) {
      throw NetworkError(path + ": layers." + t.content + ": " + std::to_string(m.sample_elements()) +
                         " elements per sample, the network's layer has " +
                         std::to_string(t.elements_per_sample));
    }
    // Fitted to its own capture's density: moved only when this table asks for another.
    const double density = by_kind_ ? m.density : density_of(t);
    if (std::abs(density - m.density) > kSameDensity) tensor::retarget_density(m, density);
    fitted_.emplace(t.content, std::move(m));
  }
  model_path_ = path;
}

const tensor::LayerActivationModel* DensityTable::fitted_of(const ActivationTensor& t) const {
  const auto it = fitted_.find(t.content);
  return it == fitted_.end() ? nullptr : &it->second;
}

std::vector<std::string> DensityTable::fitted_layers() const {
  std::vector<std::string> names;
  for (const auto& [name, m] : fitted_) names.push_back(name);
  return names;
}

double DensityTable::density_of(const ActivationTensor& t) const {
  return t.content == "input" && !layers_.contains("input") ? 1.0  // images are dense
                                                            : layers_.value(t.content, 1.0);
}

}  // namespace cdma::training

#include "training/density_table.h"

#include "util/json_file.h"

namespace cdma::training {

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
  for (const Layer& l : net.layers) d.layers_[l.name] = default_density(l.type);
  return d;
}

double DensityTable::clustering_of(const ActivationTensor& t) const {
  return clusterings_.value(t.content, clustering_);
}

double DensityTable::density_of(const ActivationTensor& t) const {
  return t.content == "input" && !layers_.contains("input") ? 1.0  // images are dense
                                                            : layers_.value(t.content, 1.0);
}

}  // namespace cdma::training

#include "training/network.h"

#include "util/json_file.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

#include <nlohmann/json.hpp>

namespace cdma::training {

namespace {

uint64_t product(const std::vector<uint64_t>& s) {
  uint64_t p = 1;
  for (uint64_t d : s) p *= d;
  return p;
}

const std::set<std::string>& known_types() {
  static const std::set<std::string> t = {"conv",   "fc",      "relu",    "pool", "lrn",
                                          "concat", "dropout", "softmax", "add",  "batchnorm"};
  return t;
}

}  // namespace

uint64_t Layer::in_elements() const {
  return product(in);
}
uint64_t Layer::out_elements() const {
  return product(out);
}

size_t Network::index_of(const std::string& layer) const {
  for (size_t i = 0; i < layers.size(); ++i) {
    if (layers[i].name == layer) return i;
  }
  throw NetworkError(name + ": no layer named '" + layer + "'");
}

Network load_network(const std::string& path) {
  nlohmann::json j;
  try {
    j = util::read_json_file(path);
  } catch (const util::JsonFileError& e) {
    throw NetworkError(e.what());
  }
  auto fail = [&](const std::string& field, const std::string& what) {
    throw NetworkError(path + ": " + field + ": " + what);
  };
  auto shape = [&](const nlohmann::json& v, const std::string& field) {
    if (!v.is_array() || v.empty()) fail(field, "expected a non-empty array of dimensions");
    std::vector<uint64_t> s;
    for (const auto& d : v) {
      if (!d.is_number_unsigned() || d.get<uint64_t>() == 0)
        fail(field, "dimensions must be positive integers");
      s.push_back(d.get<uint64_t>());
    }
    return s;
  };
  auto uint_field = [&](const nlohmann::json& l, const char* key, uint32_t def,
                        const std::string& at) -> uint32_t {
    if (!l.contains(key)) return def;
    const auto& v = l[key];
    if (v.is_array() && v.size() == 2 && v[0].is_number_unsigned()) return v[0].get<uint32_t>();
    if (!v.is_number_unsigned()) fail(at + "." + key, "expected a non-negative integer");
    return v.get<uint32_t>();
  };
  Network n;
  if (!j.is_object() || !j.contains("name") || !j["name"].is_string()) fail("name", "missing");
  n.name = j["name"].get<std::string>();
  n.description = j.value("description", "");
  if (!j.contains("input")) fail("input", "missing");
  n.input = shape(j["input"], "input");
  if (!j.contains("layers") || !j["layers"].is_array() || j["layers"].empty())
    fail("layers", "missing or empty");
  std::set<std::string> names;
  for (size_t i = 0; i < j["layers"].size(); ++i) {
    const auto& l = j["layers"][i];
    const std::string at = "layers[" + std::to_string(i) + "]";
    Layer L;
    if (!l.contains("name") || !l["name"].is_string()) fail(at + ".name", "missing");
    L.name = l["name"].get<std::string>();
    if (!names.insert(L.name).second) fail(at + ".name", "duplicate layer name '" + L.name + "'");
    L.type = l.value("type", "");
    if (!known_types().count(L.type)) fail(at + ".type", "unknown layer type '" + L.type + "'");
    if (!l.contains("in") || !l.contains("out")) fail(at, "needs 'in' and 'out' shapes");
    L.in = shape(l["in"], at + ".in");
    L.out = shape(l["out"], at + ".out");
    if (l.contains("kernel")) {
      const auto& k = l["kernel"];
      if (k.is_array() && k.size() == 2 && k[0].is_number_unsigned() && k[1].is_number_unsigned()) {
        L.kernel_h = k[0].get<uint32_t>();
        L.kernel_w = k[1].get<uint32_t>();
      } else if (k.is_number_unsigned()) {
        L.kernel_h = L.kernel_w = k.get<uint32_t>();
      } else {
        fail(at + ".kernel", "expected [h, w]");
      }
    }
    L.stride = uint_field(l, "stride", 1, at);
    L.pad = uint_field(l, "pad", 0, at);
    L.groups = uint_field(l, "groups", 1, at);
    if (L.groups == 0) fail(at + ".groups", "must be >= 1");
    L.mode = l.value("mode", "");
    if (l.contains("inputs")) {
      for (const auto& p : l["inputs"]) {
        if (!p.is_string() || !names.count(p.get<std::string>()))
          fail(at + ".inputs", "unknown producer " + p.dump());
        L.inputs.push_back(p.get<std::string>());
      }
    }
    if (L.type == "conv" && L.in.size() != 3) fail(at + ".in", "a conv input is [channels, height, width]");
    n.layers.push_back(std::move(L));
  }
  return n;
}

std::string resolve_network_path(const std::string& name_or_path, const std::string& workloads_dir) {
  namespace fs = std::filesystem;
  if (fs::exists(name_or_path) && fs::is_regular_file(name_or_path)) return name_or_path;
  const fs::path p = fs::path(workloads_dir) / (name_or_path + ".json");
  if (name_or_path.find('/') == std::string::npos && fs::exists(p)) return p.string();
  std::string known;
  if (fs::is_directory(workloads_dir)) {
    std::set<std::string> all;
    for (const auto& e : fs::directory_iterator(workloads_dir)) {
      if (e.path().extension() == ".json") all.insert(e.path().stem().string());
    }
    for (const auto& a : all) known += (known.empty() ? "" : ", ") + a;
  }
  throw NetworkError("unknown network '" + name_or_path + "' (known: " + known + ")");
}

}  // namespace cdma::training

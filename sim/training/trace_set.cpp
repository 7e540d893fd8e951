#include "training/trace_set.h"

#include <filesystem>
#include <set>

#include "util/json_file.h"

namespace cdma::training {

namespace {

namespace fs = std::filesystem;

constexpr const char* kManifestFormat = "cdma-activation-trace/1";

nlohmann::json read(const std::string& path, const char* what) {
  try {
    return util::read_json_file(path);
  } catch (const util::JsonFileError& e) {
    throw NetworkError(std::string(e.what()) + " (" + what + ")");
  }
}

// A file name inside the folder: relative, no "..", so a manifest cannot point elsewhere.
std::string checked_file(const std::string& dir, const nlohmann::json& v, const std::string& where) {
  if (!v.is_string() || v.get<std::string>().empty()) throw NetworkError(where + ": must be a file name");
  const fs::path p(v.get<std::string>());
  if (p.is_absolute())
    throw NetworkError(where + ": must be relative to the traces folder, got " + p.string());
  for (const auto& part : p) {
    if (part == "..") throw NetworkError(where + ": must stay inside the traces folder, got " + p.string());
  }
  return (fs::path(dir) / p).string();
}

}  // namespace

TraceSet TraceSet::open(const std::string& dir, const std::string& map_path, const Network& net,
                        const TensorPlan& plan) {
  TraceSet s;
  s.dir_ = dir;
  std::set<std::string> names = {"input"};
  for (const Layer& l : net.layers) names.insert(l.name);
  std::map<std::string, std::string> named;  // from the manifest, then the map

  const std::string manifest_path = (fs::path(dir) / "manifest.json").string();
  if (fs::exists(manifest_path)) {
    const nlohmann::json m = read(manifest_path, "trace manifest");
    if (!m.is_object() || m.value("format", "") != kManifestFormat)
      throw NetworkError(manifest_path + ": format: must be \"" + kManifestFormat + "\"");
    if (!m.contains("layers") || !m["layers"].is_array())
      throw NetworkError(manifest_path + ": layers: must be an array of {name, file}");
    for (size_t i = 0; i < m["layers"].size(); ++i) {
      const nlohmann::json& l = m["layers"][i];
      const std::string where = manifest_path + ": layers[" + std::to_string(i) + "]";
      if (!l.is_object() || !l.contains("name") || !l["name"].is_string())
        throw NetworkError(where + ".name: missing");
      if (!l.contains("file")) throw NetworkError(where + ".file: missing");
      // Captured layers the network does not have (reshapes it folds, a classifier it leaves out) are fine.
      named[l["name"].get<std::string>()] = checked_file(dir, l["file"], where + ".file");
    }
    if (m.contains("input") && m["input"].is_object() && m["input"].contains("file"))
      named["input"] = checked_file(dir, m["input"]["file"], manifest_path + ": input.file");
  }
  if (!map_path.empty()) {
    const nlohmann::json m = read(map_path, "trace map");
    if (!m.is_object() || !m.contains("layers") || !m["layers"].is_object())
      throw NetworkError(map_path + ": layers: must be an object of \"<network layer>\": \"<file>\"");
    for (const auto& [layer, file] : m["layers"].items()) {
      const std::string where = map_path + ": layers." + layer;
      if (!names.count(layer)) throw NetworkError(where + ": no layer of " + net.name + " has this name");
      named[layer] = checked_file(dir, file, where);
    }
  }
  for (const ActivationTensor& t : plan.tensors) {
    if (!t.offloaded || s.files_.count(t.content)) continue;
    const auto it = named.find(t.content);
    const std::string file = it != named.end() ? it->second : (fs::path(dir) / (t.content + ".npy")).string();
    if (fs::is_regular_file(file)) {
      s.files_[t.content] = file;
    } else if (t.content == "input" && it == named.end()) {
      s.files_[t.content] = "";  // images are dense: generated, and said so
      s.generated_.push_back(t.content);
    } else {
      throw NetworkError(file + ": missing trace file for layer " + t.content +
                         (it != named.end() ? " (named by the manifest or the trace map)"
                                            : " (give it, or map the layer to a file with --trace-map)"));
    }
  }
  return s;
}

std::string TraceSet::file_of(const ActivationTensor& t) const {
  const auto it = files_.find(t.content);
  if (it == files_.end()) throw NetworkError("no trace resolved for layer " + t.content);
  return it->second;
}

}  // namespace cdma::training

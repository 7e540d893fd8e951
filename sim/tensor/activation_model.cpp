#include "tensor/activation_model.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace cdma::tensor {

namespace {

// Bounds that keep sums and buffers finite whatever a file says.
constexpr uint64_t kMaxTotalCount = uint64_t{1} << 62;
constexpr uint64_t kMaxSampleElements = uint64_t{1} << 40;
constexpr uint64_t kMaxPlaneElements = uint64_t{1} << 28;

// A float32 as the double of its shortest decimal form (0.32, not 0.3199999928474426): the file stays small
// and reads back to the same float32.
double short_float(float f) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof(buf), f);
  return std::strtod(std::string(buf, r.ptr).c_str(), nullptr);
}

nlohmann::json floats_json(const std::vector<float>& v) {
  nlohmann::json a = nlohmann::json::array();
  for (float f : v) a.push_back(short_float(f));
  return a;
}

nlohmann::json histogram_json(const RunHistogram& h) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& [length, count] : h) a.push_back({length, count});
  return a;
}

// Reads one layer, naming `where` (file: layers.<name>) in every error.
class LayerReader {
 public:
  LayerReader(const nlohmann::json& j, std::string where) : j_(j), where_(std::move(where)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
    throw ActivationModelError(where_ + "." + field + " " + problem);
  }
  const nlohmann::json& at(const std::string& field) const {
    if (!j_.contains(field)) fail(field, "is missing");
    return j_.at(field);
  }
  double number(const std::string& field, double lo, double hi) const {
    const nlohmann::json& v = at(field);
    if (!v.is_number()) fail(field, "must be a number");
    const double x = v.get<double>();
    if (!(x >= lo && x <= hi)) {
      std::ostringstream s;
      s << "must be in [" << lo << ", " << hi << "], got " << x;
      fail(field, s.str());
    }
    return x;
  }
  uint64_t count(const nlohmann::json& v, const std::string& field, uint64_t lo) const {
    // Integers built in code are signed, parsed ones unsigned: both are counts when not negative.
    if (!v.is_number_integer() ||
        (v.is_number_unsigned() ? v.get<uint64_t>() < lo : v.get<int64_t>() < 0 || v.get<uint64_t>() < lo))
      fail(field, "must be an integer >= " + std::to_string(lo));
    return v.get<uint64_t>();
  }
  // The object at `field`, read with the same naming ("<where>.<field>.<sub-field>").
  LayerReader object(const std::string& field) const {
    const nlohmann::json& v = at(field);
    if (!v.is_object()) fail(field, "must be an object");
    return LayerReader(v, where_ + "." + field);
  }
  RunHistogram histogram(const std::string& field, uint64_t max_length) const {
    const nlohmann::json& v = at(field);
    if (!v.is_array()) fail(field, "must be an array of [length, count] pairs");
    RunHistogram h;
    uint64_t total = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string item = field + "[" + std::to_string(i) + "]";
      if (!v[i].is_array() || v[i].size() != 2) fail(item, "must be a [length, count] pair");
      const uint64_t length = count(v[i][0], item + "[0]", 1), n = count(v[i][1], item + "[1]", 1);
      if (length > max_length)
        fail(item + "[0]", "is longer than a plane (" + std::to_string(max_length) + ")");
      if (!h.empty() && length <= h.back().first) fail(item + "[0]", "lengths must increase");
      if (n > kMaxTotalCount - total) fail(field, "counts add up to more than 2^62");
      total += n;
      h.emplace_back(length, n);
    }
    return h;
  }

 private:
  const nlohmann::json& j_;
  std::string where_;
};

ChannelModel read_channel(const nlohmann::json& j, const std::string& where, uint64_t plane_elements) {
  if (!j.is_object()) throw ActivationModelError(where + " must be an object");
  const LayerReader r(j, where);
  ChannelModel ch;
  ch.dead_fraction = r.number("dead_fraction", 0, 1);
  ch.start_nonzero_fraction = r.number("start_nonzero_fraction", 0, 1);
  ch.zero_runs = r.histogram("zero_runs", plane_elements);
  ch.nonzero_runs = r.histogram("nonzero_runs", plane_elements);
  if (ch.dead_fraction < 1 && ch.nonzero_runs.empty())
    r.fail("nonzero_runs", "is empty but dead_fraction < 1 (live planes need non-zero runs)");
  if (ch.dead_fraction < 1 && ch.start_nonzero_fraction < 1 && ch.zero_runs.empty())
    r.fail("zero_runs",
           "is empty but start_nonzero_fraction < 1 (a plane starting with zeros needs zero runs)");
  const LayerReader rr = r.object("repeats");
  ch.repeat_fraction = rr.number("fraction", 0, 1);
  ch.repeat_after_repeat = rr.number("after_repeat", 0, 1);
  ch.repeat_after_varied = rr.number("after_varied", 0, 1);
  ch.same_after_repeat = rr.number("same_after_repeat", 0, 1);
  const nlohmann::json& values = rr.at("values");
  uint64_t total = 0;
  if (!values.is_array() || values.size() > kMaxRepeatedValues)
    rr.fail("values",
            "must be an array of at most " + std::to_string(kMaxRepeatedValues) + " [value, count] pairs");
  for (size_t k = 0; k < values.size(); ++k) {
    const nlohmann::json& e = values[k];
    const std::string item = "values[" + std::to_string(k) + "]";
    if (!e.is_array() || e.size() != 2 || !e[0].is_number() || !std::isfinite(e[0].get<double>()) ||
        e[0].get<double>() == 0)
      rr.fail(item, "must be a [non-zero finite value, count] pair");
    const uint64_t n = rr.count(e[1], item + "[1]", 1);
    if (n > kMaxTotalCount - total) rr.fail("values", "counts add up to more than 2^62");
    total += n;
    ch.repeated_values.emplace_back(e[0].get<float>(), n);
  }
  if (ch.repeat_fraction > 0 && ch.repeated_values.empty()) rr.fail("values", "is empty but fraction > 0");
  const nlohmann::json& q = r.at("quantiles");
  if (!q.is_array() || q.size() != kValueQuantiles)
    r.fail("quantiles", "must be an array of " + std::to_string(kValueQuantiles) + " numbers");
  for (size_t i = 0; i < q.size(); ++i) {
    const std::string item = "quantiles[" + std::to_string(i) + "]";
    if (!q[i].is_number() || !std::isfinite(q[i].get<double>())) r.fail(item, "must be a finite number");
    ch.quantiles.push_back(q[i].get<float>());
    if (i > 0 && ch.quantiles[i] < ch.quantiles[i - 1])
      r.fail(item, "must not be below the one before (quantiles ascend)");
  }
  return ch;
}

LayerActivationModel read_layer(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw ActivationModelError(where + " must be an object");
  const LayerReader r(j, where);
  LayerActivationModel m;
  const nlohmann::json& shape = r.at("sample_shape");
  if (!shape.is_array() || shape.empty()) r.fail("sample_shape", "must be a non-empty array of dimensions");
  uint64_t elements = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    m.sample_shape.push_back(r.count(shape[i], "sample_shape[" + std::to_string(i) + "]", 1));
    if (m.sample_shape.back() > kMaxSampleElements / elements)
      r.fail("sample_shape", "has more than 2^40 elements per sample");
    elements *= m.sample_shape.back();
  }
  m.channels = shape.size() >= 2 ? m.sample_shape[0] : 1;
  m.plane_elements = elements / m.channels;
  // The generator holds one plane at a time.
  if (m.plane_elements > kMaxPlaneElements)
    r.fail("sample_shape",
           "has planes of more than 2^28 elements (" + std::to_string(m.plane_elements) + ")");
  m.zero_run_scale = r.number("zero_run_scale", kMinZeroRunScale, kMaxZeroRunScale);
  const nlohmann::json& channels = r.at("channels");
  if (!channels.is_array() || channels.size() != m.channels)
    r.fail("channels",
           "must be an array of " + std::to_string(m.channels) + " channel models (sample_shape[0])");
  for (size_t c = 0; c < channels.size(); ++c)
    m.channel.push_back(
        read_channel(channels[c], where + ".channels[" + std::to_string(c) + "]", m.plane_elements));
  const LayerReader mr = r.object("measured");
  m.density = mr.number("density", 0, 1);
  m.dead_plane_fraction = mr.number("dead_plane_fraction", 0, 1);
  m.repeat_fraction = mr.number("repeat_fraction", 0, 1);
  m.all_zero_block_fraction = mr.number("all_zero_block_fraction", 0, 1);
  m.samples = mr.count(mr.at("samples"), "samples", 0);
  return m;
}

}  // namespace

double LayerActivationModel::expected_dead_fraction() const {
  if (channel.empty()) return 0;
  double sum = 0;
  for (const ChannelModel& ch : channel) sum += ch.dead_fraction;
  return sum / static_cast<double>(channel.size());
}

nlohmann::json ActivationModel::to_json() const {
  nlohmann::json layers_json = nlohmann::json::object();
  for (const auto& [name, m] : layers) {
    nlohmann::json channels = nlohmann::json::array();
    for (const ChannelModel& ch : m.channel) {
      nlohmann::json values = nlohmann::json::array();
      for (const auto& [value, count] : ch.repeated_values) values.push_back({short_float(value), count});
      channels.push_back({{"dead_fraction", ch.dead_fraction},
                          {"start_nonzero_fraction", ch.start_nonzero_fraction},
                          {"zero_runs", histogram_json(ch.zero_runs)},
                          {"nonzero_runs", histogram_json(ch.nonzero_runs)},
                          {"repeats",
                           {{"fraction", ch.repeat_fraction},
                            {"after_repeat", ch.repeat_after_repeat},
                            {"after_varied", ch.repeat_after_varied},
                            {"same_after_repeat", ch.same_after_repeat},
                            {"values", values}}},
                          {"quantiles", floats_json(ch.quantiles)}});
    }
    layers_json[name] = {{"sample_shape", m.sample_shape},
                         {"zero_run_scale", m.zero_run_scale},
                         {"channels", channels},
                         {"measured",
                          {{"density", m.density},
                           {"dead_plane_fraction", m.dead_plane_fraction},
                           {"repeat_fraction", m.repeat_fraction},
                           {"all_zero_block_fraction", m.all_zero_block_fraction},
                           {"samples", m.samples}}}};
  }
  return {{"format", kActivationModelFormat}, {"source", source}, {"layers", layers_json}};
}

ActivationModel ActivationModel::from_json(const nlohmann::json& j, const std::string& name) {
  if (!j.is_object()) throw ActivationModelError(name + ": must be a JSON object");
  if (!j.contains("format") || j["format"] != kActivationModelFormat) {
    throw ActivationModelError(name + ": format must be \"" + std::string(kActivationModelFormat) + "\"");
  }
  ActivationModel m;
  if (j.contains("source")) {
    if (!j["source"].is_string()) throw ActivationModelError(name + ": source must be a string");
    m.source = j["source"].get<std::string>();
  }
  if (!j.contains("layers") || !j["layers"].is_object() || j["layers"].empty())
    throw ActivationModelError(name + ": layers must be a non-empty object (layer name -> model)");
  for (const auto& [layer, lj] : j["layers"].items())
    m.layers[layer] = read_layer(lj, name + ": layers." + layer);
  return m;
}

ActivationModel ActivationModel::load(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw ActivationModelError(path + ": cannot open");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(f);
  } catch (const nlohmann::json::exception& e) {
    throw ActivationModelError(path + ": not valid JSON: " + e.what());
  }
  return from_json(j, path);
}

void ActivationModel::save(const std::string& path) const {
  // One line per layer: the file is large tables, best read with a JSON tool, and a diff names the layer.
  const nlohmann::json j = to_json();
  std::ofstream f(path);
  f << "{\n \"format\": " << j["format"].dump() << ",\n \"source\": " << j["source"].dump()
    << ",\n \"layers\": {";
  bool first = true;
  for (const auto& [name, layer] : j["layers"].items()) {
    f << (first ? "\n  " : ",\n  ") << nlohmann::json(name).dump() << ": " << layer.dump();
    first = false;
  }
  f << "\n }\n}\n";
  if (!f) throw ActivationModelError(path + ": cannot write");
}

}  // namespace cdma::tensor

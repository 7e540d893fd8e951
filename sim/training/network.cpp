#include "training/network.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "util/did_you_mean.h"
#include "util/json_file.h"
#include "util/printable.h"

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
uint64_t Layer::weight_elements() const {
  if (type == "conv") return out[0] * (in[0] / groups) * kernel_h * kernel_w;
  if (type == "fc") return in_elements() * out_elements();
  if (type == "batchnorm") return 2 * in[0];
  return 0;
}
uint64_t Layer::bias_elements() const {
  return type == "conv" || type == "fc" ? out[0] : 0;
}
uint64_t Layer::buffer_elements() const {
  return type == "batchnorm" ? 2 * in[0] : 0;
}

size_t Network::index_of(const std::string& layer) const {
  for (size_t i = 0; i < layers.size(); ++i) {
    if (layers[i].name == layer) return i;
  }
  throw NetworkError(name + ": no layer named '" + layer + "'");
}

namespace {

using Json = nlohmann::json;

// The keys a layer of each type may have (besides name, type, in, out, inputs).
const std::vector<std::string>& extra_keys(const std::string& type) {
  static const std::map<std::string, std::vector<std::string>> keys = {
      {"conv", {"kernel", "stride", "pad", "groups"}},
      {"pool", {"mode", "kernel", "stride", "pad", "ceil_mode"}},
      {"lrn", {"size"}},
      {"dropout", {"p"}},
  };
  static const std::vector<std::string> none;
  const auto it = keys.find(type);
  return it == keys.end() ? none : it->second;
}

// A name that is also a file name in any folder: [A-Za-z0-9_.-], not "." or "..".
bool safe_name(const std::string& s) {
  return !s.empty() && s != "." && s != ".." && s.size() <= 200 &&
         s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
             std::string::npos;
}

std::string shape_text(const std::vector<uint64_t>& s) {
  std::string t = "[";
  for (size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
  return t + "]";
}

class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw NetworkError(path_ + ": " + field + ": " + what);
  }

  void only_keys(const Json& o, const std::string& at, const std::vector<std::string>& allowed) const {
    for (const auto& [key, value] : o.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        fail(at.empty() ? key : at + "." + key, "unknown field" + util::did_you_mean(key, allowed));
      }
    }
  }

  std::vector<uint64_t> shape(const Json& v, const std::string& field) const {
    if (!v.is_array() || v.empty()) fail(field, "expected a non-empty array of dimensions");
    std::vector<uint64_t> s;
    uint64_t elements = 1;
    for (const auto& d : v) {
      if (!d.is_number_unsigned() || d.get<uint64_t>() == 0)
        fail(field, "dimensions must be positive integers");
      const uint64_t x = d.get<uint64_t>();
      if (elements > UINT64_MAX / x) fail(field, "the element count of " + v.dump() + " overflows 64 bits");
      elements *= x;
      s.push_back(x);
    }
    // A batch of them must stay countable too: keep a sample under 2^40 elements.
    if (elements > (uint64_t{1} << 40)) fail(field, "more than 2^40 elements per sample");
    return s;
  }

  uint32_t positive(const Json& l, const char* key, uint32_t def, const std::string& at,
                    uint32_t min = 1) const {
    if (!l.contains(key)) return def;
    const Json& v = l[key];
    if (!v.is_number_unsigned() || v.get<uint64_t>() > UINT32_MAX || v.get<uint64_t>() < min) {
      fail(at + "." + key, "expected an integer >= " + std::to_string(min) + ", got " + v.dump());
    }
    return v.get<uint32_t>();
  }

 private:
  std::string path_;
};

// Conv and pool output size along one dimension (floor, or Caffe/PyTorch's ceil rule: a last window that
// would start in the right padding is dropped).
uint64_t window_out(uint64_t n, uint64_t k, uint64_t s, uint64_t p, bool ceil) {
  const uint64_t span = n + 2 * p - k;
  if (!ceil) return span / s + 1;
  uint64_t out = (span + s - 1) / s + 1;
  if ((out - 1) * s >= n + p) --out;
  return out;
}

}  // namespace

Network load_network(const std::string& path) {
  Json j;
  try {
    j = util::read_json_file(path);
  } catch (const util::JsonFileError& e) {
    throw NetworkError(e.what());
  }
  const Reader r(path);
  if (!j.is_object()) r.fail("(file)", std::string("expected an object, got ") + j.type_name());
  r.only_keys(j, "", {"name", "description", "input", "layers"});
  Network n;
  if (!j.contains("name") || !j["name"].is_string()) r.fail("name", "missing");
  n.name = j["name"].get<std::string>();
  if (!safe_name(n.name)) r.fail("name", "'" + n.name + "' is not a file name ([A-Za-z0-9_.-])");
  if (j.contains("description")) {
    if (!j["description"].is_string()) r.fail("description", "expected a string");
    n.description = j["description"].get<std::string>();
  }
  if (!j.contains("input")) r.fail("input", "missing");
  n.input = r.shape(j["input"], "input");
  if (!j.contains("layers") || !j["layers"].is_array() || j["layers"].empty())
    r.fail("layers", "missing or empty");

  std::map<std::string, std::vector<uint64_t>> out_of = {{"input", n.input}};  // producer -> its output shape
  for (size_t i = 0; i < j["layers"].size(); ++i) {
    const Json& l = j["layers"][i];
    std::string at = "layers[" + std::to_string(i) + "]";
    if (!l.is_object()) r.fail(at, "expected an object");
    Layer L;
    if (!l.contains("name") || !l["name"].is_string()) r.fail(at + ".name", "missing");
    L.name = l["name"].get<std::string>();
    if (!safe_name(L.name)) {
      r.fail(at + ".name", "'" + util::printable(L.name) +
                               "' is not a file name (only [A-Za-z0-9_.-]: traces are <dir>/<name>.npy)");
    }
    if (out_of.count(L.name)) {
      r.fail(at + ".name",
             L.name == "input" ? "'input' names the network input" : "duplicate layer name '" + L.name + "'");
    }
    at += " (" + L.name + ")";
    if (!l.contains("type") || !l["type"].is_string()) r.fail(at + ".type", "missing");
    L.type = l["type"].get<std::string>();
    if (!known_types().count(L.type))
      r.fail(at + ".type", "unknown layer type '" + util::printable(L.type) + "'");
    std::vector<std::string> allowed = {"name", "type", "in", "out", "inputs"};
    for (const std::string& k : extra_keys(L.type)) allowed.push_back(k);
    r.only_keys(l, at, allowed);
    if (!l.contains("in") || !l.contains("out")) r.fail(at, "needs 'in' and 'out' shapes");
    L.in = r.shape(l["in"], at + ".in");
    L.out = r.shape(l["out"], at + ".out");
    if (l.contains("kernel")) {
      const Json& k = l["kernel"];
      const auto dim = [&](const Json& d) {
        if (!d.is_number_unsigned() || d.get<uint64_t>() == 0 || d.get<uint64_t>() > UINT32_MAX) {
          r.fail(at + ".kernel", "expected [h, w] of integers >= 1, got " + k.dump());
        }
        return d.get<uint32_t>();
      };
      if (k.is_array() && k.size() == 2) {
        L.kernel_h = dim(k[0]);
        L.kernel_w = dim(k[1]);
      } else {
        L.kernel_h = L.kernel_w = dim(k);
      }
    }
    L.stride = r.positive(l, "stride", 1, at);
    L.pad = r.positive(l, "pad", 0, at, 0);
    L.groups = r.positive(l, "groups", 1, at);
    L.size = r.positive(l, "size", 0, at);
    if (l.contains("mode")) {
      if (!l["mode"].is_string() || (l["mode"] != "max" && l["mode"] != "avg")) {
        r.fail(at + ".mode", "must be \"max\" or \"avg\", got " + l["mode"].dump());
      }
      L.mode = l["mode"].get<std::string>();
    }
    if (l.contains("ceil_mode")) {
      if (!l["ceil_mode"].is_boolean()) r.fail(at + ".ceil_mode", "expected true or false");
      L.ceil_mode = l["ceil_mode"].get<bool>();
    }
    if (l.contains("p")) {
      if (!l["p"].is_number() || !(l["p"].get<double>() >= 0 && l["p"].get<double>() < 1)) {
        r.fail(at + ".p", "a drop probability must be in [0, 1), got " + l["p"].dump());
      }
      L.p = l["p"].get<double>();
    }

    // Producers: those named, or the layer before (the network input for the first).
    std::vector<std::string> producers;
    if (l.contains("inputs")) {
      if (!l["inputs"].is_array() || l["inputs"].empty())
        r.fail(at + ".inputs", "expected a non-empty array of names");
      for (const auto& p : l["inputs"]) {
        if (!p.is_string() || !out_of.count(p.get<std::string>())) {
          r.fail(at + ".inputs", "unknown producer " + p.dump() + " (a layer before this one, or \"input\")");
        }
        L.inputs.push_back(p.get<std::string>());
      }
      producers = L.inputs;
    } else {
      producers = {i == 0 ? std::string("input") : n.layers.back().name};
    }
    const bool joins = L.type == "concat" || L.type == "add";
    if (joins && producers.size() < 2) r.fail(at + ".inputs", "a " + L.type + " joins at least 2 producers");
    if (!joins && producers.size() != 1) r.fail(at + ".inputs", "a " + L.type + " reads one producer");

    // Shapes follow from the producers and the parameters.
    const std::vector<uint64_t>& p0 = out_of.at(producers.front());
    const auto expect = [&](const std::string& field, const std::vector<uint64_t>& got,
                            const std::vector<uint64_t>& want, const std::string& why) {
      if (got != want)
        r.fail(at + "." + field, shape_text(got) + " should be " + shape_text(want) + " (" + why + ")");
    };
    if (L.type == "fc") {
      expect("in", L.in, {product(p0)}, "the producer's output " + shape_text(p0) + ", flattened");
      if (L.out.size() != 1) r.fail(at + ".out", "an fc output is [N]");
    } else if (joins) {
      expect("in", L.in, L.out, "a " + L.type + "'s in is its out");
      std::vector<uint64_t> want = p0;
      for (size_t k = 1; k < producers.size(); ++k) {
        const std::vector<uint64_t>& pk = out_of.at(producers[k]);
        if (L.type == "add") {
          if (pk != p0)
            r.fail(at + ".inputs", "'" + producers[k] + "' is " + shape_text(pk) + ", not " + shape_text(p0));
        } else {
          if (pk.size() != p0.size() || pk.size() < 1 ||
              !std::equal(pk.begin() + 1, pk.end(), p0.begin() + 1)) {
            r.fail(at + ".inputs", "'" + producers[k] + "' " + shape_text(pk) +
                                       " does not concatenate with " + shape_text(p0) + " along channels");
          }
          want[0] += pk[0];
        }
      }
      expect("out", L.out, want,
             L.type == "add" ? "the common shape of the inputs" : "the inputs along channels");
    } else {
      expect("in", L.in, p0, "the output of '" + producers.front() + "'");
    }
    if (L.type == "conv" || L.type == "pool") {
      if (L.in.size() != 3) r.fail(at + ".in", "a " + L.type + " input is [channels, height, width]");
      if (L.out.size() != 3) r.fail(at + ".out", "a " + L.type + " output is [channels, height, width]");
      for (const auto& [extent, k, name] :
           {std::tuple{L.in[1], L.kernel_h, "height"}, {L.in[2], L.kernel_w, "width"}}) {
        if (k > extent + 2 * uint64_t{L.pad}) {
          r.fail(at + ".kernel",
                 std::string("larger than the padded ") + name + " (" + std::to_string(extent) + ")");
        }
      }
      const bool ceil = L.type == "pool" && L.ceil_mode;
      const uint64_t c = L.type == "conv" ? L.out[0] : L.in[0];
      expect("out", L.out,
             {c, window_out(L.in[1], L.kernel_h, L.stride, L.pad, ceil),
              window_out(L.in[2], L.kernel_w, L.stride, L.pad, ceil)},
             "kernel " + std::to_string(L.kernel_h) + "x" + std::to_string(L.kernel_w) + ", stride " +
                 std::to_string(L.stride) + ", pad " + std::to_string(L.pad) + (ceil ? ", ceil mode" : ""));
      if (L.type == "conv" && (L.in[0] % L.groups != 0 || L.out[0] % L.groups != 0)) {
        r.fail(at + ".groups", std::to_string(L.groups) + " groups do not divide " + std::to_string(L.in[0]) +
                                   " input and " + std::to_string(L.out[0]) + " output channels");
      }
    } else if (!joins && L.type != "fc") {
      expect("out", L.out, L.in, "a " + L.type + " keeps its input's shape");
    }
    out_of[L.name] = L.out;
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

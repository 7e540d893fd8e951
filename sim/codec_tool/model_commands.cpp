// cdma-codec fit and check-model: fit activation models to captured tensors and compare tensors drawn from a
// model with the real ones, codec by codec.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "codec/codec.h"
#include "codec_tool/commands.h"
#include "tensor/activation_fitter.h"
#include "tensor/activation_generator.h"
#include "tensor/fitted_generator.h"

namespace cdma::codec_tool {

namespace fs = std::filesystem;

namespace {

// The .npy files of a folder by layer name (the file's stem), sorted; input.npy included.
std::vector<std::pair<std::string, std::string>> npy_files(const std::string& dir) {
  if (!fs::is_directory(dir)) throw UsageError(dir + ": not a directory");
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".npy")
      files.emplace_back(e.path().stem().string(), e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

struct Ratios {
  double density = 0, zero_blocks = 0;
  double zv = 0, rl = 0, zl = 0;  // per chunk, a chunk that does not shrink stored raw (as the DMA engine)
  double rl_whole = 0, zl_whole = 0;  // the whole tensor as one stream
};

Ratios ratios(codec::ByteSpan data, uint32_t chunk) {
  Ratios r;
  r.density = tensor::measured_density(data, 4);
  r.zero_blocks = tensor::all_zero_block_fraction(data);
  auto codec_of = [](codec::Algorithm a) {
    codec::CodecConfig c;
    c.algorithm = a;
    c.element = codec::ElementWidth::k32;
    return codec::make_codec(c);
  };
  auto per_chunk = [&](const codec::Codec& c) {
    uint64_t out = 0;
    for (size_t off = 0; off < data.size(); off += chunk) {
      const codec::ByteSpan piece(data.data() + off, std::min<size_t>(chunk, data.size() - off));
      out += std::min(c.compressed_size(piece), piece.size());
    }
    return codec::compression_ratio(data.size(), out);
  };
  const auto zv = codec_of(codec::Algorithm::kZv), rl = codec_of(codec::Algorithm::kRl),
             zl = codec_of(codec::Algorithm::kZl);
  r.zv = per_chunk(*zv);
  r.rl = per_chunk(*rl);
  r.zl = per_chunk(*zl);
  r.rl_whole = codec::compression_ratio(data.size(), rl->compressed_size(data));
  r.zl_whole = codec::compression_ratio(data.size(), zl->compressed_size(data));
  return r;
}

// Lag-1 correlation of the non-zero indicator along the stream: the synthetic generator's clustering.
double lag1_clustering(codec::ByteSpan data) {
  const uint64_t n = data.size() / 4;
  uint64_t nz = 0, both = 0, prev_nz = 0;
  bool prev = false;
  for (uint64_t i = 0; i < n; ++i) {
    uint32_t v;
    std::memcpy(&v, data.data() + 4 * i, 4);
    const bool cur = v != 0;
    nz += cur;
    if (i > 0) {
      both += prev && cur;
      prev_nz += prev;
    }
    prev = cur;
  }
  const double d = n ? static_cast<double>(nz) / n : 0;
  if (prev_nz == 0 || d >= 1) return 0;
  const double p11 = static_cast<double>(both) / prev_nz;
  return std::clamp((p11 - d) / (1 - d), 0.0, 0.99);
}

// Mean length of the zero runs of a layer's live planes, over all its channels.
double mean_zero_run(const tensor::LayerActivationModel& m) {
  double length = 0, runs = 0;
  for (const auto& ch : m.channel) {
    for (const auto& [l, n] : ch.zero_runs) length += static_cast<double>(l) * n, runs += n;
  }
  return runs == 0 ? 0 : length / runs;
}

// A real tensor of fewer chunks than this gives ratios dominated by one chunk's content: flagged.
constexpr unsigned kFewChunks = 4;

constexpr uint64_t kCompareElements = uint64_t{1} << 20;

double error(double model, double real) {
  return real == 0 ? 0 : (model - real) / real;
}

nlohmann::json ratios_json(const Ratios& r) {
  return {{"density", r.density},
          {"all_zero_block_fraction", r.zero_blocks},
          {"zv", r.zv},
          {"rl", r.rl},
          {"zl", r.zl},
          {"rl_whole_tensor", r.rl_whole},
          {"zl_whole_tensor", r.zl_whole}};
}

}  // namespace

int fit(const std::string& dir, const std::string& out) {
  if (out.empty()) throw UsageError("fit: --out MODEL.json is required");
  // Where the model goes is checked before anything is fitted, so a typo costs no fitting time.
  const fs::path out_dir = fs::path(out).parent_path().empty() ? fs::path(".") : fs::path(out).parent_path();
  if (!fs::is_directory(out_dir)) throw UsageError(out + ": --out: no folder " + out_dir.string());
  if (fs::is_directory(out)) throw UsageError(out + ": --out: is a folder, not a file");
  const auto files = npy_files(dir);
  if (files.empty()) throw UsageError(dir + ": no .npy files to fit");
  // Every file is checked before any is fitted.
  for (const auto& [layer, path] : files) {
    const tensor::NpyArray h = tensor::read_npy_header(path);
    if (h.dtype != tensor::DType::kFloat32)
      throw UsageError(path + ": only float32 activations can be fitted, got " + tensor::to_string(h.dtype));
    if (h.shape.size() < 2 || h.element_count() == 0)
      throw UsageError(path + ": a captured tensor needs a batch dimension and elements, [batch, ...]");
  }
  tensor::ActivationModel model;
  model.source = "fitted by cdma-codec fit from " + dir + " (" + std::to_string(files.size()) + " tensors)";
  std::printf("%-16s %-16s %8s %10s %8s %9s %10s %7s\n", "layer", "sample shape", "density", "dead planes",
              "0-blocks", "repeated", "0-run mean", "scale");
  for (const auto& [layer, path] : files) {
    const tensor::LayerActivationModel m = tensor::fit_layer(tensor::read_npy(path));
    std::string shape;
    for (uint64_t d : m.sample_shape) shape += (shape.empty() ? "" : "x") + std::to_string(d);
    std::printf("%-16s %-16s %8.4f %10.3f %8.3f %9.3f %10.1f %7.3f\n", layer.c_str(), shape.c_str(),
                m.density, m.dead_plane_fraction, m.all_zero_block_fraction, m.repeat_fraction,
                mean_zero_run(m), m.zero_run_scale);
    model.layers[layer] = m;
  }
  model.save(out);
  std::printf("\nwrote %s (%zu layers)\n", out.c_str(), model.layers.size());
  return 0;
}

int check_model(const std::string& model_path, const std::string& dir, uint32_t chunk, uint64_t seed,
                bool match_density, bool json) {
  if (chunk == 0 || chunk % 128 != 0) throw UsageError("--chunk must be a positive multiple of 128");
  const tensor::ActivationModel model = tensor::ActivationModel::load(model_path);
  const auto files = npy_files(dir);
  std::vector<std::pair<std::string, tensor::NpyArray>> real;
  for (const auto& [layer, path] : files) {
    if (!model.layers.count(layer)) continue;
    const tensor::NpyArray h = tensor::read_npy_header(path);
    const auto& m = model.layers.at(layer);
    if (h.dtype != tensor::DType::kFloat32 || h.shape.size() < 2 ||
        std::vector<uint64_t>(h.shape.begin() + 1, h.shape.end()) != m.sample_shape) {
      throw UsageError(path + ": not a float32 batch of the model's sample shape for layer '" + layer + "'");
    }
    real.emplace_back(layer, tensor::read_npy(path));
  }
  if (real.empty()) throw UsageError(dir + ": no .npy file of a layer of " + model_path);
  bool any_few = false;
  nlohmann::json rows = nlohmann::json::array();
  if (!json) {
    std::printf("ratios per %u-byte chunk (raw if it does not shrink); whole: the tensor as one stream\n\n",
                chunk);
    std::printf("%-10s %8s | %6s %6s %6s | %6s %6s %6s | %6s %6s %6s | %6s %6s %6s | %8s %8s\n", "layer",
                "density", "ZV", "fit", "synth", "RL", "fit", "synth", "ZL", "fit", "synth", "0-blk", "fit",
                "synth", "RL whole", "ZL whole");
  }
  for (const auto& [layer, a] : real) {
    const codec::ByteSpan data(a.data.data(), a.data.size());
    const bool few_chunks = data.size() < uint64_t{kFewChunks} * chunk;
    any_few = any_few || few_chunks;
    const Ratios r = ratios(data, chunk);
    // At least kCompareElements drawn (ratios are intensive): a small capture's own sampling noise is then
    // the only noise in the comparison.
    const uint64_t per_sample = a.element_count() / a.shape[0];
    const uint64_t samples = std::max<uint64_t>(a.shape[0], kCompareElements / per_sample + 1);
    tensor::LayerActivationModel m = model.layers.at(layer);
    // Matched on the draw compared: its density is the real one, so what differs is the structure alone.
    if (match_density) tensor::retarget_density(m, r.density, seed, samples);
    const std::vector<uint8_t> g = tensor::FittedGenerator(m, seed).generate(samples);
    const Ratios f = ratios(codec::ByteSpan(g.data(), g.size()), chunk);
    tensor::ActivationSpec spec;
    spec.density = r.density;
    spec.clustering = lag1_clustering(data);
    spec.seed = seed;
    const std::vector<uint8_t> s = tensor::generate_activations(spec, samples * per_sample);
    const Ratios y = ratios(codec::ByteSpan(s.data(), s.size()), chunk);
    rows.push_back(
        {{"layer", layer},
         {"real", ratios_json(r)},
         {"fitted", ratios_json(f)},
         {"synthetic", ratios_json(y)},
         {"synthetic_clustering", spec.clustering},
         {"bytes", data.size()},
         {"few_chunks", few_chunks},
         {"fitted_error", {{"zv", error(f.zv, r.zv)}, {"rl", error(f.rl, r.rl)}, {"zl", error(f.zl, r.zl)}}},
         {"synthetic_error",
          {{"zv", error(y.zv, r.zv)}, {"rl", error(y.rl, r.rl)}, {"zl", error(y.zl, r.zl)}}}});
    if (!json) {
      std::printf(
          "%-10s %8.4f | %6.3f %6.3f %6.3f | %6.3f %6.3f %6.3f | %6.3f %6.3f %6.3f | %6.3f %6.3f %6.3f | "
          "%8.3f %8.3f\n",
          (few_chunks ? layer + "*" : layer).c_str(), r.density, r.zv, f.zv, y.zv, r.rl, f.rl, y.rl, r.zl,
          f.zl, y.zl, r.zero_blocks, f.zero_blocks, y.zero_blocks, r.rl_whole, r.zl_whole);
    }
  }
  if (json) {
    std::cout << nlohmann::json{{"model", model_path},
                                {"traces", dir},
                                {"chunk_bytes", chunk},
                                {"seed", seed},
                                {"match_density", match_density},
                                {"layers", rows}}
                     .dump(2)
              << "\n";
  } else {
    std::printf(
        "\nfit: drawn from %s (seed %llu%s); synth: the Markov generator at the real density and "
        "lag-1 clustering\n",
        model_path.c_str(), static_cast<unsigned long long>(seed),
        match_density ? ", each layer retargeted to the real tensor's density" : "");
    if (any_few)
      std::printf("*: fewer than %u chunks of real data, too few for its ratios to say much\n", kFewChunks);
  }
  return 0;
}

}  // namespace cdma::codec_tool

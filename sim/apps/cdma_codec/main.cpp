// cdma-codec: inspect, compress and decompress activation files with the golden codecs, and generate
// synthetic activations. Run `cdma-codec --help` for the commands.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <stdexcept>

#include "codec/chunked_stream.h"
#include "codec_tool/commands.h"
#include "tensor/activation_model.h"
#include "tensor/npy_file.h"
#include "util/version.h"

using namespace cdma;

int main(int argc, char** argv) {
  CLI::App app{"cdma-codec: the golden activation codecs (ZV, RL, ZL, ZCOMP) on .npy files"};
  app.require_subcommand(1);
  app.set_version_flag("--version",
                       std::string("cdma-codec ") + util::version() + " (" + util::build_type() + ")");

  std::string path, out, algorithm = "zv", element, dtype = "float32", shape = "64,56,56";
  std::vector<std::string> algorithms = {"none", "zv", "rl", "zl-1", "zl-6", "zcomp-i", "zcomp-s"};
  double min_seconds = 0.2, density = 0.35, clustering = 0.0;
  int level = 6;
  uint32_t chunk = 65536;
  uint64_t seed = 1;
  bool json = false;

  auto* info = app.add_subcommand("info", "print shape, density, and each codec's ratio and throughput");
  info->add_option("file", path, ".npy file (float32, float16, int8, uint8; C order)")->required();
  info->add_option("-a,--algorithms", algorithms, "codecs to measure: none zv rl zl-N zcomp-i zcomp-s")
      ->delimiter(',')
      ->capture_default_str();
  info->add_option("--min-seconds", min_seconds, "time each direction for at least this long")
      ->capture_default_str();
  info->add_flag("--json", json, "print JSON instead of a table");

  auto* comp = app.add_subcommand("compress", "compress a file into a chunked container (.cdz)");
  comp->add_option("input", path, "input file (.npy or raw bytes)")->required();
  comp->add_option("output", out, "output container")->required();
  comp->add_option("-a,--algorithm", algorithm, "none, zv, rl, zl, zl-N, zcomp-i, zcomp-s")
      ->capture_default_str();
  comp->add_option("-l,--level", level, "zlib level for zl (1..9)")->capture_default_str();
  comp->add_option("-e,--element", element,
                   "element width (8/16/32, fp32, fp16, bf16, int8); default: from .npy dtype, else 32");
  comp->add_option("-c,--chunk", chunk, "chunk size in bytes (a multiple of the codec block)")
      ->capture_default_str();

  auto* decomp = app.add_subcommand("decompress", "decompress a .cdz container (checks every checksum)");
  decomp->add_option("input", path, "container")->required();
  decomp->add_option("output", out, "output file")->required();
  uint64_t max_size = codec::kDefaultMaxOriginalBytes;
  decomp->add_option("--max-size", max_size, "refuse a container announcing more bytes than this")
      ->capture_default_str();

  auto* gen = app.add_subcommand("generate", "write synthetic ReLU-like activations to a .npy file");
  gen->add_option("output", out, ".npy file to write")->required();
  gen->add_option("-s,--shape", shape, "comma-separated dimensions")->capture_default_str();
  gen->add_option("-t,--dtype", dtype, "float32, float16, int8 or uint8")->capture_default_str();
  gen->add_option("-d,--density", density, "fraction of non-zero elements, 0..1")->capture_default_str();
  gen->add_option("-k,--clustering", clustering, "zero clustering, 0 (scattered) .. <1 (long runs)")
      ->capture_default_str();
  gen->add_option("--seed", seed, "random seed")->capture_default_str();

  std::string model;
  auto* fit = app.add_subcommand("fit", "fit an activation model to captured tensors (<layer>.npy each)");
  fit->add_option("dir", path, "folder of captured float32 tensors [batch, ...]")->required();
  fit->add_option("-o,--out", out, "model file to write (JSON, cdma-activation-model/1)")->required();
  auto* check = app.add_subcommand(
      "check-model", "compare tensors drawn from a model with real ones: density, ZV/RL/ZL ratios per layer");
  check->add_option("model", model, "model file (cdma-codec fit)")->required();
  check->add_option("dir", path, "folder of real tensors, <layer>.npy (held out from the fit)")->required();
  uint32_t model_chunk = 4096;
  check->add_option("-c,--chunk", model_chunk, "chunk bytes the ratios are taken over (the DMA chunk)")
      ->capture_default_str();
  check->add_option("--seed", seed, "seed of the drawn tensors")->capture_default_str();
  check->add_flag("--json", json, "print JSON instead of a table");
  bool match_density = false;
  check->add_flag("--match-density", match_density,
                  "retarget each layer's model to the real tensor's density first (compare structure only)");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*info) return codec_tool::info(path, algorithms, min_seconds, json);
    if (*comp) return codec_tool::compress(path, out, algorithm, level, element, chunk);
    if (*decomp) return codec_tool::decompress(path, out, max_size);
    if (*gen) return codec_tool::generate(out, shape, dtype, density, clustering, seed);
    if (*fit) return codec_tool::fit(path, out);
    if (*check) return codec_tool::check_model(model, path, model_chunk, seed, match_density, json);
  } catch (const codec_tool::UsageError& e) {
    std::fprintf(stderr, "cdma-codec: error: %s\n", e.what());
    return 1;
  } catch (const tensor::ActivationModelError& e) {
    std::fprintf(stderr, "cdma-codec: error: %s\n", e.what());
    return 1;
  } catch (const tensor::NpyError& e) {
    std::fprintf(stderr, "cdma-codec: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cdma-codec: internal error: %s\n", e.what());
    return 2;
  }
  return 0;
}

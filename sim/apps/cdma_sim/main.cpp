// cdma-sim: offload / prefetch / round trip of real activation bytes on a platform model, with a readable
// summary, per-module statistics as JSON, the effective config, and an optional Perfetto timeline; and
// `train`, one training iteration (oracle vs vDNN vs cDMA). The command line only: the work is in
// runner/ and training/.
#include <systemc>

#include <CLI/CLI.hpp>

#include <cstdio>

#include "config/platform_config_doc.h"
#include "config/platform_config_json.h"
#include "runner/transfer_input.h"
#include "runner/transfer_summary.h"
#include "soc/statistics_catalogue.h"
#include "tensor/activation_generator.h"
#include "tensor/npy_file.h"
#include "tlm/module_logger.h"
#include "training/network.h"
#include "training/training_run.h"

#ifndef CDMA_PLATFORMS_DIR
#define CDMA_PLATFORMS_DIR "platforms/configs"
#endif
#ifndef CDMA_WORKLOADS_DIR
#define CDMA_WORKLOADS_DIR "sim/workloads"
#endif

using namespace cdma;

int sc_main(int argc, char** argv) {
  CLI::App app{"cdma-sim: move real activation bytes through the cDMA platform model"};
  std::string platform = "titan-x", op = "roundtrip", bytes = "64MiB", algorithm = "zv", dtype = "float32";
  std::string npy, out_dir = "out/sim", trace, log_level = "warn", mode;
  std::vector<std::string> overrides;
  double density = 0.35, clustering = 0.5;
  uint64_t seed = 1;
  int level = 6;
  app.add_option("-p,--platform", platform, "platform name (in platforms/) or JSON file")
      ->capture_default_str();
  app.add_option("--set", overrides, "override a config field, e.g. --set pcie.lanes=8 (repeatable)");
  app.add_option("--mode", mode, "timing mode at|lt (same as --set simulation.mode=...)");
  app.add_option("-o,--op", op, "offload, prefetch or roundtrip")->capture_default_str();
  app.add_option("-a,--algorithm", algorithm, "none, zv, rl, zl, zcomp-i, zcomp-s")->capture_default_str();
  app.add_option("-l,--zlib-level", level, "zlib level for zl")->capture_default_str();
  app.add_option("-b,--bytes", bytes, "synthetic buffer size (B, KiB, MiB, GiB)")->capture_default_str();
  app.add_option("-d,--density", density, "synthetic: fraction of non-zero elements")->capture_default_str();
  app.add_option("-k,--clustering", clustering, "synthetic: zero clustering 0..<1")->capture_default_str();
  app.add_option("-t,--dtype", dtype, "synthetic: float32, float16, int8, uint8")->capture_default_str();
  app.add_option("--seed", seed, "synthetic: random seed")->capture_default_str();
  app.add_option("--npy", npy, "use this .npy file instead of synthetic data");
  app.add_option("--out", out_dir, "directory for stats.json and platform.json")->capture_default_str();
  app.add_option("--trace", trace, "write a Chrome/Perfetto trace of every chunk to this file");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, off")->capture_default_str();
  bool list_stats = false, list_fields = false;
  app.add_flag("--list-fields", list_fields,
               "print every platform config field (unit, default, valid range, meaning) and exit");
  app.add_flag(
      "--list-stats", list_stats,
      "print every statistic the platform reports (kind, unit, merge rule over jobs, meaning) and exit");
  training::TrainingOptions to;
  std::string train_out = "out/train";
  auto* train = app.add_subcommand("train", "simulate one training iteration: oracle vs vDNN vs cDMA");
  train->add_option("-n,--network", to.network, "network name (sim/workloads) or JSON file")
      ->capture_default_str();
  train->add_option("--batch", to.batch, "batch size")->capture_default_str();
  train->add_option("-a,--algorithm", to.algorithm, "cDMA codec: zv, rl, zl, zcomp-i, zcomp-s")
      ->capture_default_str();
  train->add_option("-l,--zlib-level", to.zlib_level, "zlib level for zl")->capture_default_str();
  train->add_option("--policy", to.policy, "vDNN policy: all or conv")->capture_default_str();
  train->add_option("--densities", to.densities,
                    "per-layer densities JSON (default: sim/workloads/densities/<net>.json)");
  train->add_option("-k,--clustering", to.clustering, "zero clustering (default: the densities file's)");
  train->add_option("--seed", to.seed, "random seed of the synthetic activations")->capture_default_str();
  train->add_option("--traces", to.traces, "directory of real activations, <layer>.npy each (see sim/tools)");
  train->add_option("--compute-csv", to.compute_csv,
                    "measured per-layer times: layer,forward_ms,backward_ms");
  train->add_option("--efficiency", to.efficiency, "roofline: fraction of peak FLOP/s and DRAM bandwidth")
      ->capture_default_str();
  train
      ->add_option("--segment-mib", to.segment_mib,
                   "largest piece moved at once: one DMA descriptor each (16 keeps a piece in cache)")
      ->capture_default_str();
  train->add_option("-j,--jobs", to.jobs, "processes to spread the measurement over (default: the CPUs)")
      ->capture_default_str();
  train->add_flag("--simulate-every-transfer", to.simulate_every_transfer,
                  "simulate every vDNN piece, not one per size (their timing depends only on the size)");
  train->add_option("--out", train_out, "directory for report.json, layers.csv, timeline.json")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (list_fields) {
    std::fputs(config::field_tables_markdown().c_str(), stdout);
    return 0;
  }
  try {
    tlmx::set_log_level(log_level);
    if (!mode.empty()) overrides.push_back("simulation.mode=\"" + mode + "\"");
    // Training runs are long and throughput-bound: LT unless the user chose a mode.
    if (*train && mode.empty()) overrides.insert(overrides.begin(), "simulation.mode=\"lt\"");
    const config::PlatformConfig cfg =
        config::load_platform(config::resolve_platform_path(platform, CDMA_PLATFORMS_DIR), overrides);
    if (list_stats) {
      const platform::CdmaSoc soc("soc", cfg);
      std::fputs(platform::statistics_catalogue(soc).c_str(), stdout);
      return 0;
    }
    if (*train) {
      const training::TrainingReport r = training::run_training(cfg, to, CDMA_WORKLOADS_DIR);
      r.print(stdout);
      training::write_training_outputs(r, cfg, train_out);
      std::printf(
          "outputs    %s/{report.json, layers.csv, timeline.json (Perfetto), platform.json}; %.1f GB moved "
          "through the platform in %.1f s wall\n",
          train_out.c_str(), r.measured.bytes_moved / 1e9, r.wall_s);
      if (!r.measured.bytes_identical) {
        std::fprintf(stderr, "cdma-sim: error: prefetched activations differ from what was offloaded\n");
        return 3;
      }
      return 0;
    }

    tensor::ActivationSpec spec;
    spec.dtype = tensor::parse_dtype(dtype);
    spec.density = density;
    spec.clustering = clustering;
    spec.seed = seed;
    runner::TransferInput in = npy.empty()
                                   ? runner::synthetic_input(spec, runner::parse_byte_size(bytes, "--bytes"))
                                   : runner::load_npy_input(npy);
    if (in.data.empty()) throw std::invalid_argument("nothing to transfer: the buffer is empty");
    runner::TransferRequest req;
    req.op = runner::parse_transfer_op(op);
    req.trace_path = trace;
    req.data = std::move(in.data);
    req.codec.element = tensor::codec_element(in.dtype);
    req.codec.zlib_level = level;
    req.codec.algorithm = codec::parse_algorithm(algorithm);
    codec::validate(req.codec);

    const runner::TransferResult r = runner::run_transfer(cfg, req);
    runner::print_transfer_summary(stdout, cfg, req, in.source,
                                   tensor::measured_density(req.data, tensor::element_bytes(in.dtype)), r);
    runner::write_transfer_outputs(out_dir, cfg, r);
    std::printf("stats      %s/stats.json, effective config %s/platform.json%s%s\n", out_dir.c_str(),
                out_dir.c_str(), trace.empty() ? "" : ", timeline ", trace.c_str());
    if (!r.ok || !r.bytes_identical) {
      std::fprintf(stderr, "cdma-sim: error: %s\n", r.error.empty() ? "transfer failed" : r.error.c_str());
      return 3;
    }
    return 0;
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "cdma-sim: error: %s\n", e.what());
  } catch (const tensor::NpyError& e) {
    std::fprintf(stderr, "cdma-sim: error: %s\n", e.what());
  } catch (const training::NetworkError& e) {
    std::fprintf(stderr, "cdma-sim: error: %s\n", e.what());
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "cdma-sim: error: %s\n", e.what());
  }
  return 1;
}

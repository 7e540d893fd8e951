// cdma-sim: offload / prefetch / round trip of real activation bytes on a platform model, with a readable
// summary, per-module statistics as JSON, the effective config, and an optional Perfetto timeline; and
// `train`, one training iteration (oracle vs vDNN vs cDMA). The command line only: the work is in runner/ and
// training/. Options that apply to both (platform, overrides, mode, codec, output folder) may come before or
// after `train`; options of a single transfer given to `train` are refused, never ignored.
#include <systemc>

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "config/platform_config_doc.h"
#include "config/platform_config_json.h"
#include "runner/output_dir.h"
#include "runner/python_tool.h"
#include "runner/run_info.h"
#include "runner/transfer_input.h"
#include "runner/transfer_summary.h"
#include "soc/statistics_catalogue.h"
#include "tensor/activation_generator.h"
#include "tensor/npy_file.h"
#include "tlm/module_logger.h"
#include "training/network.h"
#include "training/training_run.h"
#include "util/version.h"

#ifndef CDMA_PLATFORMS_DIR
#define CDMA_PLATFORMS_DIR "platforms/configs"
#endif
#ifndef CDMA_WORKLOADS_DIR
#define CDMA_WORKLOADS_DIR "sim/workloads"
#endif

using namespace cdma;

namespace {

// A whole number in [lo, hi], written in decimal: refuses signs, fractions and wrap-around ("-1").
CLI::Validator integer_in(uint64_t lo, uint64_t hi) {
  const std::string range = std::to_string(lo) + ".." + std::to_string(hi);
  return CLI::Validator(
      [lo, hi, range](const std::string& s) -> std::string {
        const bool digits =
            !s.empty() && s.size() <= 20 && s.find_first_not_of("0123456789") == std::string::npos;
        if (digits) {
          try {
            const unsigned long long v = std::stoull(s);
            if (v >= lo && v <= hi) return "";
          } catch (const std::exception&) {
          }
        }
        return "must be a whole number in " + range + ", got " + s;
      },
      "in " + range);
}

// [0, 1), as the generator takes it.
const CLI::Validator kClustering(
    [](const std::string& s) -> std::string {
      try {
        const double v = std::stod(s);
        if (v >= 0 && v < 1) return "";
      } catch (const std::exception&) {
      }
      return "must be a number in [0, 1), got " + s;
    },
    "in [0, 1)");

// The options of a single transfer, refused with `train` (which has its own inputs).
const char* const kTransferOnly[] = {"--op", "--bytes", "--density", "--dtype", "--npy", "--trace"};

int run(int argc, char** argv) {
  CLI::App app{"cdma-sim: move real activation bytes through the cDMA platform model"};
  app.set_version_flag("--version",
                       std::string("cdma-sim ") + util::version() + " (" + util::build_type() + ")");
  // Shared by a transfer and train.
  std::string platform = "titan-x", algorithm = "zv", out_dir, log_level = "warn", mode;
  std::vector<std::string> overrides;
  int level = 6;
  uint64_t seed = 1;
  double clustering = std::nan("");  // unset: 0.5 for a transfer, the densities file's for train
  app.add_option("-p,--platform", platform, "platform name (in platforms/configs) or JSON file")
      ->capture_default_str();
  app.add_option("--set", overrides, "override a config field, e.g. --set pcie.lanes=8 (repeatable)");
  app.add_option("--mode", mode,
                 "timing mode at|lt (same as --set simulation.mode=...; train: lt by default)")
      ->check(CLI::IsMember({"at", "lt"}));
  app.add_option("-a,--algorithm", algorithm, "codec: none, zv, rl, zl, zcomp-i, zcomp-s")
      ->capture_default_str();
  app.add_option("-l,--zlib-level", level, "zlib level for zl")
      ->capture_default_str()
      ->check(integer_in(1, 9));
  app.add_option("--seed", seed, "random seed of synthetic activations")
      ->capture_default_str()
      ->check(integer_in(0, UINT64_MAX));
  app.add_option(
         "-k,--clustering", clustering,
         "zero clustering of synthetic activations, in [0, 1) (default: 0.5; train: the densities file's)")
      ->check(kClustering);
  app.add_option("--out", out_dir, "output folder (default out/sim, train: out/train)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, off")->capture_default_str();
  bool list_stats = false, list_fields = false, check_config = false;
  app.add_flag("--check-config", check_config,
               "load the platform with its --set overrides, print its name if it is valid, and exit");
  app.add_flag("--list-fields", list_fields,
               "print every platform config field (unit, default, valid range, meaning) and exit");
  app.add_flag(
      "--list-stats", list_stats,
      "print every statistic the platform reports (kind, unit, merge rule over jobs, meaning) and exit");
  // A single transfer.
  std::string op = "roundtrip", bytes = "64MiB", dtype = "float32", npy, trace;
  double density = 0.35;
  app.add_option("-o,--op", op, "offload, prefetch or roundtrip")->capture_default_str();
  app.add_option("-b,--bytes", bytes, "synthetic buffer size (B, KiB, MiB, GiB, KB, MB, GB)")
      ->capture_default_str();
  app.add_option("-d,--density", density, "synthetic: fraction of non-zero elements")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("-t,--dtype", dtype, "synthetic: float32, float16, int8, uint8")->capture_default_str();
  app.add_option("--npy", npy, "use this .npy file instead of synthetic data")->check(CLI::ExistingFile);
  app.add_option("--trace", trace, "write a Chrome/Perfetto trace of every chunk to this file");
  // A training iteration.
  training::TrainingOptions to;
  auto* train = app.add_subcommand("train", "simulate one training iteration: oracle vs vDNN vs cDMA");
  train->fallthrough();  // the shared options above are accepted after `train` too
  train->add_option("-n,--network", to.network, "network name (sim/workloads) or JSON file")
      ->capture_default_str();
  train->add_option("--batch", to.batch, "batch size")
      ->capture_default_str()
      ->check(integer_in(1, UINT32_MAX));
  train->add_option("--policy", to.policy, "vDNN policy: all or conv")->capture_default_str();
  train
      ->add_option("--densities", to.densities,
                   "per-layer densities JSON (default: sim/workloads/densities/<net>.json)")
      ->check(CLI::ExistingFile);
  train->add_option("--traces", to.traces, "directory of real activations, <layer>.npy each (see sim/tools)")
      ->check(CLI::ExistingDirectory);
  train
      ->add_option(
          "--trace-map", to.trace_map,
          "JSON {\"layers\": {\"<network layer>\": \"<file in the traces folder>\"}} for names that differ")
      ->check(CLI::ExistingFile);
  train
      ->add_option("--activation-model", to.activation_model,
                   "fitted activation model (cdma-codec fit) for the layers it has, 'none' for the Markov "
                   "generator everywhere (default: the densities file's activation_model, if any)")
      ->check([](const std::string& v) {
        return v == "none" || std::filesystem::is_regular_file(v) ? std::string()
                                                                  : v + ": no such file (or 'none')";
      });
  train->add_option("--compute-csv", to.compute_csv, "measured per-layer times: layer,forward_ms,backward_ms")
      ->check(CLI::ExistingFile);
  train
      ->add_option("--efficiency", to.efficiency,
                   "roofline: fraction of peak FLOP/s and DRAM bandwidth, (0, 1]")
      ->capture_default_str()
      ->check(CLI::Range(std::nextafter(0.0, 1.0), 1.0));
  train
      ->add_option(
          "--segment-mib", to.segment_mib,
          "largest piece moved at once, 1..4096: one DMA descriptor each (16 keeps a piece in cache)")
      ->capture_default_str()
      ->check(integer_in(1, 4096));
  train
      ->add_option("-j,--jobs", to.jobs,
                   "processes to spread the measurement over, 1..256 (default: the CPUs)")
      ->capture_default_str()
      ->check(integer_in(1, 256));
  train->add_option("--optimizer", to.optimizer, "optimizer state in the memory model: sgd, momentum, adam")
      ->capture_default_str()
      ->check(CLI::IsMember({"sgd", "momentum", "adam"}));
  train
      ->add_option("--workspace-mib", to.workspace_mib,
                   "cap on a convolution's workspace in MiB (0: memory-optimal algorithms, none)")
      ->capture_default_str()
      ->check(integer_in(0, 1u << 30));
  train->add_flag("--allow-oversubscribe", to.allow_oversubscribe,
                  "simulate even if vDNN/cDMA do not fit the GPU's or host's memory (refused otherwise)");
  train->add_flag("--dram-contention", to.dram_contention,
                  "layers' own DRAM traffic and the DMA engine's share the GPU's DRAM bandwidth");
  bool plots = false;
  train->add_flag(
      "--plots", plots,
      "also write density_ratio.png, performance.png and memory.png (sim/tools/plot_training.py)");
  bool max_batch = false;
  train->add_flag("--max-batch", max_batch,
                  "print the largest batch that fits for the oracle, vDNN_all and vDNN_conv, and stop");
  train->add_flag("--simulate-every-transfer", to.simulate_every_transfer,
                  "simulate every vDNN piece, not one per size (their timing depends only on the size)");
  CLI11_PARSE(app, argc, argv);

  if (list_fields) {
    std::fputs(config::field_tables_markdown().c_str(), stdout);
    return 0;
  }
  if (*train) {
    for (const char* name : kTransferOnly) {
      if (app.get_option(name)->count() > 0) {
        throw std::invalid_argument(std::string(name) + " is an option of a single transfer, not of train");
      }
    }
  }
  tlmx::set_log_level(log_level);
  if (!mode.empty()) overrides.push_back("simulation.mode=\"" + mode + "\"");
  // Training runs are long and throughput-bound: LT unless the user chose a mode.
  if (*train && mode.empty()) overrides.insert(overrides.begin(), "simulation.mode=\"lt\"");
  runner::RunInfo info;
  info.command = runner::command_line(argc, argv);
  info.overrides = overrides;
  info.platform_file = config::resolve_platform_path(platform, CDMA_PLATFORMS_DIR);
  const config::PlatformConfig cfg = config::load_platform(info.platform_file, overrides, CDMA_PLATFORMS_DIR);
  if (check_config) {
    std::printf("ok: %s (%s)\n", cfg.name.c_str(), info.platform_file.c_str());
    return 0;
  }
  if (list_stats) {
    const platform::CdmaSoc soc("soc", cfg);
    std::fputs(platform::statistics_catalogue(soc).c_str(), stdout);
    return 0;
  }
  if (out_dir.empty()) out_dir = *train ? "out/train" : "out/sim";
  runner::prepare_output_dir(out_dir);  // before any work: an unwritable folder is found now
  const codec::Algorithm a = codec::parse_algorithm(algorithm);

  if (*train && max_batch) {
    const nlohmann::json table = training::max_batch_table(cfg, to, CDMA_WORKLOADS_DIR, stdout);
    runner::write_text_file(out_dir + "/max_batch.json", table.dump(2) + "\n");
    std::printf("written    %s/max_batch.json\n", out_dir.c_str());
    return 0;
  }
  const runner::PythonTool plotter(std::string(CDMA_TOOLS_DIR) + "/plot_training.py", "--plots");
  if (*train && plots) plotter.check("matplotlib");  // before the run, not after it
  if (*train) {
    to.algorithm = codec::to_string(a);
    to.zlib_level = level;
    to.seed = seed;
    to.clustering = std::isnan(clustering) ? -1 : clustering;
    training::TrainingReport r = training::run_training(cfg, to, CDMA_WORKLOADS_DIR);
    r.run = info.to_json();
    r.print(stdout);
    training::write_training_outputs(r, cfg, out_dir);
    std::printf(
        "outputs    %s/{report.json, layers.csv, timeline.json (Perfetto), platform.json}; %.1f GB moved "
        "through the platform in %.1f s wall\n",
        out_dir.c_str(), r.measured.bytes_moved / 1e9, r.wall_s);
    if (plots) {
      try {
        plotter.run({out_dir});
      } catch (const std::runtime_error& e) {
        std::fprintf(stderr, "cdma-sim: error: %s (the report and the other outputs are written)\n",
                     e.what());
        return 1;
      }
    }
    if (!r.measured.bytes_identical) {
      std::fprintf(stderr, "cdma-sim: error: prefetched activations differ from what was offloaded\n");
      return 3;
    }
    return 0;
  }

  runner::TransferRequest req;
  req.op = runner::parse_transfer_op(op);
  req.codec.algorithm = a;
  req.codec.zlib_level = level;
  if (!trace.empty()) req.trace_path = runner::prepare_output_file(trace, "--trace");
  runner::TransferInput in;
  if (npy.empty()) {
    tensor::ActivationSpec spec;
    spec.dtype = tensor::parse_dtype(dtype);
    spec.density = density;
    spec.clustering = std::isnan(clustering) ? 0.5 : clustering;
    spec.seed = seed;
    const uint64_t n = runner::parse_byte_size(bytes, "--bytes");
    runner::check_whole_elements(n, spec.dtype, "--bytes");
    runner::check_transfer_fits(cfg, n);  // before the bytes are made
    in = runner::synthetic_input(spec, n);
  } else {
    in = runner::load_npy_input(npy);
    if (in.data.empty()) throw std::invalid_argument(npy + ": nothing to transfer: the array is empty");
    runner::check_transfer_fits(cfg, in.data.size());
  }
  req.data = std::move(in.data);
  req.codec.element = tensor::codec_element(in.dtype);
  codec::validate(req.codec);

  runner::TransferResult r = runner::run_transfer(cfg, req);
  r.stats["run"] = info.to_json();
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
}

}  // namespace

int sc_main(int argc, char** argv) {
  // Every error is one line on stderr with the program's name, never SystemC's report of an uncaught
  // exception.
  try {
    return run(argc, argv);
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "cdma-sim: error: %s\n", e.what());
  } catch (const tensor::NpyError& e) {
    std::fprintf(stderr, "cdma-sim: error: %s\n", e.what());
  } catch (const training::NetworkError& e) {
    std::fprintf(stderr, "cdma-sim: error: %s\n", e.what());
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "cdma-sim: error: %s\n", e.what());
  } catch (const training::CapacityError& e) {
    std::fprintf(stderr, "cdma-sim: error: %s\n", e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cdma-sim: internal error: %s\n", e.what());
    return 2;
  }
  return 1;
}

// SystemC's own main prints its banner first; ours turns it off, then hands over to the kernel.
int main(int argc, char** argv) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  return sc_core::sc_elab_and_sim(argc, argv);
}

// cdma-sim: offload / prefetch / round trip of real activation bytes on a platform model, with a readable
// summary, per-module statistics as JSON, the effective config, and an optional Perfetto timeline.
#include <systemc>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "compute_model.h"
#include "config/platform_config_json.h"
#include "network.h"
#include "tensor/activation_generator.h"
#include "tensor/npy_file.h"
#include "tlm/module_logger.h"
#include "training_report.h"
#include "transfer_run.h"

#ifndef CDMA_PLATFORMS_DIR
#define CDMA_PLATFORMS_DIR "platforms"
#endif
#ifndef CDMA_WORKLOADS_DIR
#define CDMA_WORKLOADS_DIR "sim/workloads"
#endif

using namespace cdma;

namespace {

struct UserError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

uint64_t parse_size(const std::string& text) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    throw UserError("--bytes: '" + text + "' is not a size (e.g. 4096, 64KiB, 256MiB, 1GiB)");
  }
  const std::string unit = text.substr(used);
  double mult = 1;
  if (unit == "" || unit == "B")
    mult = 1;
  else if (unit == "KiB" || unit == "K")
    mult = 1024.0;
  else if (unit == "MiB" || unit == "M")
    mult = 1024.0 * 1024;
  else if (unit == "GiB" || unit == "G")
    mult = 1024.0 * 1024 * 1024;
  else if (unit == "KB")
    mult = 1e3;
  else if (unit == "MB")
    mult = 1e6;
  else if (unit == "GB")
    mult = 1e9;
  else
    throw UserError("--bytes: unknown unit '" + unit + "' (B, KiB, MiB, GiB, KB, MB, GB)");
  if (!(v > 0)) throw UserError("--bytes must be positive");
  return static_cast<uint64_t>(v * mult);
}

void print_summary(const config::PlatformConfig& cfg, const sim::TransferRequest& req,
                   const std::string& source, double density, const sim::TransferResult& r) {
  std::printf("platform   %s: %s, %u x %.1f GB/s DRAM, PCIe gen%u x%u (%.2f GB/s effective), %s mode\n",
              cfg.name.c_str(), cfg.gpu.name.c_str(), cfg.gpu.dram.channels,
              cfg.gpu.dram.channel_bandwidth_gbps(), cfg.pcie.generation, cfg.pcie.lanes,
              cfg.pcie.effective_gbps(), cfg.simulation.mode.c_str());
  std::printf("data       %zu B, %s, density %.4f\n", req.data.size(), source.c_str(), density);
  std::printf("codec      %s, %u-bit elements, %u B chunks, %u in flight, %llu B aggregation buffer\n\n",
              codec::to_string(req.codec.algorithm), 8 * codec::bytes_of(req.codec.element),
              cfg.gpu.dma.chunk_bytes, cfg.gpu.dma.outstanding_chunks,
              static_cast<unsigned long long>(cfg.gpu.dma.buffer_bytes));
  std::printf("%-9s %12s %12s %7s %11s %10s %10s  %s\n", "phase", "bytes", "over PCIe", "ratio", "time (us)",
              "PCIe GB/s", "DRAM GB/s", "bottleneck");
  for (const auto& p : r.phases) {
    const auto& c = p.completion;
    std::printf("%-9s %12llu %12llu %7.3f %11.2f %10.2f %10.2f  %s\n", dma::to_string(c.descriptor.op),
                static_cast<unsigned long long>(c.original_bytes),
                static_cast<unsigned long long>(c.host_bytes),
                codec::compression_ratio(c.original_bytes, c.compressed_bytes), p.seconds * 1e6, p.pcie_gbps,
                p.dram_gbps, p.hops.bottleneck.c_str());
  }
  std::printf("\nhop utilisation (busy fraction of each phase)\n");
  std::printf("%-9s", "phase");
  if (!r.phases.empty()) {
    for (const auto& [hop, f] : r.phases.front().hops.fraction) std::printf(" %13s", hop.c_str());
  }
  std::printf("\n");
  for (const auto& p : r.phases) {
    std::printf("%-9s", dma::to_string(p.completion.descriptor.op));
    for (const auto& [hop, f] : p.hops.fraction) std::printf(" %12.1f%%", 100 * f);
    std::printf("\n");
  }
  std::printf("\nsimulated %.3f ms in %.3f s wall; %s\n", r.simulated_seconds * 1e3, r.wall_seconds,
              r.bytes_identical ? "bytes check: bit-identical" : "bytes check: FAILED");
}

struct TrainOptions {
  std::string network = "vgg16", algorithm = "zv", policy = "all", densities, traces, compute_csv;
  uint32_t batch = 128;
  double efficiency = 0.7, clustering = -1;
  uint64_t seed = 1, segment_mib = 16;
  int level = 6;
  bool every_transfer = false;
  // One job per CPU: with the default 16 MiB segments each holds under 100 MB.
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
};

int run_train(const config::PlatformConfig& cfg, const TrainOptions& o, const std::string& out_dir) {
  const auto wall0 = std::chrono::steady_clock::now();
  training::TrainingReport r;
  r.net = training::load_network(training::resolve_network_path(o.network, CDMA_WORKLOADS_DIR));
  r.platform = cfg.name;
  r.algorithm = o.algorithm;
  r.policy = training::parse_offload_policy(o.policy);
  r.batch = o.batch;
  if (o.batch == 0) throw UserError("--batch must be >= 1");
  r.plan = training::plan_tensors(r.net, r.policy);
  if (o.compute_csv.empty()) {
    training::RooflineParams p;
    p.peak_tflops = cfg.gpu.fp32_tflops;
    p.dram_gbps = cfg.gpu.dram.bandwidth_gbps;
    p.efficiency = o.efficiency;
    p.batch = o.batch;
    if (!(o.efficiency > 0 && o.efficiency <= 1)) throw UserError("--efficiency must be in (0, 1]");
    r.compute = training::roofline_times(r.net, p);
  } else {
    r.compute = training::load_layer_times(o.compute_csv, r.net);
  }
  training::MeasurementConfig mc;
  mc.batch = o.batch;
  mc.codec.algorithm = codec::parse_algorithm(o.algorithm);
  mc.codec.zlib_level = o.level;
  codec::validate(mc.codec);
  mc.segment_bytes = o.segment_mib << 20;
  mc.reuse_uncompressed = !o.every_transfer;
  if (o.jobs == 0) throw UserError("--jobs must be >= 1");
  mc.jobs = o.jobs;
  mc.source.traces_dir = o.traces;
  mc.source.seed = o.seed;
  mc.source.clustering = o.clustering;
  mc.source.densities_path = o.densities.empty()
                                 ? std::string(CDMA_WORKLOADS_DIR) + "/densities/" + r.net.name + ".json"
                                 : o.densities;
  r.measured = training::measure_transfers(cfg, r.net, r.plan, mc);
  r.oracle = training::schedule_oracle(r.net, r.compute);
  r.vdnn = training::schedule_vdnn(r.net, r.plan, r.compute, r.measured.vdnn);
  r.cdma = training::schedule_vdnn(r.net, r.plan, r.compute, r.measured.cdma);
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  r.print(stdout);
  std::filesystem::create_directories(out_dir);
  std::ofstream(out_dir + "/report.json") << r.to_json().dump(2) << "\n";
  std::ofstream(out_dir + "/platform.json") << config::to_json(cfg).dump(2) << "\n";
  r.write_csv(out_dir + "/layers.csv");
  r.write_timeline(out_dir + "/timeline.json");
  std::printf(
      "outputs    %s/{report.json, layers.csv, timeline.json (Perfetto), platform.json}; %.1f GB moved "
      "through the platform in %.1f s wall\n",
      out_dir.c_str(), r.measured.bytes_moved / 1e9, r.wall_s);
  if (!r.measured.bytes_identical) {
    std::fprintf(stderr, "cdma-sim: error: prefetched activations differ from what was offloaded\n");
    return 3;
  }
  return 0;
}

}  // namespace

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
  TrainOptions to;
  std::string train_out = "out/train";
  auto* train = app.add_subcommand("train", "simulate one training iteration: oracle vs vDNN vs cDMA");
  train->add_option("-n,--network", to.network, "network name (sim/workloads) or JSON file")
      ->capture_default_str();
  train->add_option("--batch", to.batch, "batch size")->capture_default_str();
  train->add_option("-a,--algorithm", to.algorithm, "cDMA codec: zv, rl, zl, zcomp-i, zcomp-s")
      ->capture_default_str();
  train->add_option("-l,--zlib-level", to.level, "zlib level for zl")->capture_default_str();
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
  train->add_flag("--simulate-every-transfer", to.every_transfer,
                  "simulate every vDNN piece, not one per size (their timing depends only on the size)");
  train->add_option("--out", train_out, "directory for report.json, layers.csv, timeline.json")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    tlmx::set_log_level(log_level);
    if (!mode.empty()) overrides.push_back("simulation.mode=\"" + mode + "\"");
    // Training runs are long and throughput-bound: LT unless the user chose a mode.
    if (*train && mode.empty()) overrides.insert(overrides.begin(), "simulation.mode=\"lt\"");
    const config::PlatformConfig cfg =
        config::load_platform(config::resolve_platform_path(platform, CDMA_PLATFORMS_DIR), overrides);
    if (*train) return run_train(cfg, to, train_out);

    sim::TransferRequest req;
    req.op = sim::parse_transfer_op(op);
    req.trace_path = trace;
    std::string source;
    tensor::DType t;
    if (!npy.empty()) {
      tensor::NpyArray a = tensor::read_npy(npy);
      t = a.dtype;
      req.data = std::move(a.data);
      source = npy;
    } else {
      tensor::ActivationSpec spec;
      spec.dtype = tensor::parse_dtype(dtype);
      spec.density = density;
      spec.clustering = clustering;
      spec.seed = seed;
      tensor::validate(spec);
      t = spec.dtype;
      const uint64_t n = parse_size(bytes);
      req.data =
          tensor::generate_activations(spec, (n + tensor::element_bytes(t) - 1) / tensor::element_bytes(t));
      req.data.resize(n);
      source =
          std::string("synthetic ") + tensor::to_string(t) + ", clustering " + std::to_string(clustering);
    }
    if (req.data.empty()) throw UserError("nothing to transfer: the buffer is empty");
    req.codec.element = tensor::codec_element(t);
    req.codec.zlib_level = level;
    req.codec.algorithm = codec::parse_algorithm(algorithm);
    codec::validate(req.codec);

    const sim::TransferResult r = sim::run_transfer(cfg, req);
    print_summary(cfg, req, source, tensor::measured_density(req.data, tensor::element_bytes(t)), r);

    std::filesystem::create_directories(out_dir);
    std::ofstream(out_dir + "/stats.json") << r.stats.dump(2) << "\n";
    std::ofstream(out_dir + "/platform.json") << config::to_json(cfg).dump(2) << "\n";
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
  } catch (const UserError& e) {
    std::fprintf(stderr, "cdma-sim: error: %s\n", e.what());
  } catch (const training::NetworkError& e) {
    std::fprintf(stderr, "cdma-sim: error: %s\n", e.what());
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "cdma-sim: error: %s\n", e.what());
  }
  return 1;
}

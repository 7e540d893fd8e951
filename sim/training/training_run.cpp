#include "training/training_run.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "codec/codec.h"
#include "config/platform_config_json.h"
#include "training/compute_model.h"
#include "training/network.h"
#include "training/transfer_measurement.h"
#include "util/byte_size_text.h"

namespace cdma::training {

namespace {

std::string size_text(uint64_t bytes) {
  return util::byte_size_text(bytes);
}

MemoryOptions memory_options(const TrainingOptions& o) {
  MemoryOptions m;
  m.optimizer = parse_optimizer(o.optimizer);
  if (o.workspace_mib > (1ull << 30)) {
    throw std::invalid_argument("--workspace-mib must be at most 2^30, got " +
                                std::to_string(o.workspace_mib));
  }
  m.workspace_limit_bytes = o.workspace_mib << 20;
  return m;
}

// Refuses a run whose vDNN/cDMA configuration does not fit the platform, saying what it needs, where, what
// fits and how to simulate it anyway.
void check_capacity(const TrainingReport& r, const config::PlatformConfig& cfg,
                    const PrefetchPlan& prefetches) {
  const MemoryReport& m = r.memory;
  const bool gpu = m.offload_fits_gpu();
  const bool host = m.vdnn_host_bytes <= m.host_capacity;
  if (gpu && host) return;
  const BatchLimit fit = max_batch(r.net, r.plan, prefetches, MemoryConfig::kOffload, m.options,
                                   m.gpu_capacity, m.host_capacity, UINT32_MAX);
  std::string what = r.net.name + " at batch " + std::to_string(r.batch) + " does not fit " + cfg.gpu.name +
                     " under " + to_string(r.policy) + ": ";
  if (!gpu) {
    const MemoryUse& u = m.offload.peak;
    what += "the GPU needs " + size_text(m.offload.peak_bytes()) + " at its peak (" +
            to_string(m.offload.peak_pass) + " pass of " + r.net.layers[m.offload.peak_layer].name +
            ": activations " + size_text(u.activations) + ", gradients " + size_text(u.gradients) +
            ", model state " + size_text(u.model_state) + ", workspace " + size_text(u.workspace) +
            ") and gpu.dram.capacity_bytes is " + size_text(m.gpu_capacity);
  }
  if (!host) {
    what += std::string(gpu ? "" : "; ") + "the host needs " + size_text(m.vdnn_host_bytes) +
            " for the offloaded activations and host_dram.capacity_bytes is " + size_text(m.host_capacity);
  }
  what += fit.batch > 0 ? "; the largest batch that fits is " + std::to_string(fit.batch)
                        : std::string("; not even batch 1 fits");
  throw CapacityError(what + " (--max-batch lists every policy; --allow-oversubscribe simulates it anyway)");
}

}  // namespace

TrainingReport run_training(const config::PlatformConfig& cfg, const TrainingOptions& o,
                            const std::string& workloads_dir) {
  const auto wall0 = std::chrono::steady_clock::now();
  TrainingReport r;
  r.net = load_network(resolve_network_path(o.network, workloads_dir));
  r.platform = cfg.name;
  r.chunk_bytes = cfg.gpu.dma.chunk_bytes;
  r.algorithm = o.algorithm;
  r.policy = parse_offload_policy(o.policy);
  r.batch = o.batch;
  if (o.batch == 0) throw std::invalid_argument("--batch must be >= 1");
  if (o.clustering != -1 && !(o.clustering >= 0 && o.clustering < 1)) {
    throw std::invalid_argument("--clustering must be in [0, 1), got " + std::to_string(o.clustering));
  }
  if (o.segment_mib == 0 || o.segment_mib > 4096) {
    throw std::invalid_argument("--segment-mib must be in 1..4096, got " + std::to_string(o.segment_mib));
  }
  r.plan = plan_tensors(r.net, r.policy);
  // Does it fit? Known from the network, the plan and the batch alone: checked before anything is simulated.
  const PrefetchPlan prefetches = plan_prefetches(r.net, r.plan);
  r.memory.options = memory_options(o);
  r.memory.gpu_capacity = cfg.gpu.dram.capacity_bytes;
  r.memory.host_capacity = cfg.host_dram.capacity_bytes;
  r.memory.oracle = gpu_memory(r.net, r.plan, prefetches, o.batch, MemoryConfig::kOracle, r.memory.options);
  r.memory.offload = gpu_memory(r.net, r.plan, prefetches, o.batch, MemoryConfig::kOffload, r.memory.options);
  r.memory.vdnn_host_bytes = host_memory_uncompressed(r.plan, o.batch);
  if (!o.allow_oversubscribe) check_capacity(r, cfg, prefetches);
  RooflineParams roofline;
  roofline.peak_tflops = cfg.gpu.fp32_tflops;
  roofline.dram_gbps = cfg.gpu.dram.bandwidth_gbps;
  roofline.efficiency = o.efficiency;
  roofline.batch = o.batch;
  if (!(o.efficiency > 0 && o.efficiency <= 1)) throw std::invalid_argument("--efficiency must be in (0, 1]");
  if (o.compute_csv.empty()) {
    r.compute = roofline_times(r.net, roofline);
  } else {
    r.compute = load_layer_times(o.compute_csv, r.net);
  }
  MeasurementConfig mc;
  mc.batch = o.batch;
  mc.codec.algorithm = codec::parse_algorithm(o.algorithm);
  mc.codec.zlib_level = o.zlib_level;
  codec::validate(mc.codec);
  mc.segment_bytes = o.segment_mib << 20;
  mc.reuse_uncompressed = !o.simulate_every_transfer;
  if (o.jobs == 0) throw std::invalid_argument("--jobs must be >= 1");
  mc.jobs = o.jobs;
  mc.source.traces_dir = o.traces;
  mc.source.trace_map = o.trace_map;
  mc.source.seed = o.seed;
  mc.source.clustering = o.clustering;
  mc.source.activation_model = o.activation_model;
  if (!o.traces.empty() && !o.activation_model.empty() && o.activation_model != kNoActivationModel)
    throw std::invalid_argument(
        "--activation-model and --traces exclude each other (traces are the real bytes)");
  // The network's densities file, if it has one; otherwise a documented default per layer kind.
  const std::string shipped = workloads_dir + "/densities/" + r.net.name + ".json";
  mc.source.densities_path = !o.densities.empty()                        ? o.densities
                             : std::filesystem::is_regular_file(shipped) ? shipped
                                                                         : "";
  r.densities = !o.traces.empty()                  ? "traces in " + o.traces
                : mc.source.densities_path.empty() ? std::string("defaults by layer kind (no densities file)")
                : o.densities.empty()              ? "sim/workloads/densities/" + r.net.name + ".json"
                                                   : o.densities;
  r.measured = measure_transfers(cfg, r.net, r.plan, mc);
  for (const std::string& layer : r.measured.generated_tensors)
    r.densities += "; " + layer + " generated (no trace)";
  if (!r.measured.activation_model.empty()) {
    const std::string& used = r.measured.activation_model;
    const std::string shipped_prefix = workloads_dir + "/";
    r.activation_model =
        used.rfind(shipped_prefix, 0) == 0 ? "sim/workloads/" + used.substr(shipped_prefix.size()) : used;
    r.densities += "; " + std::to_string(r.measured.fitted_layers.size()) +
                   " layers drawn from the fitted model " + r.activation_model;
  }
  for (const TensorResult& t : r.measured.tensors) r.memory.cdma_host_bytes += t.cdma_pcie_bytes;
  r.oracle = schedule_oracle(r.net, r.compute);
  r.dram_contention = o.dram_contention;
  const DramContention dram =
      o.dram_contention ? roofline_dram_contention(r.net, r.plan, roofline) : DramContention{};
  r.vdnn = schedule_vdnn(r.net, r.plan, r.compute, r.measured.vdnn, dram);
  r.cdma = schedule_vdnn(r.net, r.plan, r.compute, r.measured.cdma, dram);
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  return r;
}

nlohmann::json max_batch_table(const config::PlatformConfig& cfg, const TrainingOptions& o,
                               const std::string& workloads_dir, std::FILE* out) {
  const Network net = load_network(resolve_network_path(o.network, workloads_dir));
  const MemoryOptions mo = memory_options(o);
  const uint64_t gpu = cfg.gpu.dram.capacity_bytes, host = cfg.host_dram.capacity_bytes;
  std::fprintf(out, "%s on %s: the largest batch that fits (GPU %s, host %s; optimizer %s, workspace %s)\n\n",
               net.name.c_str(), cfg.gpu.name.c_str(), size_text(gpu).c_str(), size_text(host).c_str(),
               to_string(mo.optimizer),
               mo.workspace_limit_bytes ? size_text(mo.workspace_limit_bytes).c_str() : "none");
  std::fprintf(out, "%-10s %11s %13s %10s  %s\n", "config", "max batch", "GPU peak", "host",
               "next batch stopped by");
  nlohmann::json rows = nlohmann::json::array();
  struct Row {
    const char* label;
    OffloadPolicy policy;
    MemoryConfig config;
  };
  for (const Row& row : {Row{"oracle", OffloadPolicy::kAll, MemoryConfig::kOracle},
                         Row{"vDNN_all", OffloadPolicy::kAll, MemoryConfig::kOffload},
                         Row{"vDNN_conv", OffloadPolicy::kConv, MemoryConfig::kOffload}}) {
    const TensorPlan plan = plan_tensors(net, row.policy);
    const PrefetchPlan prefetches = plan_prefetches(net, plan);
    const BatchLimit limit = max_batch(net, plan, prefetches, row.config, mo, gpu, host, UINT32_MAX);
    nlohmann::json j = {{"config", row.label}, {"max_batch", limit.batch}};
    const bool offload = row.config == MemoryConfig::kOffload;
    if (limit.batch > 0) {
      const uint64_t peak = gpu_memory(net, plan, prefetches, limit.batch, row.config, mo).peak_bytes();
      const uint64_t host_bytes = offload ? host_memory_uncompressed(plan, limit.batch) : 0;
      j["gpu_peak_bytes"] = peak;
      j["host_bytes"] = host_bytes;
      std::fprintf(out, "%-10s %11u %13s %10s  %s\n", row.label, limit.batch, size_text(peak).c_str(),
                   offload ? size_text(host_bytes).c_str() : "-",
                   limit.batch == UINT32_MAX ? "the batch's range"
                   : limit.host_bound        ? "host memory"
                                             : "GPU memory");
    } else {
      std::fprintf(out, "%-10s %11s %13s %10s  %s\n", row.label, "none", "-", "-",
                   limit.host_bound ? "host memory" : "GPU memory");
    }
    j["limited_by"] = limit.batch == UINT32_MAX ? "batch range" : limit.host_bound ? "host" : "gpu";
    rows.push_back(j);
  }
  std::fprintf(
      out,
      "\ncDMA needs vDNN's GPU memory; on the host it keeps the compressed images, known after a run "
      "(report.json memory.cdma.host_bytes). The oracle is a GPU with enough memory.\n");
  return {{"network", net.name},
          {"platform", cfg.name},
          {"gpu_capacity_bytes", gpu},
          {"host_capacity_bytes", host},
          {"optimizer", to_string(mo.optimizer)},
          {"workspace_limit_bytes", mo.workspace_limit_bytes},
          {"configs", rows}};
}

void write_training_outputs(const TrainingReport& r, const config::PlatformConfig& cfg,
                            const std::string& out_dir) {
  std::filesystem::create_directories(out_dir);
  std::ofstream(out_dir + "/report.json") << r.to_json().dump(2) << "\n";
  std::ofstream(out_dir + "/platform.json") << config::to_json(cfg).dump(2) << "\n";
  r.write_csv(out_dir + "/layers.csv");
  r.write_timeline(out_dir + "/timeline.json");
}

}  // namespace cdma::training

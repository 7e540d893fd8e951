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

namespace cdma::training {

TrainingReport run_training(const config::PlatformConfig& cfg, const TrainingOptions& o,
                            const std::string& workloads_dir) {
  const auto wall0 = std::chrono::steady_clock::now();
  TrainingReport r;
  r.net = load_network(resolve_network_path(o.network, workloads_dir));
  r.platform = cfg.name;
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
  if (o.compute_csv.empty()) {
    RooflineParams p;
    p.peak_tflops = cfg.gpu.fp32_tflops;
    p.dram_gbps = cfg.gpu.dram.bandwidth_gbps;
    p.efficiency = o.efficiency;
    p.batch = o.batch;
    if (!(o.efficiency > 0 && o.efficiency <= 1))
      throw std::invalid_argument("--efficiency must be in (0, 1]");
    r.compute = roofline_times(r.net, p);
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
  mc.source.seed = o.seed;
  mc.source.clustering = o.clustering;
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
  r.oracle = schedule_oracle(r.net, r.compute);
  r.vdnn = schedule_vdnn(r.net, r.plan, r.compute, r.measured.vdnn);
  r.cdma = schedule_vdnn(r.net, r.plan, r.compute, r.measured.cdma);
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  return r;
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

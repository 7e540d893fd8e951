#include "training/transfer_measurement.h"

#include <algorithm>
#include <functional>

#include "codec/whole_stream_size.h"
#include "runner/isolated_run.h"
#include "runner/shared_counter.h"
#include "stats/snapshot.h"
#include "tensor/npy_file.h"
#include "training/measurement_job.h"
#include "training/piece_plan.h"
#include "training/piece_source.h"
#include "training/whole_tensor_size.h"

namespace cdma::training {

namespace {

// Every offloaded tensor's bytes. Traces are checked against the network from their headers only, before
// anything is simulated.
std::vector<uint64_t> offloaded_bytes(const TensorPlan& plan, const MeasurementConfig& mc) {
  std::vector<uint64_t> bytes(plan.tensors.size(), 0);
  for (size_t id = 0; id < plan.tensors.size(); ++id) {
    const ActivationTensor& t = plan.tensors[id];
    if (!t.offloaded) continue;
    const std::string file = mc.source.traces.empty() ? "" : mc.source.traces.file_of(t);
    if (file.empty()) {  // generated (no traces, or an input without one)
      bytes[id] = t.elements_per_sample * mc.batch * kElementBytes;
    } else {
      const tensor::NpyArray header = tensor::read_npy_header(file);
      check_trace_shape(file, header, t, mc.batch);
      bytes[id] = header.element_count() * tensor::element_bytes(header.dtype);
    }
  }
  return bytes;
}

// Runs the jobs (this process's own with one job, forked children otherwise) over the pieces.
std::vector<JobResult> run_jobs(unsigned jobs, const config::PlatformConfig& cfg, const TensorPlan& plan,
                                const MeasurementConfig& mc, const DensityTable& densities,
                                const PiecePlan& pieces) {
  runner::SharedCounter counter;
  if (jobs == 1) return {run_measurement_job(cfg, plan, mc, densities, pieces, counter)};
  const std::function<std::string()> job = [&] {
    return nlohmann::json(run_measurement_job(cfg, plan, mc, densities, pieces, counter)).dump();
  };
  std::vector<JobResult> results;
  for (const std::string& text :
       runner::run_in_children(std::vector<std::function<std::string()>>(jobs, job))) {
    if (text.rfind("error: ", 0) == 0) throw std::runtime_error(text.substr(7));
    results.push_back(nlohmann::json::parse(text).get<JobResult>());
  }
  return results;
}

}  // namespace

Measurements measure_transfers(const config::PlatformConfig& cfg, const Network& net, const TensorPlan& plan,
                               const MeasurementConfig& config) {
  MeasurementConfig mc = config;
  if (!mc.source.traces_dir.empty()) {
    mc.source.traces = TraceSet::open(mc.source.traces_dir, mc.source.trace_map, net, plan);
  } else if (!mc.source.trace_map.empty()) {
    throw std::invalid_argument("a trace map needs a traces folder (--trace-map with --traces)");
  }
  DensityTable densities = !mc.source.traces_dir.empty() ? DensityTable()
                           : mc.source.densities_path.empty()
                               ? DensityTable::by_layer_kind(net)
                               : DensityTable::load(mc.source.densities_path, net, plan);
  const std::string model = mc.source.activation_model == kNoActivationModel ? ""
                            : !mc.source.activation_model.empty()            ? mc.source.activation_model
                                                                  : densities.declared_activation_model();
  if (!model.empty() && mc.source.traces_dir.empty()) densities.use_activation_model(model, plan);
  const std::vector<uint64_t> tensor_bytes = offloaded_bytes(plan, mc);
  const PiecePlan pieces = plan_pieces(tensor_bytes, mc.segment_bytes,
                                       uint64_t{cfg.gpu.dram.interleave_bytes} * cfg.gpu.dram.channels,
                                       mc.reuse_uncompressed, !mc.source.traces_dir.empty());
  // Each piece is measured on an idle platform, so pieces are independent and can be spread over processes.
  const unsigned jobs =
      static_cast<unsigned>(std::clamp<size_t>(mc.jobs, 1, std::max<size_t>(pieces.units.size(), 1)));
  const std::vector<JobResult> results = run_jobs(jobs, cfg, plan, mc, densities, pieces);
  const std::vector<uint64_t> whole = whole_tensor_sizes(plan, mc, densities, pieces, jobs);

  Measurements m;
  m.vdnn.resize(plan.tensors.size());
  m.cdma.resize(plan.tensors.size());
  m.jobs = jobs;
  m.activation_model = densities.activation_model();
  m.fitted_layers = densities.fitted_layers();
  m.whole_tensor = codec::WholeStreamSize::applies_to(mc.codec.algorithm);
  m.generated_tensors = mc.source.traces.generated();
  m.peak_rss_bytes = jobs == 1 ? 0 : runner::peak_rss_bytes();  // the parent's own, when it forked the work
  std::vector<stats::Snapshot> job_stats;
  std::vector<const PieceResult*> by_piece(pieces.pieces.size(), nullptr);
  for (const JobResult& j : results) {
    for (const PieceResult& r : j.pieces) by_piece.at(r.piece) = &r;
    job_stats.push_back(j.platform_stats);
    m.peak_rss_bytes += j.peak_rss_bytes;
  }
  m.platform_stats = stats::merge(job_stats);

  // Sum the pieces of each tensor; a piece that did not simulate vDNN takes the timing of the one that did.
  std::vector<TensorResult> sums(plan.tensors.size());
  std::vector<uint64_t> nonzeros(plan.tensors.size(), 0);
  for (size_t k = 0; k < pieces.pieces.size(); ++k) {
    const PieceRef& ref = pieces.pieces[k];
    const PieceResult* p = by_piece[k];
    if (p == nullptr) throw std::logic_error("piece " + std::to_string(k) + " was not measured");
    const PieceResult& vdnn = *by_piece.at(pieces.vdnn_timing_of[k]);
    m.bytes_identical = m.bytes_identical && p->bytes_identical;
    m.bytes_moved += (p->vdnn_reused ? 2 : 4) * ref.bytes;  // each simulated round trip moves it both ways
    if (p->vdnn_reused) m.vdnn_reused_bytes += ref.bytes;
    TensorResult& r = sums[ref.tensor];
    r.tensor = ref.tensor;
    r.bytes += ref.bytes;
    r.vdnn.offload_s += vdnn.vdnn.offload_s;
    r.vdnn.prefetch_s += vdnn.vdnn.prefetch_s;
    r.cdma.offload_s += p->cdma.offload_s;
    r.cdma.prefetch_s += p->cdma.prefetch_s;
    r.vdnn_pcie_bytes += vdnn.vdnn_pcie_bytes;
    r.cdma_pcie_bytes += p->cdma_pcie_bytes;
    r.compressed_bytes += p->compressed_bytes;
    nonzeros[ref.tensor] += p->nonzero_elements;
  }
  for (size_t id = 0; id < plan.tensors.size(); ++id) {
    if (!plan.tensors[id].offloaded || tensor_bytes[id] == 0) continue;
    TensorResult& r = sums[id];
    if (!whole.empty()) r.whole_tensor_compressed_bytes = whole[id];
    const uint64_t width =
        mc.source.traces_dir.empty() ? 4 : r.bytes / (plan.tensors[id].elements_per_sample * mc.batch);
    r.density = static_cast<double>(nonzeros[id]) / static_cast<double>(r.bytes / width);
    m.vdnn[id] = r.vdnn;
    m.cdma[id] = r.cdma;
    m.tensors.push_back(r);
  }
  return m;
}

}  // namespace cdma::training

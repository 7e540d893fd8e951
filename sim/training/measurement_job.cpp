#include "training/measurement_job.h"

#include <memory>

#include "runner/isolated_run.h"
#include "soc/cdma_soc.h"

namespace cdma::training {

void to_json(nlohmann::json& j, const JobResult& r) {
  j = {{"pieces", r.pieces},
       {"platform_stats", r.platform_stats.to_wire()},
       {"peak_rss_bytes", r.peak_rss_bytes}};
}

void from_json(const nlohmann::json& j, JobResult& r) {
  r.pieces = j.at("pieces").get<std::vector<PieceResult>>();
  r.platform_stats = stats::Snapshot::from_wire(j.at("platform_stats"));
  r.peak_rss_bytes = j.at("peak_rss_bytes").get<uint64_t>();
}

PieceSource make_piece_source(const MeasurementConfig& mc, const DensityTable& densities,
                              const ActivationTensor& t, size_t id) {
  if (!mc.source.traces.empty()) {
    const std::string file = mc.source.traces.file_of(t);
    // An input without a trace is generated at the table's density (1.0: images are dense).
    if (!file.empty()) return PieceSource::trace(file, t, mc.batch);
  }
  const tensor::LayerActivationModel* fitted = densities.fitted_of(t);
  return fitted ? PieceSource::fitted(*fitted, t, id, mc.batch, mc.source.seed)
                : PieceSource::synthetic(t, id, mc.batch, densities, mc.source.clustering, mc.source.seed);
}

JobResult run_measurement_job(const config::PlatformConfig& cfg, const TensorPlan& plan,
                              const MeasurementConfig& mc, const DensityTable& densities,
                              const PiecePlan& pieces, runner::SharedCounter& counter) {
  platform::CdmaSoc soc("soc", cfg);
  JobResult out;
  std::unique_ptr<const PieceSource> source;  // at most one trace loaded at a time
  size_t source_tensor = 0;
  std::vector<memory::MemoryImage::PageBytes> spare;  // page storage of pieces already moved
  const auto measure = [&](size_t k) {
    const PieceRef& ref = pieces.pieces[k];
    const ActivationTensor& t = plan.tensors[ref.tensor];
    if (!source || source_tensor != ref.tensor) {
      source.reset();
      source = std::make_unique<const PieceSource>(make_piece_source(mc, densities, t, ref.tensor));
      source_tensor = ref.tensor;
    }
    return run_piece(soc, k, ref, *source, mc.codec, pieces.simulates_vdnn(k), t.content, spare);
  };
  for (size_t u; (u = counter.next()) < pieces.units.size();) {
    for (size_t k = pieces.units[u].first; k < pieces.units[u].end; ++k) out.pieces.push_back(measure(k));
  }
  out.platform_stats = soc.stats_snapshot();
  out.peak_rss_bytes = runner::peak_rss_bytes();
  return out;
}

}  // namespace cdma::training

#include "runner/transfer_summary.h"

#include <filesystem>
#include <fstream>

#include "config/platform_config_json.h"

namespace cdma::runner {

void print_transfer_summary(std::FILE* out, const config::PlatformConfig& cfg, const TransferRequest& req,
                            const std::string& source, double density, const TransferResult& r) {
  std::fprintf(out, "platform   %s: %s, %u x %.1f GB/s DRAM, PCIe gen%u x%u (%.2f GB/s effective), %s mode\n",
               cfg.name.c_str(), cfg.gpu.name.c_str(), cfg.gpu.dram.channels,
               cfg.gpu.dram.channel_bandwidth_gbps(), cfg.pcie.generation, cfg.pcie.lanes,
               cfg.pcie.effective_gbps(), tlmx::to_string(cfg.simulation.mode));
  std::fprintf(out, "data       %zu B, %s, density %.4f\n", req.data.size(), source.c_str(), density);
  std::fprintf(
      out, "codec      %s, %u-bit elements, %u B chunks, %u in flight, %llu B aggregation buffer\n\n",
      codec::to_string(req.codec.algorithm), 8 * codec::bytes_of(req.codec.element), cfg.gpu.dma.chunk_bytes,
      cfg.gpu.dma.outstanding_chunks, static_cast<unsigned long long>(cfg.gpu.dma.buffer_bytes));
  std::fprintf(out, "%-9s %12s %12s %7s %11s %10s %10s  %s\n", "phase", "bytes", "over PCIe", "ratio",
               "time (us)", "PCIe GB/s", "DRAM GB/s", "bottleneck");
  for (const auto& p : r.phases) {
    const auto& c = p.completion;
    std::fprintf(out, "%-9s %12llu %12llu %7.3f %11.2f %10.2f %10.2f  %s\n", dma::to_string(c.descriptor.op),
                 static_cast<unsigned long long>(c.original_bytes),
                 static_cast<unsigned long long>(c.host_bytes),
                 codec::compression_ratio(c.original_bytes, c.compressed_bytes), p.seconds * 1e6, p.pcie_gbps,
                 p.dram_gbps, p.hops.bottleneck.c_str());
  }
  std::fprintf(out, "\nhop utilisation (busy fraction of each phase)\n");
  std::fprintf(out, "%-9s", "phase");
  if (!r.phases.empty()) {
    for (const auto& [hop, f] : r.phases.front().hops.fraction) std::fprintf(out, " %13s", hop.c_str());
  }
  std::fprintf(out, "\n");
  for (const auto& p : r.phases) {
    std::fprintf(out, "%-9s", dma::to_string(p.completion.descriptor.op));
    for (const auto& [hop, f] : p.hops.fraction) std::fprintf(out, " %12.1f%%", 100 * f);
    std::fprintf(out, "\n");
  }
  std::fprintf(out, "\nsimulated %.3f ms in %.3f s wall; %s\n", r.simulated_seconds * 1e3, r.wall_seconds,
               r.bytes_identical ? "bytes check: bit-identical" : "bytes check: FAILED");
}

void write_transfer_outputs(const std::string& out_dir, const config::PlatformConfig& cfg,
                            const TransferResult& r) {
  std::filesystem::create_directories(out_dir);
  std::ofstream(out_dir + "/stats.json") << r.stats.dump(2) << "\n";
  std::ofstream(out_dir + "/platform.json") << config::to_json(cfg).dump(2) << "\n";
}

}  // namespace cdma::runner

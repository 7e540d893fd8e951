// The (de)compression unit beside one GPU memory controller, on the DRAM side of the crossbar. Offload: it
// reads the raw chunk from its controller and returns the compressed bytes (only those cross the crossbar).
// Prefetch: it expands compressed bytes and writes the raw chunk to its controller. The bytes are the golden
// codecs'; the timing is a datapath of bytes_per_cycle[algorithm] x clock plus a pipeline latency.
// Transactions without a ChunkExtension pass through untouched.
//
// Backend "rtl" (cfg.backend): ZV chunks go through the Verilated RTL instead (RtlZvEngine, one per element
// width); the bytes are the RTL's, the datapath is busy for the RTL's cycles of throughput and the answer
// comes the RTL's measured pipeline latency later (both x 1/clock_ghz), instead of bytes_per_cycle and
// pipeline_cycles. Other algorithms have no RTL: such a chunk fails with TLM_GENERIC_ERROR_RESPONSE and an
// error in the log (no silent fallback to the model, so a run labelled "rtl" never mixes in model timing).
#pragma once

#include <systemc>

#include <array>
#include <map>
#include <memory>
#include <tuple>

#include "codec/codec.h"
#include "compression/rtl_zv_engine.h"
#include "config/platform_config.h"
#include "dma/chunk_extension.h"
#include "stats/group.h"
#include "stats/values.h"
#include "tlm/bandwidth_resource.h"
#include "tlm/initiator_port.h"
#include "tlm/module_logger.h"
#include "tlm/payload.h"
#include "tlm/payload_pool.h"
#include "tlm/resource_owner.h"
#include "tlm/target_port.h"
#include "tlm/time_scale.h"

namespace cdma::compression {

class CompressionUnit : public sc_core::sc_module, public stats::Reporter, public tlmx::ResourceOwner {
 public:
  tlmx::TargetPort port;       // from the crossbar
  tlmx::InitiatorPort memory;  // to this channel's memory controller

  CompressionUnit(const sc_core::sc_module_name& name, const config::CompressionUnitConfig& cfg,
                  tlmx::TimingMode mode, unsigned queue_depth);

  // Datapath time for `bytes` of uncompressed data with algorithm `a`.
  sc_core::sc_time datapath_time(codec::Algorithm a, uint64_t bytes) const;
  const tlmx::BandwidthResource& datapath() const { return datapath_; }
  const stats::Group& statistics() const override { return stats_; }
  std::vector<const tlmx::BandwidthResource*> resources() const override { return {&datapath_}; }

 private:
  void handle(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void compress_read(tlm::tlm_generic_payload& trans, dma::ChunkExtension& ext, sc_core::sc_time& delay);
  void decompress_write(tlm::tlm_generic_payload& trans, dma::ChunkExtension& ext, sc_core::sc_time& delay);
  const codec::Codec& codec_for(const codec::CodecConfig& c);
  RtlZvEngine& rtl_engine(codec::ElementWidth e);
  sc_core::sc_time cycles(uint64_t n) const;
  const config::CompressionUnitConfig& cfg_;
  // Each algorithm's datapath GB/s, looked up in the config (a map by name) on first use only.
  mutable std::array<double, 8> gbps_{};
  tlmx::TimeScale ns_{sc_core::SC_NS};
  tlmx::BandwidthResource datapath_;
  sc_core::sc_time pipeline_latency_;
  std::map<std::tuple<int, int, int>, std::unique_ptr<codec::Codec>> codecs_;
  std::tuple<int, int, int> last_key_;
  const codec::Codec* last_codec_ = nullptr;
  bool rtl_ = false;
  std::map<int, std::unique_ptr<RtlZvEngine>> rtl_engines_;
  tlmx::PayloadPool payloads_;
  std::shared_ptr<spdlog::logger> log_;

  stats::Counter rtl_cycles_, chunks_, raw_bytes_, compressed_bytes_, errors_, passthrough_, bypassed_;
  stats::Group stats_;
};

}  // namespace cdma::compression

// The buffer at the DMA engine that gathers compressed chunks from every memory controller and sends them to the
// host over PCIe (split into Max_Payload_Size TLPs by the link). Its capacity is finite: a chunk is accepted
// only when it fits, so a full buffer stalls the engine, which stops the memory controllers feeding it.
// A zero-length write with a ChunkExtension fence is answered once everything accepted before it has landed.
//   AT: writes are copied in, `drain_slots` threads forward them concurrently; space frees as they complete.
//   LT: occupancy is computed from the drain completion times the link returns (no threads).
#pragma once

#include <systemc>

#include <deque>
#include <queue>
#include <vector>

#include "config/platform_config.h"
#include "tlm/initiator_port.h"
#include "tlm/module_logger.h"
#include "tlm/target_port.h"

namespace cdma::dma {

class AggregationBuffer : public sc_core::sc_module {
 public:
  tlmx::TargetPort input;    // from the engine
  tlmx::InitiatorPort pcie;  // to the PCIe link

  AggregationBuffer(const sc_core::sc_module_name& name, uint64_t capacity_bytes, tlmx::TimingMode mode,
                    unsigned queue_depth, unsigned drain_slots);

  uint64_t capacity() const { return capacity_; }
  nlohmann::json stats(const sc_core::sc_time& elapsed) const;

 private:
  struct Segment {
    uint64_t address;
    std::vector<uint8_t> data;
  };
  void handle(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void handle_lt(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void handle_at(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void drain();
  void set_occupancy(uint64_t bytes);

  uint64_t capacity_;
  tlmx::TimingMode mode_;
  uint64_t occupancy_ = 0;
  // AT state
  std::deque<Segment> pending_;
  unsigned draining_ = 0;
  sc_core::sc_event data_ready_, space_freed_, drained_;
  // LT state: (time a chunk's bytes leave the buffer, bytes)
  std::priority_queue<std::pair<sc_core::sc_time, uint64_t>, std::vector<std::pair<sc_core::sc_time, uint64_t>>,
                      std::greater<>>
      releases_;
  sc_core::sc_time last_release_;
  // First drain failure since the last fence; the fence reports it.
  tlm::tlm_response_status drain_error_ = tlm::TLM_OK_RESPONSE;
  // statistics
  uint64_t chunks_ = 0, bytes_ = 0, max_occupancy_ = 0, errors_ = 0;
  double occupancy_integral_ = 0;
  sc_core::sc_time last_change_;
  sc_core::sc_time full_time_;  // time writers waited for space
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace cdma::dma

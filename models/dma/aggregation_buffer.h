// The buffer at the DMA engine that gathers compressed chunks from every memory controller and sends them to
// the host over PCIe. Its capacity is finite: a chunk is accepted only when it fits, so a full buffer stalls
// the engine, which stops the memory controllers feeding it. It keeps up to `posted_writes` PCIe writes in
// flight (posted-write credits); while all are busy, chunks that are contiguous in host memory (the packed
// host layout makes consecutive chunks contiguous) merge into one write of up to `write_burst_bytes`, which
// the link splits into Max_Payload_Size TLPs. Space frees when a write has landed in host memory. A
// zero-length write with a ChunkExtension fence is answered once everything accepted before it has landed.
//   AT: drain threads, one per posted-write slot.
//   LT: computed in annotated time; contiguous chunks always merge up to the burst (see handle_lt).
#pragma once

#include <systemc>

#include <deque>
#include <optional>
#include <queue>
#include <vector>

#include "stats/group.h"
#include "stats/values.h"
#include "tlm/initiator_port.h"
#include "tlm/module_logger.h"
#include "tlm/payload.h"
#include "tlm/payload_pool.h"
#include "tlm/target_port.h"

namespace cdma::dma {

struct AggregationBufferConfig {
  uint64_t capacity_bytes = 256 * 1024;
  uint32_t write_burst_bytes = 4096;
  uint32_t posted_writes = 32;
};

class AggregationBuffer : public sc_core::sc_module, public stats::Reporter {
 public:
  tlmx::TargetPort input;    // from the engine
  tlmx::InitiatorPort pcie;  // to the PCIe link

  AggregationBuffer(const sc_core::sc_module_name& name, const AggregationBufferConfig& cfg,
                    tlmx::TimingMode mode, unsigned queue_depth);

  uint64_t capacity() const { return cfg_.capacity_bytes; }
  const stats::Group& statistics() const override { return stats_; }

 private:
  struct Segment {
    uint64_t address = 0;
    std::vector<uint8_t> data;
    sc_core::sc_time ready;  // LT: when its last byte was accepted
    bool extends(uint64_t addr, uint64_t n, uint32_t burst) const {
      return address + data.size() == addr && data.size() + n <= burst;
    }
  };
  using TimeHeap = std::priority_queue<sc_core::sc_time, std::vector<sc_core::sc_time>, std::greater<>>;

  void handle(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void handle_lt(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void handle_at(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  // Sends one write to the link starting at `start` (LT) or now (AT); returns false if the link refused it.
  bool send(const Segment& seg, sc_core::sc_time& delay);
  // LT: when the next posted-write slot is free.
  sc_core::sc_time next_slot() const;
  void forward_lt(Segment& seg, const sc_core::sc_time& start);
  void drain();
  void set_occupancy(uint64_t bytes);
  void record_error(tlm::tlm_response_status s, const Segment& seg);

  tlmx::PayloadPool payloads_;
  std::vector<uint8_t> spare_;  // LT: storage of the last segment sent, reused (no allocation per burst)
  AggregationBufferConfig cfg_;
  tlmx::TimingMode mode_;
  uint64_t occupancy_ = 0;
  tlm::tlm_response_status drain_error_ = tlm::TLM_OK_RESPONSE;  // first failure since the last fence
  // AT state
  std::deque<Segment> pending_;
  sc_core::sc_event data_ready_, space_freed_, drained_;
  // LT state
  std::optional<Segment> open_;  // waiting for a slot, still growing
  TimeHeap slots_;               // landing times of the writes in flight
  std::priority_queue<std::pair<sc_core::sc_time, uint64_t>,
                      std::vector<std::pair<sc_core::sc_time, uint64_t>>,
                      std::greater<>>
      releases_;  // (landing time, bytes) of forwarded writes not yet subtracted from occupancy
  sc_core::sc_time last_release_;
  std::shared_ptr<spdlog::logger> log_;

  stats::Counter chunks_, bytes_, writes_, errors_;
  stats::Maximum max_occupancy_;
  stats::TimeTotal full_time_;              // time writers waited for space
  stats::TimeWeightedMean mean_occupancy_;  // AT only: LT computes occupancy in annotated time
  stats::Group stats_;
};

}  // namespace cdma::dma

// The buffer at the DMA engine that gathers compressed chunks from every memory controller and sends them to
// the host over PCIe. Its capacity is finite: a chunk is accepted only when it fits, so a full buffer stalls
// the engine, which stops the memory controllers feeding it.
// Write combining, one policy in both timing modes: chunks contiguous in host memory (the packed host layout
// makes consecutive chunks contiguous) merge into one open segment of up to `write_burst_bytes`; the segment
// closes when it is full, when a chunk that does not extend it arrives, when a chunk waits for space that
// only the segment holds, or at a fence. Closed segments go out in order, one PCIe write each (the link
// splits it into TLPs), with up to `posted_writes` in flight (posted-write credits); space frees when a write
// has landed in host memory. A fence (TLM_IGNORE_COMMAND with a ChunkExtension kFence) is answered once
// everything accepted before it has landed; any other IGNORE is answered OK at once.
//   AT: drain threads, one per posted-write slot. LT: the same decisions in annotated time (the engine calls
//   in time order), landing times kept in heaps.
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
    bool extends(uint64_t addr, uint64_t n, uint32_t burst) const {
      return address + data.size() == addr && data.size() + n <= burst;
    }
  };
  using TimeHeap = std::priority_queue<sc_core::sc_time, std::vector<sc_core::sc_time>, std::greater<>>;

  void handle(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void handle_ignore(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  bool merges(uint64_t addr, uint64_t n) const;  // the chunk extends the open segment
  void append(const tlm::tlm_generic_payload& trans, uint64_t addr, uint64_t n);
  // Sends one write to the link after `delay`; returns false if the link refused it.
  bool send(const Segment& seg, sc_core::sc_time& delay);
  // LT
  void handle_lt(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void close_lt(const sc_core::sc_time& at);  // sends the open segment at `at` or when a slot frees
  void fence_lt(sc_core::sc_time& delay);
  sc_core::sc_time next_slot() const;  // when the next posted-write slot is free
  // AT
  void handle_at(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void close_at();  // hands the open segment to the drain threads
  void fence_at(sc_core::sc_time& delay);
  void drain();
  void set_occupancy(uint64_t bytes);
  void record_error(tlm::tlm_response_status s, const Segment& seg);

  tlmx::PayloadPool payloads_;
  std::vector<uint8_t> spare_;  // LT: storage of the last segment sent, reused (no allocation per burst)
  AggregationBufferConfig cfg_;
  tlmx::TimingMode mode_;
  uint64_t occupancy_ = 0;
  tlm::tlm_response_status drain_error_ = tlm::TLM_OK_RESPONSE;  // first failure since the last fence
  std::optional<Segment> open_;                                  // still growing
  // AT state
  std::deque<Segment> closed_;                        // waiting for a slot
  unsigned sending_ = 0;                              // writes in flight
  uint64_t tickets_issued_ = 0, tickets_served_ = 0;  // chunks accepted in arrival order
  sc_core::sc_event turn_;
  sc_core::sc_event data_ready_, space_freed_, drained_;
  // LT state
  TimeHeap slots_;  // landing times of the writes in flight
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

// The compressing DMA engine. Software submits descriptors (offload a GPU range to a host address, prefetch
// it back); the engine splits each into chunks of dma.chunk_bytes that never cross an interleave granule, so
// every chunk belongs to one memory controller and is (de)compressed there, and keeps dma.outstanding_chunks
// chunks in flight (AT: one worker thread each; LT: one thread playing them all in local-time order).
// Offload: read-and-compress at the controller, allocate the next bytes of the packed host image, push the
// compressed chunk into the aggregation buffer; after the last chunk, fence the buffer and write the header
// and index. Prefetch: read header and index, then fetch each
// compressed chunk over PCIe and write it to its controller, which expands it. Completions carry timing,
// sizes and any error.
#pragma once

#include <systemc>

#include <deque>
#include <memory>
#include <vector>

#include "config/platform_config.h"
#include "dma/dma_descriptor.h"
#include "dma/host_layout.h"
#include "memory/address_map.h"
#include "stats/group.h"
#include "stats/values.h"
#include "tlm/initiator_port.h"
#include "tlm/module_logger.h"
#include "tlm/payload.h"
#include "tlm/payload_pool.h"
#include "tlm/trace_writer.h"

namespace cdma::dma {

class CdmaEngine : public sc_core::sc_module, public stats::Reporter {
 public:
  tlmx::InitiatorPort gpu;     // to the crossbar
  tlmx::InitiatorPort buffer;  // to the aggregation buffer (offload data)
  tlmx::InitiatorPort host;    // to the PCIe link (prefetch data, header and index)

  CdmaEngine(const sc_core::sc_module_name& name, const config::DmaConfig& cfg, const memory::AddressMap& map,
             tlmx::TimingMode mode);

  // Queues a descriptor (before or during simulation); returns its id.
  uint64_t submit(const DmaDescriptor& d);
  bool idle() const { return queue_.empty() && job_ == nullptr; }
  const sc_core::sc_event& completed_event() const { return completed_; }
  const std::vector<DmaCompletion>& completions() const { return completions_; }
  void set_trace(tlmx::TraceWriter* trace) { trace_ = trace; }
  const stats::Group& statistics() const override { return stats_; }

 private:
  struct Chunk {
    uint64_t gpu_address = 0;
    uint32_t bytes = 0;
    uint64_t host_offset = 0;
    uint32_t compressed_bytes = 0;
  };
  struct Job {
    uint64_t id = 0;
    DmaDescriptor d;
    HostImage image;
    std::vector<Chunk> chunks;
    size_t next = 0;
    unsigned workers = 0;
    unsigned finished = 0;
    uint64_t tail = 0;  // next free byte of the host image
    size_t buffer_bytes = 0;
    std::string error;
  };

  void control();
  void worker(unsigned id);
  void run_job(Job& job, sc_core::sc_time& local);
  void run_workers(Job& job, unsigned workers);  // AT: one thread per outstanding chunk
  sc_core::sc_time run_workers_lt(Job& job, unsigned workers);
  void trace_chunk(const Job& job, size_t i, unsigned worker, const sc_core::sc_time& start,
                   const sc_core::sc_time& end);
  bool plan_offload(Job& job);
  bool plan_prefetch(Job& job, sc_core::sc_time& local);
  bool run_chunk(Job& job, size_t i, std::vector<uint8_t>& buf, sc_core::sc_time& local);
  bool offload_chunk(Job& job, size_t i, std::vector<uint8_t>& buf, sc_core::sc_time& local);
  bool prefetch_chunk(Job& job, size_t i, std::vector<uint8_t>& buf, sc_core::sc_time& local);
  bool finish_offload(Job& job, sc_core::sc_time& local);
  // Blocking transfer through `port`; records an error on the job and returns false if it fails.
  bool transfer(Job& job, tlmx::InitiatorPort& port, tlm::tlm_command cmd, uint64_t address, uint8_t* data,
                uint64_t len, sc_core::sc_time& local, const char* what);
  bool fail(Job& job, const std::string& error);

  const config::DmaConfig& cfg_;
  const memory::AddressMap& map_;
  tlmx::TimingMode mode_;
  std::deque<std::pair<uint64_t, DmaDescriptor>> queue_;
  uint64_t next_id_ = 1;
  Job* job_ = nullptr;
  uint64_t job_generation_ = 0;
  sc_core::sc_event submitted_, job_started_, worker_finished_, completed_;
  std::vector<DmaCompletion> completions_;
  // One chunk buffer per worker, owned here: worker threads never return, so their locals are never freed.
  std::vector<std::vector<uint8_t>> buffers_;
  tlmx::PayloadPool payloads_;
  tlmx::TraceWriter* trace_ = nullptr;
  std::shared_ptr<spdlog::logger> log_;

  stats::Counter descriptors_ok_, descriptors_failed_, original_bytes_, compressed_bytes_;
  stats::Group stats_;
};

}  // namespace cdma::dma

// A DRAM as the platform sees it: a backing store of real bytes behind one bandwidth resource and an access
// latency. Shared by the GPU memory controllers and the host DRAM; checks every generic-payload attribute it
// does not support and answers with the matching TLM error response instead of failing.
#pragma once

#include <systemc>
#include <tlm>

#include <string>

#include "memory/sparse_memory.h"
#include "stats/group.h"
#include "stats/values.h"
#include "tlm/bandwidth_resource.h"

namespace cdma::memory {

class MemoryDevice {
 public:
  // `hop`: the platform hop its bandwidth is (tlmx::BandwidthResource).
  MemoryDevice(std::string name, double gbps, double latency_ns, uint64_t capacity_bytes, std::string hop);

  // Reads or writes trans's data at local address `addr`; on success advances `delay` to the access's end.
  void access(tlm::tlm_generic_payload& trans, uint64_t addr, sc_core::sc_time& delay);
  // transport_dbg: reads or writes the bytes of trans at `addr` without time or statistics, up to the end
  // of the store; returns how many.
  unsigned debug(tlm::tlm_generic_payload& trans, uint64_t addr);

  SparseMemory& store() { return store_; }
  const SparseMemory& store() const { return store_; }
  const tlmx::BandwidthResource& bandwidth() const { return bandwidth_; }
  // {reads, writes, bytes_read, bytes_written, errors, resident_bytes, bandwidth}
  const stats::Group& statistics() const { return stats_; }

 private:
  SparseMemory store_;
  tlmx::BandwidthResource bandwidth_;
  sc_core::sc_time latency_;

  stats::Counter reads_, writes_, bytes_read_, bytes_written_, errors_;
  stats::Group stats_;
};

}  // namespace cdma::memory

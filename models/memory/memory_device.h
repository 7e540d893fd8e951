// A DRAM as the platform sees it: a backing store of real bytes behind one bandwidth resource and an access
// latency. Shared by the GPU memory controllers and the host DRAM; checks every generic-payload attribute it
// does not support and answers with the matching TLM error response instead of failing.
#pragma once

#include <systemc>
#include <tlm>

#include <string>

#include <nlohmann/json.hpp>

#include "memory/sparse_memory.h"
#include "tlm/bandwidth_resource.h"

namespace cdma::memory {

class MemoryDevice {
 public:
  MemoryDevice(std::string name, double gbps, double latency_ns, uint64_t capacity_bytes);

  // Reads or writes trans's data at local address `addr`; on success advances `delay` to the access's end.
  void access(tlm::tlm_generic_payload& trans, uint64_t addr, sc_core::sc_time& delay);

  SparseMemory& store() { return store_; }
  const SparseMemory& store() const { return store_; }
  const tlmx::BandwidthResource& bandwidth() const { return bandwidth_; }
  nlohmann::json stats(const sc_core::sc_time& elapsed) const;

 private:
  SparseMemory store_;
  tlmx::BandwidthResource bandwidth_;
  sc_core::sc_time latency_;
  uint64_t reads_ = 0, writes_ = 0, bytes_read_ = 0, bytes_written_ = 0, errors_ = 0;
};

}  // namespace cdma::memory

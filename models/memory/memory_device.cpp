#include "memory/memory_device.h"

#include <algorithm>

namespace cdma::memory {

MemoryDevice::MemoryDevice(std::string name, double gbps, double latency_ns, uint64_t capacity_bytes,
                           std::string hop)
    : store_(capacity_bytes),
      bandwidth_(std::move(name), gbps, std::move(hop)),
      latency_(latency_ns, sc_core::SC_NS) {
  stats_.add("reads", stats::Unit::kCount, "read accesses", reads_)
      .add("writes", stats::Unit::kCount, "write accesses", writes_)
      .add("bytes_read", stats::Unit::kBytes, "bytes read", bytes_read_)
      .add("bytes_written", stats::Unit::kBytes, "bytes written", bytes_written_)
      .add("errors", stats::Unit::kCount, "accesses answered with a TLM error response", errors_)
      .add_probe("resident_bytes", stats::Unit::kBytes,
                 "bytes of backing store held when collected (summed over jobs)",
                 [this] { return store_.resident_bytes(); })
      .add_group("bandwidth", bandwidth_.statistics());
}

void MemoryDevice::access(tlm::tlm_generic_payload& trans, uint64_t addr, sc_core::sc_time& delay) {
  const uint64_t len = trans.get_data_length();
  tlm::tlm_response_status error = tlm::TLM_OK_RESPONSE;
  if (!trans.is_read() && !trans.is_write()) {
    error = tlm::TLM_COMMAND_ERROR_RESPONSE;
  } else if (trans.get_byte_enable_ptr() != nullptr) {
    error = tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
  } else if (trans.get_streaming_width() != 0 && trans.get_streaming_width() < len) {
    error = tlm::TLM_BURST_ERROR_RESPONSE;
  } else if (!store_.contains(addr, len)) {
    error = tlm::TLM_ADDRESS_ERROR_RESPONSE;
  }
  if (error != tlm::TLM_OK_RESPONSE) {
    ++errors_;
    trans.set_response_status(error);
    return;
  }
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  const sc_core::sc_time end = bandwidth_.reserve(now + delay, len);
  delay = end + latency_ - now;
  if (trans.is_read()) {
    store_.read(addr, trans.get_data_ptr(), len);
    ++reads_;
    bytes_read_ += len;
  } else {
    store_.write(addr, trans.get_data_ptr(), len);
    ++writes_;
    bytes_written_ += len;
  }
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned MemoryDevice::debug(tlm::tlm_generic_payload& trans, uint64_t addr) {
  if (addr >= store_.capacity() || trans.get_data_ptr() == nullptr) return 0;
  const uint64_t n = std::min<uint64_t>(trans.get_data_length(), store_.capacity() - addr);
  if (trans.is_read()) {
    store_.read(addr, trans.get_data_ptr(), n);
  } else if (trans.is_write()) {
    store_.write(addr, trans.get_data_ptr(), n);
  } else {
    return 0;
  }
  return static_cast<unsigned>(n);
}

}  // namespace cdma::memory

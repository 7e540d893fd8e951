// Fills a generic payload for a plain transfer (no byte enables; streaming width = length) and marks it
// incomplete, the state TLM requires before a transport call.
#pragma once

#include <tlm>

#include <memory>
#include <vector>

namespace cdma::tlmx {

inline void prepare(tlm::tlm_generic_payload& t, tlm::tlm_command cmd, uint64_t address, uint8_t* data,
                    unsigned length) {
  t.set_command(cmd);
  t.set_address(address);
  t.set_data_ptr(data);
  t.set_data_length(length);
  t.set_streaming_width(length);
  t.set_byte_enable_ptr(nullptr);
  t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

// Generic payloads reused across transactions: constructing one allocates its extension array, a cost paid
// several times per chunk otherwise. A transaction keeps its payload until it returns (threads can interleave
// at a wait), so every lease has its own; a returned payload goes back to the pool.
class PayloadPool {
 public:
  class Lease {
   public:
    explicit Lease(PayloadPool& pool) : pool_(pool) {
      if (pool_.free_.empty()) {
        payload_ = std::make_unique<tlm::tlm_generic_payload>();
      } else {
        payload_ = std::move(pool_.free_.back());
        pool_.free_.pop_back();
      }
      payload_->set_dmi_allowed(false);
      payload_->set_gp_option(tlm::TLM_MIN_PAYLOAD);
    }
    ~Lease() { pool_.free_.push_back(std::move(payload_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    tlm::tlm_generic_payload& operator*() { return *payload_; }

   private:
    PayloadPool& pool_;
    std::unique_ptr<tlm::tlm_generic_payload> payload_;
  };

 private:
  std::vector<std::unique_ptr<tlm::tlm_generic_payload>> free_;
};

}  // namespace cdma::tlmx

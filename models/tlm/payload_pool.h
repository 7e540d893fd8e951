// Generic payloads behind a real memory manager (tlm::tlm_mm_interface), as the base protocol requires of
// every payload passed through nb_transport: a target or an interconnect may acquire() a payload to keep it
// past the call, and it returns to the pool only when the last holder releases it. A payload allocates its
// extension array when constructed, so reusing them also saves that cost several times per chunk.
#pragma once

#include <tlm>

#include <memory>
#include <vector>

namespace cdma::tlmx {

class PayloadPool : public tlm::tlm_mm_interface {
 public:
  // One transaction's payload: acquired (reference count 1) for the lease's lifetime, released at its end.
  class Lease {
   public:
    explicit Lease(PayloadPool& pool) : payload_(pool.take()) { payload_->acquire(); }
    ~Lease() { payload_->release(); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    tlm::tlm_generic_payload& operator*() { return *payload_; }
    tlm::tlm_generic_payload* operator->() { return payload_; }

   private:
    tlm::tlm_generic_payload* payload_;
  };

  PayloadPool() = default;
  PayloadPool(const PayloadPool&) = delete;
  PayloadPool& operator=(const PayloadPool&) = delete;

  // tlm_mm_interface: the last release() of a payload hands it back here.
  void free(tlm::tlm_generic_payload* payload) override;

  size_t allocated() const { return all_.size(); }
  size_t available() const { return free_.size(); }

 private:
  tlm::tlm_generic_payload* take();

  std::vector<std::unique_ptr<tlm::tlm_generic_payload>> all_;
  std::vector<tlm::tlm_generic_payload*> free_;
};

}  // namespace cdma::tlmx

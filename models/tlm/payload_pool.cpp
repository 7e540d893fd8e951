#include "tlm/payload_pool.h"

namespace cdma::tlmx {

tlm::tlm_generic_payload* PayloadPool::take() {
  if (free_.empty()) {
    all_.push_back(std::make_unique<tlm::tlm_generic_payload>(this));
    return all_.back().get();
  }
  tlm::tlm_generic_payload* p = free_.back();
  free_.pop_back();
  return p;
}

void PayloadPool::free(tlm::tlm_generic_payload* payload) {
  payload->reset();  // auto extensions go; the holders' own extensions were cleared by them
  free_.push_back(payload);
}

}  // namespace cdma::tlmx

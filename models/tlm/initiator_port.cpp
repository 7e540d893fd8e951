#include "tlm/initiator_port.h"

namespace cdma::tlmx {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

InitiatorPort::InitiatorPort(const sc_core::sc_module_name& name, TimingMode mode)
    : sc_module(name), socket("socket"), mode_(mode) {
  socket.register_nb_transport_bw(this, &InitiatorPort::nb_transport_bw);
}

void InitiatorPort::violation(const std::string& what) {
  ++protocol_.violations;
  protocol_.last_violation = what;
  SC_REPORT_WARNING(name(), what.c_str());
}

void InitiatorPort::release_request(const sc_time& asked) {
  request_wait_ += sc_core::sc_time_stamp() - asked;
  request_in_progress_ = false;
  request_free_.notify(SC_ZERO_TIME);
}

void InitiatorPort::transport_at(tlm::tlm_generic_payload& trans, sc_time& delay) {
  if (delay != SC_ZERO_TIME) {
    wait(delay);
    delay = SC_ZERO_TIME;
  }
  if (pending_.count(&trans) != 0) {
    violation("transaction object reused while still in flight");
    return;
  }
  if (!trans.has_mm()) violation("nb_transport payload without a memory manager (use a PayloadPool lease)");
  const sc_time asked = sc_core::sc_time_stamp();
  // Requests leave in the order their callers asked (an event wakes every waiter in no set order): the
  // aggregation buffer merges chunks that arrive in host-address order, which is the order they were asked.
  const uint64_t ticket = tickets_issued_++;
  while (request_in_progress_ || ticket != tickets_served_) wait(request_free_);
  ++tickets_served_;

  Pending p;
  pending_[&trans] = &p;
  request_in_progress_ = true;
  tlm::tlm_phase phase = tlm::BEGIN_REQ;
  sc_time t = SC_ZERO_TIME;
  const tlm::tlm_sync_enum status = socket->nb_transport_fw(trans, phase, t);
  switch (status) {
    case tlm::TLM_COMPLETED:
      p.end_req_seen = p.resp_seen = true;
      p.resp_time = sc_core::sc_time_stamp() + t;
      release_request(asked);
      break;
    case tlm::TLM_UPDATED:
      if (phase == tlm::END_REQ) {
        p.end_req_seen = true;
        wait(t);
        release_request(asked);
      } else if (phase == tlm::BEGIN_RESP) {
        p.end_req_seen = p.resp_seen = true;
        wait(t);
        release_request(asked);
        p.resp_time = sc_core::sc_time_stamp();
        tlm::tlm_phase end = tlm::END_RESP;
        sc_time t2 = SC_ZERO_TIME;
        socket->nb_transport_fw(trans, end, t2);
      } else {
        violation("target answered BEGIN_REQ with an unexpected phase");
        release_request(asked);
      }
      break;
    case tlm::TLM_ACCEPTED:
      if (!p.end_req_seen) wait(p.end_req);
      release_request(asked);
      break;
  }
  if (!p.resp_seen) wait(p.resp);
  if (p.resp_time > sc_core::sc_time_stamp()) wait(p.resp_time - sc_core::sc_time_stamp());
  pending_.erase(&trans);
}

tlm::tlm_sync_enum InitiatorPort::nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                                  sc_time& t) {
  auto it = pending_.find(&trans);
  if (it == pending_.end()) {
    violation("backward call for a transaction that is not in flight");
    return tlm::TLM_COMPLETED;
  }
  Pending& p = *it->second;
  if (phase == tlm::END_REQ) {
    if (p.end_req_seen) violation("END_REQ received twice");
    p.end_req_seen = true;
    p.end_req.notify(t);
    return tlm::TLM_ACCEPTED;
  }
  if (phase == tlm::BEGIN_RESP) {
    if (p.resp_seen) violation("BEGIN_RESP received twice");
    if (!p.end_req_seen) {  // BEGIN_RESP implies END_REQ
      p.end_req_seen = true;
      p.end_req.notify(t);
    }
    p.resp_seen = true;
    p.resp_time = sc_core::sc_time_stamp() + t;
    p.resp.notify(t);
    phase = tlm::END_RESP;  // END_RESP on the return path, at the response's own time
    return tlm::TLM_UPDATED;
  }
  violation("unexpected phase on the backward path");
  return tlm::TLM_COMPLETED;
}

}  // namespace cdma::tlmx

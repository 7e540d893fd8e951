// The initiator side of one hop, called from an SC_THREAD as a blocking transport in either timing mode.
// LT: b_transport with the caller's annotated delay. AT: the caller's delay is waited out, then the 4-phase
// handshake runs (BEGIN_REQ, END_REQ, BEGIN_RESP, END_RESP) and the call returns when the response arrived.
// END_RESP goes back on the return path of the target's BEGIN_RESP call (TLM_UPDATED), or forward when the
// target answered BEGIN_REQ with BEGIN_RESP itself. Payloads must come with a memory manager (PayloadPool).
// Several threads may share one port: the request exclusion rule (no BEGIN_REQ before the previous END_REQ)
// is enforced here, which is how a target's withheld END_REQ back-pressures every caller.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <systemc>
#include <tlm>

#include <map>
#include <string>

#include "tlm/timing_mode.h"

namespace cdma::tlmx {

// Protocol rule violations seen by a port (a correct platform has none; tests assert that).
struct ProtocolCounters {
  uint64_t transactions = 0;
  uint64_t violations = 0;
  std::string last_violation;
};

class InitiatorPort : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<InitiatorPort> socket;

  InitiatorPort(const sc_core::sc_module_name& name, TimingMode mode);

  // LT inline: each calling hop then has its own indirect call into its target, which the branch predictor
  // learns per hop instead of sharing one call site among all of them.
  void transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    ++protocol_.transactions;
    if (mode_ == TimingMode::kLt) {
      socket->b_transport(trans, delay);
    } else {
      transport_at(trans, delay);
    }
  }

  // transport_dbg through this hop: no time, no statistics; returns the bytes read or written.
  unsigned debug(tlm::tlm_generic_payload& trans) { return socket->transport_dbg(trans); }

  TimingMode mode() const { return mode_; }
  const ProtocolCounters& protocol() const { return protocol_; }
  // Time callers spent from wanting to send a request until it was accepted (END_REQ): back-pressure seen
  // here.
  const sc_core::sc_time& request_wait() const { return request_wait_; }

 private:
  struct Pending {
    sc_core::sc_event end_req;
    sc_core::sc_event resp;
    bool end_req_seen = false;
    bool resp_seen = false;
    sc_core::sc_time resp_time;
  };

  void transport_at(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& t);
  void violation(const std::string& what);
  void release_request(const sc_core::sc_time& asked);

  TimingMode mode_;
  std::map<tlm::tlm_generic_payload*, Pending*> pending_;
  bool request_in_progress_ = false;
  uint64_t tickets_issued_ = 0, tickets_served_ = 0;  // FIFO order of waiting requests
  sc_core::sc_event request_free_;
  ProtocolCounters protocol_;
  sc_core::sc_time request_wait_;
};

}  // namespace cdma::tlmx

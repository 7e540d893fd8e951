// A TLM-2.0 base-protocol checker, inserted on a binding (initiator socket -> checker -> target socket) when
// simulation.protocol_checks is on. It forwards every call unchanged and checks, per transaction:
//   attributes  READ/WRITE carry data (pointer, data_length >= 1), streaming width >= 1, a byte-enable
//   pointer
//               comes with a length; command, address, data pointer, length, byte enables and streaming width
//               are unchanged when the response comes back; the response status is INCOMPLETE on the request
//               and set by the response;
//   phases      BEGIN_REQ -> END_REQ (or implied by BEGIN_RESP) -> BEGIN_RESP -> END_RESP (or completion by
//               TLM_COMPLETED), nothing else, on the right path; request and response exclusion rules;
//   memory      every nb_transport payload has a memory manager and a reference count >= 1 while in flight
//               (the checker acquires it too and releases it on completion);
//   timing      no phase is earlier than the one before it (call time + annotation); b_transport does not
//               decrease the annotated delay.
// Violations are counted, the first few logged as warnings; a correct platform has none (the tests assert
// it).
#pragma once

#include <systemc>
#include <tlm>

#include <map>
#include <string>

#include "stats/group.h"
#include "stats/values.h"
#include "tlm/initiator_port.h"

namespace cdma::tlmx {

class ProtocolChecker : public sc_core::sc_module,
                        public stats::Reporter,
                        public tlm::tlm_fw_transport_if<>,
                        public tlm::tlm_bw_transport_if<> {
 public:
  tlm::tlm_target_socket<> target;        // bound by the initiator
  tlm::tlm_initiator_socket<> initiator;  // bound to the target

  explicit ProtocolChecker(const sc_core::sc_module_name& name);

  const ProtocolCounters& protocol() const { return protocol_; }
  const stats::Group& statistics() const override { return stats_; }

  // tlm_fw_transport_if
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) override;
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& t) override;
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) override;
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans) override;
  // tlm_bw_transport_if
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& t) override;
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) override;

 private:
  enum class State { kRequest, kRequestAccepted, kResponse };
  // The attributes a target may not change, captured with the request.
  struct Attributes {
    tlm::tlm_command command = tlm::TLM_IGNORE_COMMAND;
    uint64_t address = 0;
    unsigned char* data = nullptr;
    unsigned length = 0;
    unsigned char* byte_enables = nullptr;
    unsigned byte_enable_length = 0;
    unsigned streaming_width = 0;
  };
  struct InFlight {
    State state = State::kRequest;
    sc_core::sc_time last;  // time of the latest phase
    Attributes attributes;
    bool held = false;  // acquired by the checker
  };

  static Attributes attributes_of(const tlm::tlm_generic_payload& trans);
  void check_request(const tlm::tlm_generic_payload& trans);
  void check_unchanged(const tlm::tlm_generic_payload& trans, const Attributes& a);
  void check_response(const tlm::tlm_generic_payload& trans, const Attributes& a);
  void check_time(InFlight& f, const sc_core::sc_time& at, const char* phase);
  // Moves `trans` to the phase seen at `at` (call time + annotation); completes it on kComplete.
  void advance(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase, const sc_core::sc_time& at,
               bool backward);
  void complete(tlm::tlm_generic_payload& trans);
  void violation(const std::string& what);

  std::map<tlm::tlm_generic_payload*, InFlight> in_flight_;
  tlm::tlm_generic_payload* request_open_ = nullptr;   // between BEGIN_REQ and END_REQ
  tlm::tlm_generic_payload* response_open_ = nullptr;  // between BEGIN_RESP and END_RESP
  ProtocolCounters protocol_;
  stats::Counter checked_;
  stats::Group stats_;
};

}  // namespace cdma::tlmx

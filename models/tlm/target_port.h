// The target side of one hop. The owning module supplies one handler written in "blocking with annotated
// delay" style; this port runs it directly for b_transport (LT) or, for nb_transport (AT), in worker threads
// behind a queue of `queue_depth` requests: when the queue is full, END_REQ is withheld until a slot frees
// (back-pressure). A request annotated on BEGIN_REQ arrives at now + annotation and is served from then.
//
// Before the handler, the port answers what no module here implements, the same way in both modes and
// without simulated time: byte enables (TLM_BYTE_ENABLE_ERROR_RESPONSE), a streaming width below the data
// length (TLM_BURST_ERROR_RESPONSE), no data (TLM_GENERIC_ERROR_RESPONSE), and TLM_IGNORE_COMMAND (OK, no
// time, unless the module takes them: set_ignore_handler). transport_dbg goes to the module's debug handler
// (memories, and hops that forward it), 0 bytes without one. AT: a payload is acquire()d while this port
// holds it (admitted until its END_RESP) and must have a memory manager.
#pragma once

#include <systemc>
#include <tlm>

#include <deque>
#include <functional>
#include <queue>
#include <utility>
#include <vector>

#include "stats/group.h"
#include "stats/values.h"
#include "tlm/initiator_port.h"
#include "tlm/timing_mode.h"

namespace cdma::tlmx {

// The port implements the forward interface itself (no simple_target_socket in between): every chunk
// crosses several hops, and each layer of indirection costs on each.
class TargetPort : public sc_core::sc_module, public tlm::tlm_fw_transport_if<> {
 public:
  using Handler = std::function<void(tlm::tlm_generic_payload&, sc_core::sc_time&)>;
  using DebugHandler = std::function<unsigned(tlm::tlm_generic_payload&)>;

  tlm::tlm_target_socket<> socket;

  TargetPort(const sc_core::sc_module_name& name, TimingMode mode, unsigned queue_depth, Handler handler);

  // TLM_IGNORE_COMMAND requests go to `handler` instead of being answered OK (the buffer's fence).
  void set_ignore_handler(Handler handler) { ignore_handler_ = std::move(handler); }
  // transport_dbg requests go to `handler`, which returns the bytes it read or wrote.
  void set_debug_handler(DebugHandler handler) { debug_handler_ = std::move(handler); }

  const ProtocolCounters& protocol() const { return protocol_; }
  // Total time a request waited for END_REQ because the queue was full.
  const sc_core::sc_time& backpressure_time() const { return backpressure_.value(); }
  // {transactions, queue_depth, max_occupancy, mean_occupancy, backpressure_s, protocol_violations, latency}
  const stats::Group& statistics() const { return stats_; }

  // tlm_fw_transport_if
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) override;
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& t) override;
  // No DMI: memories keep copy-on-write pages shared with their images, which a raw pointer would bypass.
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) override;
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans) override;

 private:
  // The port's own answers (above), then the handler.
  void serve(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void worker();
  void response_done();
  void admit(tlm::tlm_generic_payload* trans, const sc_core::sc_time& arrived);
  void set_occupancy(unsigned n);
  void violation(const std::string& what);

  TimingMode mode_;
  unsigned depth_;
  Handler handler_, ignore_handler_;
  DebugHandler debug_handler_;
  ProtocolCounters protocol_;
  stats::Counter refused_, ignored_;
  stats::Histogram latency_;
  // Admitted requests and when each arrived (its latency runs from there to its response).
  std::deque<std::pair<tlm::tlm_generic_payload*, sc_core::sc_time>> queue_;
  // LT: response times of the requests in service (at most depth_), earliest on top.
  std::priority_queue<sc_core::sc_time, std::vector<sc_core::sc_time>, std::greater<>> in_service_;
  tlm::tlm_generic_payload* waiting_ = nullptr;  // at most one: the initiator may not send another BEGIN_REQ
  sc_core::sc_time waiting_since_;
  sc_core::sc_event work_;
  bool response_in_progress_ = false;
  tlm::tlm_generic_payload* responding_ = nullptr;  // whose BEGIN_RESP awaits its END_RESP
  sc_core::sc_event response_free_;

  unsigned occupancy_ = 0;
  stats::Maximum max_occupancy_;
  stats::TimeWeightedMean mean_occupancy_;
  stats::TimeTotal backpressure_;
  stats::Group stats_;
};

}  // namespace cdma::tlmx

#include "tlm/target_port.h"

#include <stdexcept>

namespace cdma::tlmx {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

TargetPort::TargetPort(const sc_core::sc_module_name& name, TimingMode mode, unsigned queue_depth,
                       Handler handler)
    : sc_module(name), socket("socket"), mode_(mode), depth_(queue_depth), handler_(std::move(handler)) {
  if (depth_ == 0) throw std::invalid_argument(std::string(this->name()) + ": queue depth must be >= 1");
  stats_
      .add_probe("transactions", stats::Unit::kCount, "requests received",
                 [this] { return protocol_.transactions; })
      .add_setting("queue_depth", stats::Unit::kRequests, "requests accepted before END_REQ is withheld",
                   depth_)
      .add("max_occupancy", stats::Unit::kRequests, "most requests in service at once (AT)", max_occupancy_)
      .add("mean_occupancy", stats::Unit::kRequests, "mean requests in service over the simulated time (AT)",
           mean_occupancy_)
      .add("backpressure_s", "time requests waited for END_REQ while the queue was full", backpressure_)
      .add("refused", stats::Unit::kCount,
           "requests answered with an error before the module: byte enables, streaming, no data", refused_)
      .add("ignored", stats::Unit::kCount, "TLM_IGNORE_COMMAND requests answered OK without time", ignored_)
      .add_probe("protocol_violations", stats::Unit::kCount, "base-protocol rules broken",
                 [this] { return protocol_.violations; })
      .add("latency", "per request: from its arrival to its response, this hop and all below it", latency_);
  socket.bind(*this);
  if (mode_ == TimingMode::kAt) {
    // One worker per queue slot: every admitted request is in service, so latencies overlap.
    for (unsigned i = 0; i < depth_; ++i) {
      sc_core::sc_spawn_options opt;
      sc_core::sc_spawn([this] { worker(); }, sc_core::sc_gen_unique_name("worker"), &opt);
    }
  }
}

void TargetPort::violation(const std::string& what) {
  ++protocol_.violations;
  protocol_.last_violation = what;
  SC_REPORT_WARNING(name(), what.c_str());
}

void TargetPort::serve(tlm::tlm_generic_payload& trans, sc_time& delay) {
  if (trans.is_read() || trans.is_write()) {
    tlm::tlm_response_status refusal = tlm::TLM_OK_RESPONSE;
    if (trans.get_byte_enable_ptr() != nullptr) {
      refusal = tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
    } else if (trans.get_streaming_width() < trans.get_data_length()) {
      refusal = tlm::TLM_BURST_ERROR_RESPONSE;
    } else if (trans.get_data_length() == 0 || trans.get_data_ptr() == nullptr) {
      refusal = tlm::TLM_GENERIC_ERROR_RESPONSE;
    }
    if (refusal != tlm::TLM_OK_RESPONSE) {
      ++refused_;
      trans.set_response_status(refusal);
      return;
    }
    handler_(trans, delay);
    return;
  }
  if (ignore_handler_) {
    ignore_handler_(trans, delay);
    return;
  }
  ++ignored_;
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

// LT keeps AT's queue in annotated time: a request that arrives while `depth` requests are in service (their
// responses later than its arrival) starts when the earliest of them is answered, as AT withholds END_REQ.
void TargetPort::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
  ++protocol_.transactions;
  const sc_time now = sc_core::sc_time_stamp();
  const sc_time arrival = now + delay;
  while (!in_service_.empty() && in_service_.top() <= arrival) in_service_.pop();
  if (in_service_.size() >= depth_) {
    const sc_time start = in_service_.top();
    in_service_.pop();
    backpressure_ += start - arrival;
    delay = start - now;
  }
  serve(trans, delay);
  in_service_.push(now + delay);
  max_occupancy_.sample(in_service_.size());
  latency_.sample(now + delay - arrival);
}

bool TargetPort::get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi& dmi) {
  dmi.allow_none();
  return false;
}

unsigned int TargetPort::transport_dbg(tlm::tlm_generic_payload& trans) {
  if (!debug_handler_) return 0;
  if (!trans.is_read() && !trans.is_write()) return 0;
  return debug_handler_(trans);
}

void TargetPort::set_occupancy(unsigned n) {
  mean_occupancy_.set(n, sc_core::sc_time_stamp());
  occupancy_ = n;
  max_occupancy_.sample(n);
}

void TargetPort::admit(tlm::tlm_generic_payload* trans, const sc_time& arrived) {
  queue_.emplace_back(trans, arrived);
  set_occupancy(occupancy_ + 1);
  work_.notify(SC_ZERO_TIME);
}

void TargetPort::response_done() {
  response_in_progress_ = false;
  if (responding_ != nullptr && responding_->has_mm()) responding_->release();
  responding_ = nullptr;
}

tlm::tlm_sync_enum TargetPort::nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                               sc_time& t) {
  if (phase == tlm::BEGIN_REQ) {
    ++protocol_.transactions;
    if (trans.has_mm()) {
      trans.acquire();  // held until its END_RESP
    } else {
      violation("nb_transport payload without a memory manager");
    }
    if (waiting_ != nullptr) {
      violation("BEGIN_REQ before END_REQ of the previous request (request exclusion rule)");
      trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
      if (trans.has_mm()) trans.release();
      return tlm::TLM_COMPLETED;
    }
    if (occupancy_ < depth_) {
      admit(&trans, sc_core::sc_time_stamp() + t);
      phase = tlm::END_REQ;
      return tlm::TLM_UPDATED;
    }
    waiting_ = &trans;
    waiting_since_ = sc_core::sc_time_stamp() + t;
    return tlm::TLM_ACCEPTED;
  }
  if (phase == tlm::END_RESP) {
    if (!response_in_progress_ || responding_ != &trans)
      violation("END_RESP without its response in progress");
    response_done();
    response_free_.notify(t);
    return tlm::TLM_COMPLETED;
  }
  violation("unexpected phase on the forward path");
  return tlm::TLM_COMPLETED;
}

void TargetPort::worker() {
  for (;;) {
    while (queue_.empty()) wait(work_);
    const auto [trans, arrived] = queue_.front();
    queue_.pop_front();
    // The request arrived at the time annotated on its BEGIN_REQ; it is served from then.
    if (arrived > sc_core::sc_time_stamp()) wait(arrived - sc_core::sc_time_stamp());
    sc_time delay = SC_ZERO_TIME;
    serve(*trans, delay);
    if (delay != SC_ZERO_TIME) wait(delay);

    while (response_in_progress_) wait(response_free_);  // response exclusion rule
    response_in_progress_ = true;
    responding_ = trans;
    tlm::tlm_phase phase = tlm::BEGIN_RESP;
    sc_time t = SC_ZERO_TIME;
    const sc_time now = sc_core::sc_time_stamp();
    latency_.sample(now > arrived ? now - arrived : SC_ZERO_TIME);
    const tlm::tlm_sync_enum status = socket->nb_transport_bw(*trans, phase, t);
    if (status == tlm::TLM_COMPLETED || (status == tlm::TLM_UPDATED && phase == tlm::END_RESP)) {
      response_done();
      response_free_.notify(t);
    } else if (status == tlm::TLM_UPDATED) {
      violation("initiator answered BEGIN_RESP with a phase other than END_RESP");
    }
    set_occupancy(occupancy_ - 1);
    if (waiting_ != nullptr) {  // a slot is free: accept the held request now
      tlm::tlm_generic_payload* w = waiting_;
      waiting_ = nullptr;
      backpressure_ += sc_core::sc_time_stamp() - waiting_since_;
      admit(w, waiting_since_);
      tlm::tlm_phase end_req = tlm::END_REQ;
      sc_time t2 = SC_ZERO_TIME;
      socket->nb_transport_bw(*w, end_req, t2);
    }
  }
}

}  // namespace cdma::tlmx

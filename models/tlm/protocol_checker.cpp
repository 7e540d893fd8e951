#include "tlm/protocol_checker.h"

namespace cdma::tlmx {

using sc_core::sc_time;

namespace {
constexpr uint64_t kLoggedViolations = 10;  // the rest are counted only
}

ProtocolChecker::ProtocolChecker(const sc_core::sc_module_name& name)
    : sc_module(name), target("target"), initiator("initiator") {
  target.bind(*this);
  initiator.bind(*this);
  stats_.add("transactions", stats::Unit::kCount, "transactions checked", checked_)
      .add_probe("violations", stats::Unit::kCount, "base-protocol rules broken on this binding",
                 [this] { return protocol_.violations; });
}

void ProtocolChecker::violation(const std::string& what) {
  ++protocol_.violations;
  protocol_.last_violation = what;
  if (protocol_.violations <= kLoggedViolations) SC_REPORT_WARNING(name(), what.c_str());
}

ProtocolChecker::Attributes ProtocolChecker::attributes_of(const tlm::tlm_generic_payload& t) {
  return {t.get_command(),        t.get_address(),         t.get_data_ptr(),
          t.get_data_length(),    t.get_byte_enable_ptr(), t.get_byte_enable_length(),
          t.get_streaming_width()};
}

void ProtocolChecker::check_request(const tlm::tlm_generic_payload& t) {
  const tlm::tlm_command c = t.get_command();
  if (c != tlm::TLM_READ_COMMAND && c != tlm::TLM_WRITE_COMMAND && c != tlm::TLM_IGNORE_COMMAND) {
    violation("unknown command");
  }
  if (c != tlm::TLM_IGNORE_COMMAND) {
    if (t.get_data_ptr() == nullptr) violation("a read or write without a data pointer");
    if (t.get_data_length() == 0) violation("data_length 0");
    if (t.get_streaming_width() == 0) violation("streaming width 0");
  }
  if (t.get_byte_enable_ptr() != nullptr && t.get_byte_enable_length() == 0) {
    violation("byte-enable pointer with byte_enable_length 0");
  }
  if (t.get_response_status() != tlm::TLM_INCOMPLETE_RESPONSE) {
    violation("request sent with a response status other than TLM_INCOMPLETE_RESPONSE");
  }
}

void ProtocolChecker::check_unchanged(const tlm::tlm_generic_payload& t, const Attributes& a) {
  const Attributes now = attributes_of(t);
  if (now.command != a.command) violation("command changed by the target");
  if (now.address != a.address) violation("address changed below this binding");
  if (now.data != a.data) violation("data pointer changed by the target");
  if (now.length != a.length) violation("data_length changed by the target");
  if (now.byte_enables != a.byte_enables || now.byte_enable_length != a.byte_enable_length) {
    violation("byte enables changed by the target");
  }
  if (now.streaming_width != a.streaming_width) violation("streaming width changed by the target");
}

void ProtocolChecker::check_response(const tlm::tlm_generic_payload& t, const Attributes& a) {
  check_unchanged(t, a);
  if (t.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE) {
    violation("response with status TLM_INCOMPLETE_RESPONSE");
  }
}

void ProtocolChecker::check_time(InFlight& f, const sc_time& at, const char* phase) {
  if (at < f.last) violation(std::string(phase) + " timed before the previous phase of its transaction");
  f.last = at;
}

void ProtocolChecker::complete(tlm::tlm_generic_payload& trans) {
  if (request_open_ == &trans) request_open_ = nullptr;
  if (response_open_ == &trans) response_open_ = nullptr;
  auto it = in_flight_.find(&trans);
  if (it == in_flight_.end()) return;
  const bool held = it->second.held;
  in_flight_.erase(it);
  if (held) trans.release();
}

void ProtocolChecker::advance(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase, const sc_time& at,
                              bool backward) {
  auto it = in_flight_.find(&trans);
  if (it == in_flight_.end()) {
    violation("a phase for a transaction that is not in flight");
    return;
  }
  InFlight& f = it->second;
  if (phase == tlm::END_REQ) {
    if (f.state != State::kRequest) violation("END_REQ twice or after BEGIN_RESP");
    check_time(f, at, "END_REQ");
    f.state = State::kRequestAccepted;
    if (request_open_ == &trans) request_open_ = nullptr;
  } else if (phase == tlm::BEGIN_RESP) {
    if (f.state == State::kResponse) violation("BEGIN_RESP twice");
    if (response_open_ != nullptr && response_open_ != &trans) {
      violation("BEGIN_RESP before END_RESP of the previous response (response exclusion rule)");
    }
    check_time(f, at, "BEGIN_RESP");
    check_response(trans, f.attributes);
    f.state = State::kResponse;
    if (request_open_ == &trans) request_open_ = nullptr;  // BEGIN_RESP implies END_REQ
    response_open_ = &trans;
  } else if (phase == tlm::END_RESP) {
    if (f.state != State::kResponse) violation("END_RESP before BEGIN_RESP");
    check_time(f, at, "END_RESP");
    complete(trans);
  } else {
    violation(std::string("phase ") + phase.get_name() + " on the " + (backward ? "backward" : "forward") +
              " path");
  }
}

void ProtocolChecker::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
  ++checked_;
  ++protocol_.transactions;
  if (in_flight_.count(&trans) != 0) violation("b_transport of a transaction in flight on nb_transport");
  check_request(trans);
  const Attributes a = attributes_of(trans);
  const sc_time before = delay;
  initiator->b_transport(trans, delay);
  if (delay < before) violation("b_transport returned a smaller delay than it was given");
  check_response(trans, a);
}

tlm::tlm_sync_enum ProtocolChecker::nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                                    sc_time& t) {
  const tlm::tlm_phase sent = phase;
  const sc_time now = sc_core::sc_time_stamp();
  if (sent == tlm::BEGIN_REQ) {
    ++checked_;
    ++protocol_.transactions;
    if (in_flight_.count(&trans) != 0) violation("BEGIN_REQ for a transaction already in flight");
    if (!trans.has_mm()) {
      violation("nb_transport payload without a memory manager");
    } else if (trans.get_ref_count() < 1) {
      violation("nb_transport payload with reference count 0 (not acquired by its initiator)");
    }
    if (request_open_ != nullptr) {
      violation("BEGIN_REQ before END_REQ of the previous request (request exclusion rule)");
    }
    check_request(trans);
    InFlight f;
    f.last = now + t;
    f.attributes = attributes_of(trans);
    f.held = trans.has_mm() && trans.get_ref_count() >= 1;
    if (f.held) trans.acquire();  // as a target or interconnect that keeps the payload would
    in_flight_[&trans] = f;
    request_open_ = &trans;
  } else {
    advance(trans, sent, now + t, false);
  }
  const tlm::tlm_sync_enum status = initiator->nb_transport_fw(trans, phase, t);
  if (sent != tlm::BEGIN_REQ) {
    if (status != tlm::TLM_COMPLETED && sent == tlm::END_RESP)
      violation("END_RESP not answered TLM_COMPLETED");
    return status;
  }
  const sc_time at = sc_core::sc_time_stamp() + t;
  switch (status) {
    case tlm::TLM_ACCEPTED:
      if (phase != sent) violation("TLM_ACCEPTED with a changed phase");
      break;
    case tlm::TLM_UPDATED:
      if (phase == tlm::END_REQ || phase == tlm::BEGIN_RESP) {
        advance(trans, phase, at, false);
      } else {
        violation(std::string("BEGIN_REQ answered with phase ") + phase.get_name());
      }
      break;
    case tlm::TLM_COMPLETED:
      if (auto it = in_flight_.find(&trans); it != in_flight_.end()) {
        check_time(it->second, at, "completion");
        check_response(trans, it->second.attributes);
      }
      complete(trans);
      break;
  }
  return status;
}

tlm::tlm_sync_enum ProtocolChecker::nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                                    sc_time& t) {
  const tlm::tlm_phase sent = phase;
  advance(trans, sent, sc_core::sc_time_stamp() + t, true);
  const tlm::tlm_sync_enum status = target->nb_transport_bw(trans, phase, t);
  if (in_flight_.count(&trans) == 0) return status;  // unknown, reported above
  const sc_time at = sc_core::sc_time_stamp() + t;
  if (sent == tlm::END_REQ) {
    if (status != tlm::TLM_ACCEPTED) violation("END_REQ not answered TLM_ACCEPTED");
  } else if (sent == tlm::BEGIN_RESP) {
    if (status == tlm::TLM_COMPLETED) {
      complete(trans);
    } else if (status == tlm::TLM_UPDATED) {
      if (phase == tlm::END_RESP) {
        advance(trans, phase, at, true);
      } else {
        violation(std::string("BEGIN_RESP answered with phase ") + phase.get_name());
      }
    } else if (phase != sent) {
      violation("TLM_ACCEPTED with a changed phase");
    }
  }
  return status;
}

bool ProtocolChecker::get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
  return initiator->get_direct_mem_ptr(trans, dmi);
}

unsigned int ProtocolChecker::transport_dbg(tlm::tlm_generic_payload& trans) {
  const unsigned n = initiator->transport_dbg(trans);
  if (n > trans.get_data_length()) violation("transport_dbg reported more bytes than requested");
  return n;
}

void ProtocolChecker::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
  target->invalidate_direct_mem_ptr(start, end);
}

}  // namespace cdma::tlmx

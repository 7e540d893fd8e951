#include "dma/aggregation_buffer.h"

#include <stdexcept>

#include "tlm/chunk_extension.h"

namespace cdma::dma {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

AggregationBuffer::AggregationBuffer(const sc_core::sc_module_name& name, uint64_t capacity_bytes,
                                     tlmx::TimingMode mode, unsigned queue_depth, unsigned drain_slots)
    : sc_module(name),
      input("input", mode, queue_depth, [this](tlm::tlm_generic_payload& t, sc_time& d) { handle(t, d); }),
      pcie("pcie", mode),
      capacity_(capacity_bytes),
      mode_(mode),
      log_(tlmx::module_logger(this->name())) {
  if (capacity_bytes == 0) throw std::invalid_argument(std::string(this->name()) + ": capacity must be > 0");
  if (mode == tlmx::TimingMode::kAt) {
    for (unsigned i = 0; i < drain_slots; ++i) {
      sc_core::sc_spawn_options opt;
      sc_core::sc_spawn([this] { drain(); }, sc_core::sc_gen_unique_name("drain"), &opt);
    }
  }
}

void AggregationBuffer::set_occupancy(uint64_t bytes) {
  const sc_time now = sc_core::sc_time_stamp();
  if (now > last_change_) {
    occupancy_integral_ += static_cast<double>(occupancy_) * (now - last_change_).to_seconds();
    last_change_ = now;
  }
  occupancy_ = bytes;
  if (bytes > max_occupancy_) max_occupancy_ = bytes;
}

void AggregationBuffer::handle(tlm::tlm_generic_payload& trans, sc_time& delay) {
  if (!trans.is_write()) {
    trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return;
  }
  if (trans.get_data_length() > capacity_) {
    ++errors_;
    log_->error("a {} B chunk can never fit the {} B buffer", trans.get_data_length(), capacity_);
    trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  if (mode_ == tlmx::TimingMode::kLt) {
    handle_lt(trans, delay);
  } else {
    handle_at(trans, delay);
  }
}

void AggregationBuffer::handle_lt(tlm::tlm_generic_payload& trans, sc_time& delay) {
  const sc_time now = sc_core::sc_time_stamp();
  if (auto* ext = trans.get_extension<tlmx::ChunkExtension>(); ext && ext->op == tlmx::ChunkExtension::Op::kFence) {
    if (last_release_ > now + delay) delay = last_release_ - now;
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  const uint64_t n = trans.get_data_length();
  sc_time accept = now + delay;
  uint64_t occupancy = occupancy_;
  // Bytes whose drain finished by `accept` have left; wait for further drains while the chunk does not fit.
  while (!releases_.empty() && (releases_.top().first <= accept || occupancy + n > capacity_)) {
    if (releases_.top().first > accept) accept = releases_.top().first;
    occupancy -= releases_.top().second;
    releases_.pop();
  }
  full_time_ += accept - (now + delay);
  occupancy_ = occupancy;
  delay = accept - now;
  // Forward at once in annotated time: the link's reservation tells when the bytes have left.
  tlm::tlm_generic_payload out;
  out.set_command(tlm::TLM_WRITE_COMMAND);
  out.set_address(trans.get_address());
  out.set_data_ptr(trans.get_data_ptr());
  out.set_data_length(static_cast<unsigned>(n));
  out.set_streaming_width(static_cast<unsigned>(n));
  out.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_time d = delay;
  pcie.transport(out, d);
  if (out.is_response_error()) {
    ++errors_;
    trans.set_response_status(out.get_response_status());
    return;
  }
  const sc_time release = now + d;
  releases_.push({release, n});
  occupancy_ += n;
  if (occupancy_ > max_occupancy_) max_occupancy_ = occupancy_;
  if (release > last_release_) last_release_ = release;
  ++chunks_;
  bytes_ += n;
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

void AggregationBuffer::handle_at(tlm::tlm_generic_payload& trans, sc_time& delay) {
  if (delay != SC_ZERO_TIME) {
    wait(delay);
    delay = SC_ZERO_TIME;
  }
  if (auto* ext = trans.get_extension<tlmx::ChunkExtension>(); ext && ext->op == tlmx::ChunkExtension::Op::kFence) {
    while (occupancy_ != 0) wait(drained_);
    trans.set_response_status(drain_error_);
    drain_error_ = tlm::TLM_OK_RESPONSE;
    return;
  }
  const uint64_t n = trans.get_data_length();
  const sc_time asked = sc_core::sc_time_stamp();
  while (occupancy_ + n > capacity_) wait(space_freed_);
  full_time_ += sc_core::sc_time_stamp() - asked;
  const uint8_t* p = trans.get_data_ptr();
  pending_.push_back(Segment{trans.get_address(), std::vector<uint8_t>(p, p + n)});
  set_occupancy(occupancy_ + n);
  ++chunks_;
  bytes_ += n;
  data_ready_.notify(SC_ZERO_TIME);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

void AggregationBuffer::drain() {
  tlm::tlm_generic_payload out;
  for (;;) {
    while (pending_.empty()) wait(data_ready_);
    Segment seg = std::move(pending_.front());
    pending_.pop_front();
    ++draining_;
    out.set_command(tlm::TLM_WRITE_COMMAND);
    out.set_address(seg.address);
    out.set_data_ptr(seg.data.data());
    out.set_data_length(static_cast<unsigned>(seg.data.size()));
    out.set_streaming_width(static_cast<unsigned>(seg.data.size()));
    out.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_time d = SC_ZERO_TIME;
    pcie.transport(out, d);
    if (out.is_response_error()) {
      ++errors_;
      if (drain_error_ == tlm::TLM_OK_RESPONSE) drain_error_ = out.get_response_status();
      log_->error("PCIe write of {} B to host 0x{:x} failed: {}", seg.data.size(), seg.address,
                  out.get_response_string());
    }
    --draining_;
    set_occupancy(occupancy_ - seg.data.size());
    space_freed_.notify(SC_ZERO_TIME);
    if (occupancy_ == 0) drained_.notify(SC_ZERO_TIME);
  }
}

nlohmann::json AggregationBuffer::stats(const sc_time& elapsed) const {
  const double e = elapsed.to_seconds();
  const double integral = occupancy_integral_ + static_cast<double>(occupancy_) * (elapsed - last_change_).to_seconds();
  nlohmann::json j = {{"capacity_bytes", capacity_},
                      {"chunks", chunks_},
                      {"bytes", bytes_},
                      {"max_occupancy_bytes", max_occupancy_},
                      {"full_wait_s", full_time_.to_seconds()},
                      {"errors", errors_},
                      {"port", input.stats(elapsed)}};
  if (mode_ == tlmx::TimingMode::kAt) j["mean_occupancy_bytes"] = e > 0 ? integral / e : 0.0;
  return j;
}

}  // namespace cdma::dma

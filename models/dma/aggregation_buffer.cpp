#include "dma/aggregation_buffer.h"

#include <stdexcept>

#include "dma/chunk_extension.h"
#include "tlm/payload.h"

namespace cdma::dma {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

AggregationBuffer::AggregationBuffer(const sc_core::sc_module_name& name, const AggregationBufferConfig& cfg,
                                     tlmx::TimingMode mode, unsigned queue_depth)
    : sc_module(name),
      input("input", mode, queue_depth, [this](tlm::tlm_generic_payload& t, sc_time& d) { handle(t, d); }),
      pcie("pcie", mode),
      cfg_(cfg),
      mode_(mode),
      log_(tlmx::module_logger(this->name())) {
  stats_.add_setting("capacity_bytes", stats::Unit::kBytes, "buffer capacity", cfg.capacity_bytes)
      .add("chunks", stats::Unit::kCount, "compressed chunks accepted", chunks_)
      .add("bytes", stats::Unit::kBytes, "their bytes", bytes_)
      .add("pcie_writes", stats::Unit::kCount, "writes sent to PCIe (merged chunks count once)", writes_)
      .add("max_occupancy_bytes", stats::Unit::kBytes, "most bytes held at once", max_occupancy_)
      .add("full_wait_s", "time chunks waited for space", full_time_)
      .add("errors", stats::Unit::kCount, "refused chunks and failed PCIe writes", errors_)
      .add_group("port", input.statistics());
  if (mode == tlmx::TimingMode::kAt) {
    stats_.add("mean_occupancy_bytes", stats::Unit::kBytes,
               "mean bytes held over the simulated time (AT only)", mean_occupancy_);
  }
  if (cfg.capacity_bytes == 0 || cfg.posted_writes == 0 || cfg.write_burst_bytes == 0) {
    throw std::invalid_argument(std::string(this->name()) +
                                ": capacity, burst and posted writes must be > 0");
  }
  if (mode == tlmx::TimingMode::kAt) {
    for (unsigned i = 0; i < cfg.posted_writes; ++i) {
      sc_core::sc_spawn_options opt;
      sc_core::sc_spawn([this] { drain(); }, sc_core::sc_gen_unique_name("drain"), &opt);
    }
  }
}

void AggregationBuffer::set_occupancy(uint64_t bytes) {
  mean_occupancy_.set(bytes, sc_core::sc_time_stamp());
  occupancy_ = bytes;
  max_occupancy_.sample(bytes);
}

void AggregationBuffer::record_error(tlm::tlm_response_status s, const Segment& seg) {
  ++errors_;
  if (drain_error_ == tlm::TLM_OK_RESPONSE) drain_error_ = s;
  log_->error("PCIe write of {} B to host 0x{:x} failed", seg.data.size(), seg.address);
}

bool AggregationBuffer::send(const Segment& seg, sc_time& delay) {
  tlmx::PayloadPool::Lease lease(payloads_);
  tlm::tlm_generic_payload& out = *lease;
  tlmx::prepare(out, tlm::TLM_WRITE_COMMAND, seg.address, const_cast<uint8_t*>(seg.data.data()),
                static_cast<unsigned>(seg.data.size()));
  pcie.transport(out, delay);
  ++writes_;
  if (out.is_response_error()) {
    record_error(out.get_response_status(), seg);
    return false;
  }
  return true;
}

void AggregationBuffer::handle(tlm::tlm_generic_payload& trans, sc_time& delay) {
  if (!trans.is_write()) {
    trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return;
  }
  if (trans.get_data_length() > cfg_.capacity_bytes) {
    ++errors_;
    log_->error("a {} B chunk can never fit the {} B buffer", trans.get_data_length(), cfg_.capacity_bytes);
    trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  if (mode_ == tlmx::TimingMode::kLt) {
    handle_lt(trans, delay);
  } else {
    handle_at(trans, delay);
  }
}

// ---- LT: the AT policy computed in annotated time ----

sc_time AggregationBuffer::next_slot() const {
  return slots_.size() < cfg_.posted_writes ? SC_ZERO_TIME : slots_.top();
}

void AggregationBuffer::forward_lt(Segment& seg, const sc_time& start) {
  if (slots_.size() >= cfg_.posted_writes) slots_.pop();  // start >= that slot's landing time
  const sc_time now = sc_core::sc_time_stamp();
  sc_time d = start > now ? start - now : SC_ZERO_TIME;
  const bool ok = send(seg, d);
  const sc_time landed = now + d;
  slots_.push(landed);
  releases_.push({landed, seg.data.size()});
  if (landed > last_release_) last_release_ = landed;
  (void)ok;  // a failed write is reported by the next fence
}

void AggregationBuffer::handle_lt(tlm::tlm_generic_payload& trans, sc_time& delay) {
  const sc_time now = sc_core::sc_time_stamp();
  auto flush_open = [this] {
    if (!open_) return;
    const sc_time slot = next_slot();
    forward_lt(*open_, open_->ready > slot ? open_->ready : slot);
    spare_ = std::move(open_->data);  // keep its storage for the next segment
    open_.reset();
  };
  if (auto* ext = trans.get_extension<ChunkExtension>(); ext && ext->op == ChunkExtension::Op::kFence) {
    flush_open();
    if (last_release_ > now + delay) delay = last_release_ - now;
    trans.set_response_status(drain_error_);
    drain_error_ = tlm::TLM_OK_RESPONSE;
    return;
  }
  const uint64_t n = trans.get_data_length();
  const sc_time arrival = now + delay;
  sc_time accept = arrival;
  // Bytes that landed by `accept` have left; wait for further landings while the chunk does not fit.
  for (;;) {
    while (!releases_.empty() && releases_.top().first <= accept) {
      occupancy_ -= releases_.top().second;
      releases_.pop();
    }
    if (occupancy_ + n <= cfg_.capacity_bytes) break;
    if (releases_.empty()) {
      flush_open();  // only the waiting segment holds space: send it so that it can land
      continue;
    }
    accept = releases_.top().first;
  }
  full_time_ += accept - arrival;
  occupancy_ += n;
  max_occupancy_.sample(occupancy_);
  ++chunks_;
  bytes_ += n;
  delay = accept - now;

  const uint8_t* p = trans.get_data_ptr();
  const uint64_t addr = trans.get_address();
  // Workers reach this call out of time order under temporal decoupling, so "merge while every slot is busy"
  // cannot be decided here; merge whatever is contiguous, which is what AT converges to when the link is the
  // bottleneck (its slots are then always busy).
  if (open_ && open_->extends(addr, n, cfg_.write_burst_bytes)) {
    open_->data.insert(open_->data.end(), p, p + n);
    open_->ready = accept;
  } else {
    flush_open();
    spare_.assign(p, p + n);
    open_ = Segment{addr, std::move(spare_), accept};
  }
  if (open_->data.size() >= cfg_.write_burst_bytes) flush_open();
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

// ---- AT: drain threads ----

void AggregationBuffer::handle_at(tlm::tlm_generic_payload& trans, sc_time& delay) {
  if (delay != SC_ZERO_TIME) {
    wait(delay);
    delay = SC_ZERO_TIME;
  }
  if (auto* ext = trans.get_extension<ChunkExtension>(); ext && ext->op == ChunkExtension::Op::kFence) {
    while (occupancy_ != 0) wait(drained_);
    trans.set_response_status(drain_error_);
    drain_error_ = tlm::TLM_OK_RESPONSE;
    return;
  }
  const uint64_t n = trans.get_data_length();
  const sc_time asked = sc_core::sc_time_stamp();
  while (occupancy_ + n > cfg_.capacity_bytes) wait(space_freed_);
  full_time_ += sc_core::sc_time_stamp() - asked;
  const uint8_t* p = trans.get_data_ptr();
  if (!pending_.empty() && pending_.back().extends(trans.get_address(), n, cfg_.write_burst_bytes)) {
    pending_.back().data.insert(pending_.back().data.end(), p, p + n);  // every slot is busy: grow the burst
  } else {
    pending_.push_back(Segment{trans.get_address(), std::vector<uint8_t>(p, p + n), SC_ZERO_TIME});
  }
  set_occupancy(occupancy_ + n);
  ++chunks_;
  bytes_ += n;
  data_ready_.notify(SC_ZERO_TIME);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

void AggregationBuffer::drain() {
  for (;;) {
    while (pending_.empty()) wait(data_ready_);
    const Segment seg = std::move(pending_.front());
    pending_.pop_front();
    sc_time d = SC_ZERO_TIME;
    send(seg, d);
    set_occupancy(occupancy_ - seg.data.size());
    space_freed_.notify(SC_ZERO_TIME);
    if (occupancy_ == 0) drained_.notify(SC_ZERO_TIME);
  }
}

}  // namespace cdma::dma

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
  // Debug accesses reach host memory (bytes still in the buffer are not there yet).
  input.set_debug_handler([this](tlm::tlm_generic_payload& t) { return pcie.debug(t); });
  input.set_ignore_handler([this](tlm::tlm_generic_payload& t, sc_time& d) { handle_ignore(t, d); });
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

void AggregationBuffer::handle_ignore(tlm::tlm_generic_payload& trans, sc_time& delay) {
  auto* ext = trans.get_extension<ChunkExtension>();
  if (ext == nullptr || ext->op != ChunkExtension::Op::kFence) {  // the base protocol's IGNORE: nothing, now
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  if (mode_ == tlmx::TimingMode::kLt) {
    fence_lt(delay);
  } else {
    fence_at(delay);
  }
  trans.set_response_status(drain_error_);
  drain_error_ = tlm::TLM_OK_RESPONSE;
}

bool AggregationBuffer::merges(uint64_t addr, uint64_t n) const {
  return open_ && open_->extends(addr, n, cfg_.write_burst_bytes);
}

// ---- LT: the policy computed in annotated time ----

sc_time AggregationBuffer::next_slot() const {
  return slots_.size() < cfg_.posted_writes ? SC_ZERO_TIME : slots_.top();
}

void AggregationBuffer::close_lt(const sc_time& at) {
  if (!open_) return;
  const sc_time slot = next_slot();
  const sc_time start = at > slot ? at : slot;
  if (slots_.size() >= cfg_.posted_writes) slots_.pop();  // start >= that slot's landing time
  const sc_time now = sc_core::sc_time_stamp();
  sc_time d = start > now ? start - now : SC_ZERO_TIME;
  send(*open_, d);  // a failed write is reported by the next fence
  const sc_time landed = now + d;
  slots_.push(landed);
  releases_.push({landed, open_->data.size()});
  if (landed > last_release_) last_release_ = landed;
  spare_ = std::move(open_->data);  // keep its storage for the next segment
  open_.reset();
}

void AggregationBuffer::fence_lt(sc_time& delay) {
  const sc_time now = sc_core::sc_time_stamp();
  close_lt(now + delay);
  if (last_release_ > now + delay) delay = last_release_ - now;
}

void AggregationBuffer::handle_lt(tlm::tlm_generic_payload& trans, sc_time& delay) {
  const sc_time now = sc_core::sc_time_stamp();
  const uint64_t n = trans.get_data_length();
  const uint64_t addr = trans.get_address();
  const sc_time arrival = now + delay;
  if (open_ && !merges(addr, n)) close_lt(arrival);
  sc_time accept = arrival;
  // Bytes that landed by `accept` have left; wait for further landings while the chunk does not fit.
  for (;;) {
    while (!releases_.empty() && releases_.top().first <= accept) {
      occupancy_ -= releases_.top().second;
      releases_.pop();
    }
    if (occupancy_ + n <= cfg_.capacity_bytes) break;
    if (releases_.empty()) {
      close_lt(accept);  // only the open segment holds space: send it so that it can land
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
  append(trans, addr, n);
  if (open_->data.size() >= cfg_.write_burst_bytes) close_lt(accept);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

void AggregationBuffer::append(const tlm::tlm_generic_payload& trans, uint64_t addr, uint64_t n) {
  const uint8_t* p = trans.get_data_ptr();
  if (open_) {
    open_->data.insert(open_->data.end(), p, p + n);
  } else {
    spare_.assign(p, p + n);
    open_ = Segment{addr, std::move(spare_)};
  }
}

// ---- AT: the same policy in simulated time, drain threads as the posted-write slots ----

void AggregationBuffer::close_at() {
  if (!open_) return;
  closed_.push_back(std::move(*open_));
  open_.reset();
  data_ready_.notify(SC_ZERO_TIME);
}

void AggregationBuffer::fence_at(sc_time& delay) {
  if (delay != SC_ZERO_TIME) {
    wait(delay);
    delay = SC_ZERO_TIME;
  }
  close_at();
  while (occupancy_ != 0) wait(drained_);
}

void AggregationBuffer::handle_at(tlm::tlm_generic_payload& trans, sc_time& delay) {
  if (delay != SC_ZERO_TIME) {
    wait(delay);
    delay = SC_ZERO_TIME;
  }
  const uint64_t n = trans.get_data_length();
  const uint64_t addr = trans.get_address();
  // Chunks are accepted in the order they arrived, one at a time, as LT accepts them: a small chunk may not
  // overtake one waiting for space (the order decides what merges).
  const uint64_t ticket = tickets_issued_++;
  while (ticket != tickets_served_) wait(turn_);
  if (open_ && !merges(addr, n)) close_at();
  const sc_time asked = sc_core::sc_time_stamp();
  while (occupancy_ + n > cfg_.capacity_bytes) {
    // Only the open segment holds space: send it so that it can land.
    if (closed_.empty() && sending_ == 0) close_at();
    wait(space_freed_);
  }
  full_time_ += sc_core::sc_time_stamp() - asked;
  if (open_ && !merges(addr, n)) close_at();  // the open segment may have changed while this chunk waited
  append(trans, addr, n);
  set_occupancy(occupancy_ + n);
  ++chunks_;
  bytes_ += n;
  if (open_->data.size() >= cfg_.write_burst_bytes) close_at();
  ++tickets_served_;
  turn_.notify(SC_ZERO_TIME);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

void AggregationBuffer::drain() {
  for (;;) {
    while (closed_.empty()) wait(data_ready_);
    const Segment seg = std::move(closed_.front());
    closed_.pop_front();
    ++sending_;
    sc_time d = SC_ZERO_TIME;
    send(seg, d);
    --sending_;
    set_occupancy(occupancy_ - seg.data.size());
    space_freed_.notify(SC_ZERO_TIME);
    if (occupancy_ == 0) drained_.notify(SC_ZERO_TIME);
  }
}

}  // namespace cdma::dma

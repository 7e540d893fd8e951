#include "dma/cdma_engine.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <utility>

#include "codec/codec.h"
#include "dma/chunk_extension.h"
#include "tlm/payload.h"

namespace cdma::dma {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

CdmaEngine::CdmaEngine(const sc_core::sc_module_name& name, const config::DmaConfig& cfg,
                       const memory::AddressMap& map, tlmx::TimingMode mode)
    : sc_module(name),
      gpu("gpu", mode),
      buffer("buffer", mode),
      host("host", mode),
      cfg_(cfg),
      map_(map),
      mode_(mode),
      log_(tlmx::module_logger(this->name())) {
  stats_.add("descriptors_ok", stats::Unit::kCount, "descriptors completed", descriptors_ok_)
      .add("descriptors_failed", stats::Unit::kCount, "descriptors that ended in an error",
           descriptors_failed_)
      .add("original_bytes", stats::Unit::kBytes, "uncompressed bytes of all descriptors", original_bytes_)
      .add("compressed_bytes", stats::Unit::kBytes, "their compressed payload bytes", compressed_bytes_)
      .add_ratio("ratio", "original_bytes over compressed_bytes", original_bytes_, compressed_bytes_)
      .add_probe("gpu_port_violations", stats::Unit::kCount,
                 "base-protocol rules broken on the port to the crossbar",
                 [this] { return gpu.protocol().violations; })
      .add_probe("buffer_port_violations", stats::Unit::kCount,
                 "base-protocol rules broken on the port to the aggregation buffer",
                 [this] { return buffer.protocol().violations; })
      .add_probe("host_port_violations", stats::Unit::kCount,
                 "base-protocol rules broken on the port to PCIe",
                 [this] { return host.protocol().violations; });
  SC_HAS_PROCESS(CdmaEngine);
  SC_THREAD(control);
  buffers_.resize(cfg.outstanding_chunks);
  for (unsigned i = 0; i < cfg.outstanding_chunks; ++i) {
    sc_core::sc_spawn_options opt;
    sc_core::sc_spawn([this, i] { worker(i); }, sc_core::sc_gen_unique_name("worker"), &opt);
  }
}

uint64_t CdmaEngine::submit(const DmaDescriptor& d) {
  const uint64_t id = next_id_++;
  queue_.emplace_back(id, d);
  submitted_.notify(SC_ZERO_TIME);
  return id;
}

bool CdmaEngine::fail(Job& job, const std::string& error) {
  if (job.error.empty()) {
    job.error = error;
    log_->error("descriptor {} ({}): {}", job.id, to_string(job.d.op), error);
  }
  job.next = job.chunks.size();  // stop handing out chunks
  return false;
}

bool CdmaEngine::transfer(Job& job, tlmx::InitiatorPort& port, tlm::tlm_command cmd, uint64_t address,
                          uint8_t* data, uint64_t len, sc_time& local, const char* what) {
  tlmx::PayloadPool::Lease lease(payloads_);
  tlm::tlm_generic_payload& t = *lease;
  tlmx::prepare(t, cmd, address, data, static_cast<unsigned>(len));
  port.transport(t, local);
  if (t.is_response_error()) {
    return fail(job, std::string(what) + " at 0x" + fmt::format("{:x}", address) +
                         " failed: " + t.get_response_string());
  }
  return true;
}

void CdmaEngine::control() {
  for (;;) {
    while (queue_.empty()) wait(submitted_);
    Job job;
    job.id = queue_.front().first;
    job.d = queue_.front().second;
    queue_.pop_front();
    DmaCompletion c;
    c.id = job.id;
    c.descriptor = job.d;
    c.start = sc_core::sc_time_stamp();
    sc_time local = SC_ZERO_TIME;
    run_job(job, local);
    wait(local);  // LT: catch up with the annotated time of the last step
    c.end = sc_core::sc_time_stamp();
    c.ok = job.error.empty();
    c.error = job.error;
    c.chunks = job.chunks.size();
    c.original_bytes = job.image.original_bytes;
    c.compressed_bytes = job.image.payload_bytes;
    c.host_bytes = HostImage::metadata_bytes(job.chunks.size()) + job.image.payload_bytes;
    completions_.push_back(c);
    ++(c.ok ? descriptors_ok_ : descriptors_failed_);
    original_bytes_ += c.original_bytes;
    compressed_bytes_ += c.compressed_bytes;
    log_->info("descriptor {} {} done: {} B -> {} B in {} ns{}", c.id, to_string(job.d.op), c.original_bytes,
               c.compressed_bytes, c.duration().to_seconds() * 1e9, c.ok ? "" : " with error: " + c.error);
    if (trace_) {
      trace_->complete("engine", std::string(to_string(job.d.op)) + " #" + std::to_string(c.id), c.start,
                       c.end,
                       {{"bytes", c.original_bytes}, {"compressed", c.compressed_bytes}, {"ok", c.ok}});
    }
    completed_.notify(SC_ZERO_TIME);
  }
}

void CdmaEngine::run_job(Job& job, sc_time& local) {
  try {
    codec::validate(job.d.codec);
  } catch (const std::exception& e) {
    fail(job, e.what());
    return;
  }
  if (job.d.gpu_address % map_.interleave_bytes() != 0) {
    fail(job, "GPU address must be aligned to the " + std::to_string(map_.interleave_bytes()) +
                  " B interleave granule");
    return;
  }
  const bool planned =
      job.d.op == DmaDescriptor::Op::kOffload ? plan_offload(job) : plan_prefetch(job, local);
  if (!planned) return;
  // Prefetch keeps at most what the staging buffer holds in flight; offload is limited by the buffer itself.
  unsigned workers = cfg_.outstanding_chunks;
  if (job.d.op == DmaDescriptor::Op::kPrefetch) {
    workers = static_cast<unsigned>(std::clamp<uint64_t>(cfg_.buffer_bytes / job.buffer_bytes, 1, workers));
  }
  wait(local);
  local = SC_ZERO_TIME;
  if (mode_ == tlmx::TimingMode::kLt) {
    local = run_workers_lt(job, workers);
  } else {
    run_workers(job, workers);
  }
  if (job.error.empty() && job.d.op == DmaDescriptor::Op::kOffload) finish_offload(job, local);
}

bool CdmaEngine::plan_offload(Job& job) {
  const DmaDescriptor& d = job.d;
  if (d.bytes > map_.capacity() || d.gpu_address > map_.capacity() - d.bytes) {
    return fail(job, "GPU range 0x" + fmt::format("{:x}", d.gpu_address) + " + " + std::to_string(d.bytes) +
                         " B is outside GPU memory");
  }
  uint64_t addr = d.gpu_address;
  const std::vector<uint32_t> sizes = plan_chunks(d.bytes, cfg_.chunk_bytes, map_.interleave_bytes());
  job.chunks.reserve(sizes.size());
  for (uint32_t n : sizes) {
    job.chunks.push_back(Chunk{addr, n, 0, 0});
    addr += n;
  }
  job.image.codec = d.codec;
  job.image.original_bytes = d.bytes;
  job.image.chunks.resize(job.chunks.size());
  job.tail = HostImage::metadata_bytes(job.chunks.size());
  job.buffer_bytes = std::max<size_t>(codec::make_codec(d.codec)->max_compressed_size(cfg_.chunk_bytes), 1);
  return true;
}

bool CdmaEngine::plan_prefetch(Job& job, sc_time& local) {
  const DmaDescriptor& d = job.d;
  std::vector<uint8_t> header(HostImage::kHeaderBytes);
  if (!transfer(job, host, tlm::TLM_READ_COMMAND, d.host_address, header.data(), header.size(), local,
                "reading the host image header")) {
    return false;
  }
  uint32_t count = 0;
  std::string err = HostImage::parse_header(header.data(), header.size(), job.image, count);
  if (!err.empty()) return fail(job, err);
  if (job.image.original_bytes != d.bytes) {
    return fail(job, "host image holds " + std::to_string(job.image.original_bytes) +
                         " B, descriptor asks for " + std::to_string(d.bytes) + " B");
  }
  if (d.bytes > map_.capacity() || d.gpu_address > map_.capacity() - d.bytes) {
    return fail(job, "GPU range is outside GPU memory");
  }
  std::vector<uint8_t> index(HostImage::kIndexEntryBytes * count);
  if (count > 0 && !transfer(job, host, tlm::TLM_READ_COMMAND, d.host_address + HostImage::kHeaderBytes,
                             index.data(), index.size(), local, "reading the host image index")) {
    return false;
  }
  err = job.image.parse_index(index.data(), index.size(), count);
  if (!err.empty()) return fail(job, err);
  uint64_t gpu = d.gpu_address;
  uint32_t largest = 0;
  job.chunks.reserve(job.image.chunks.size());
  for (const HostChunk& h : job.image.chunks) {
    if (h.original_bytes > map_.bytes_to_granule_end(gpu)) {
      return fail(job, "a chunk would cross a memory-channel granule at its destination");
    }
    job.chunks.push_back(Chunk{gpu, h.original_bytes, h.offset, h.compressed_bytes});
    largest = std::max(largest, h.compressed_bytes);
    gpu += h.original_bytes;
  }
  job.d.codec = job.image.codec;
  job.buffer_bytes = std::max<size_t>(
      {codec::make_codec(job.image.codec)->max_compressed_size(cfg_.chunk_bytes), largest, size_t{1}});
  return true;
}

void CdmaEngine::run_workers(Job& job, unsigned workers) {
  job.workers = workers;
  job.finished = 0;
  job_ = &job;
  ++job_generation_;
  job_started_.notify(SC_ZERO_TIME);
  while (job.finished < job.workers) wait(worker_finished_);
  job_ = nullptr;
}

sc_time CdmaEngine::run_workers_lt(Job& job, unsigned workers) {
  // LT: this thread plays every worker, each with its own local time ahead of the kernel; the worker furthest
  // behind takes the next chunk (the order a zero quantum would give, without a SystemC thread switch per
  // chunk). Once even that worker is a global quantum ahead, the kernel catches up: every hop computes from
  // now + delay, so where the syncs fall does not change the result, it only lets time-based clean-up run.
  using Slot = std::pair<sc_time, unsigned>;  // local time, worker
  // A binary min-heap whose top is replaced in place after each chunk: one sift per chunk instead of a pop
  // and a push.
  std::vector<Slot> heap;
  for (unsigned w = 0; w < workers; ++w) heap.push_back({SC_ZERO_TIME, w});  // equal times: already a heap
  auto sift_down = [&heap] {
    const size_t n = heap.size();
    size_t i = 0;
    const Slot moving = heap[0];
    for (;;) {
      size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && heap[child + 1] < heap[child]) ++child;
      if (!(heap[child] < moving)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = moving;
  };
  const sc_time quantum = tlm::tlm_global_quantum::instance().get();
  // A chunk's bytes live in the engine's buffer only during its run_chunk call (the next hop copies them),
  // and under LT no call waits inside, so every worker can use one buffer, which then stays in L1.
  std::vector<uint8_t>& buf = buffers_[0];
  buf.resize(job.buffer_bytes);
  sc_time last = SC_ZERO_TIME;
  while (job.next < job.chunks.size()) {
    if (quantum > SC_ZERO_TIME && heap[0].first >= quantum) {
      const sc_time behind = heap[0].first;
      wait(behind);
      for (Slot& sl : heap) sl.first -= behind;  // the same shift for all keeps the heap order
      last -= behind;
    }
    sc_time local = heap[0].first;
    const unsigned w = heap[0].second;
    const size_t i = job.next++;
    const sc_time start = sc_core::sc_time_stamp() + local;
    const bool ok = run_chunk(job, i, buf, local);
    if (ok && trace_) trace_chunk(job, i, w, start, sc_core::sc_time_stamp() + local);
    last = std::max(last, local);
    heap[0].first = local;  // the worker's time only grows: sift it down
    sift_down();
  }
  return last;
}

void CdmaEngine::trace_chunk(const Job& job, size_t i, unsigned worker, const sc_time& start,
                             const sc_time& end) {
  const Chunk& c = job.chunks[i];
  trace_->complete(
      "worker " + std::to_string(worker),
      std::string(to_string(job.d.op)) + " ch" + std::to_string(map_.decode(c.gpu_address).channel), start,
      end, {{"chunk", i}, {"bytes", c.bytes}, {"compressed", c.compressed_bytes}});
}

void CdmaEngine::worker(unsigned id) {
  uint64_t seen = 0;
  std::vector<uint8_t>& buf = buffers_[id];
  for (;;) {
    while (job_ == nullptr || job_generation_ == seen) wait(job_started_);
    seen = job_generation_;
    Job& job = *job_;
    if (id >= job.workers) continue;
    buf.resize(job.buffer_bytes);
    while (job.next < job.chunks.size()) {
      const size_t i = job.next++;
      const sc_time start = sc_core::sc_time_stamp();
      sc_time local = SC_ZERO_TIME;  // AT: the ports wait, nothing is annotated
      const bool ok = run_chunk(job, i, buf, local);
      if (local > SC_ZERO_TIME) wait(local);
      if (ok && trace_) trace_chunk(job, i, id, start, sc_core::sc_time_stamp());
    }
    ++job.finished;
    worker_finished_.notify(SC_ZERO_TIME);
  }
}

bool CdmaEngine::run_chunk(Job& job, size_t i, std::vector<uint8_t>& buf, sc_time& local) {
  return job.d.op == DmaDescriptor::Op::kOffload ? offload_chunk(job, i, buf, local)
                                                 : prefetch_chunk(job, i, buf, local);
}

bool CdmaEngine::offload_chunk(Job& job, size_t i, std::vector<uint8_t>& buf, sc_time& local) {
  Chunk& c = job.chunks[i];
  ChunkExtension ext;
  ext.op = ChunkExtension::Op::kCompressRead;
  ext.codec = job.d.codec;
  ext.original_bytes = c.bytes;
  ext.capacity = static_cast<uint32_t>(buf.size());
  tlmx::PayloadPool::Lease lease(payloads_);
  tlm::tlm_generic_payload& rd = *lease;
  ScopedExtension scoped(rd, ext);
  tlmx::prepare(rd, tlm::TLM_READ_COMMAND, c.gpu_address, buf.data(), c.bytes);
  gpu.transport(rd, local);
  if (rd.is_response_error()) {
    return fail(job,
                "compressing read of chunk " + std::to_string(i) + " failed: " + rd.get_response_string());
  }
  // Packed layout: the chunk takes the next free bytes of the host image, in the order chunks come back.
  c.compressed_bytes = ext.compressed_bytes;
  job.image.raw_bypass = job.image.raw_bypass || ext.raw;
  c.host_offset = job.tail;
  job.tail += c.compressed_bytes;
  job.image.chunks[i] = HostChunk{c.host_offset, c.compressed_bytes, c.bytes};
  job.image.payload_bytes += c.compressed_bytes;
  return transfer(job, buffer, tlm::TLM_WRITE_COMMAND, job.d.host_address + c.host_offset, buf.data(),
                  c.compressed_bytes, local, "writing a compressed chunk to the aggregation buffer");
}

bool CdmaEngine::prefetch_chunk(Job& job, size_t i, std::vector<uint8_t>& buf, sc_time& local) {
  const Chunk& c = job.chunks[i];
  if (!transfer(job, host, tlm::TLM_READ_COMMAND, job.d.host_address + c.host_offset, buf.data(),
                c.compressed_bytes, local, "reading a compressed chunk from the host")) {
    return false;
  }
  ChunkExtension ext;
  ext.op = ChunkExtension::Op::kDecompressWrite;
  ext.codec = job.d.codec;
  ext.original_bytes = c.bytes;
  ext.compressed_bytes = c.compressed_bytes;
  ext.raw = job.image.stored_raw(c.compressed_bytes, c.bytes);
  tlmx::PayloadPool::Lease lease(payloads_);
  tlm::tlm_generic_payload& wr = *lease;
  ScopedExtension scoped(wr, ext);
  tlmx::prepare(wr, tlm::TLM_WRITE_COMMAND, c.gpu_address, buf.data(), c.compressed_bytes);
  gpu.transport(wr, local);
  if (wr.is_response_error()) {
    return fail(job,
                "decompressing write of chunk " + std::to_string(i) + " failed: " + wr.get_response_string());
  }
  return true;
}

bool CdmaEngine::finish_offload(Job& job, sc_time& local) {
  // Fence: every chunk has landed in host memory before the index that describes them is written.
  ChunkExtension fence_ext;
  fence_ext.op = ChunkExtension::Op::kFence;
  tlmx::PayloadPool::Lease lease(payloads_);
  tlm::tlm_generic_payload& fence = *lease;
  ScopedExtension scoped(fence, fence_ext);
  uint8_t none = 0;  // an IGNORE command still names one byte of data (data_length 0 is not legal)
  tlmx::prepare(fence, tlm::TLM_IGNORE_COMMAND, job.d.host_address, &none, 1);
  buffer.transport(fence, local);
  if (fence.is_response_error()) {
    return fail(job, "draining the aggregation buffer to the host failed: " + fence.get_response_string());
  }
  std::vector<uint8_t> meta = job.image.encode_header();
  const std::vector<uint8_t> index = job.image.encode_index();
  meta.insert(meta.end(), index.begin(), index.end());
  return transfer(job, host, tlm::TLM_WRITE_COMMAND, job.d.host_address, meta.data(), meta.size(), local,
                  "writing the host image header and index");
}

}  // namespace cdma::dma

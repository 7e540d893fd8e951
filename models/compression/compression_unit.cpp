#include "compression/compression_unit.h"

#include "tlm/object_pool.h"
#include "tlm/payload.h"

#include <stdexcept>

namespace cdma::compression {

using sc_core::sc_time;

CompressionUnit::CompressionUnit(const sc_core::sc_module_name& name,
                                 const config::CompressionUnitConfig& cfg, tlmx::TimingMode mode,
                                 unsigned queue_depth)
    : sc_module(name),
      port("port", mode, queue_depth, [this](tlm::tlm_generic_payload& t, sc_time& d) { handle(t, d); }),
      memory("memory", mode),
      cfg_(cfg),
      datapath_(std::string(this->name()) + ".datapath", cfg.throughput_gbps(codec::Algorithm::kZv),
                "compression"),
      pipeline_latency_(cfg.pipeline_cycles / cfg.clock_ghz, sc_core::SC_NS),
      rtl_(cfg.backend == config::CompressionBackend::kRtl),
      log_(tlmx::module_logger(this->name())) {
  stats_
      .add_setting("backend", stats::Unit::kText, "model (golden codec) or rtl (Verilated RTL)",
                   config::compression_backend_names().name(cfg.backend))
      .add("rtl_cycles", stats::Unit::kCycles, "cycles the Verilated RTL ran (backend rtl)", rtl_cycles_)
      .add("chunks", stats::Unit::kCount, "chunks compressed or expanded", chunks_)
      .add("raw_bytes", stats::Unit::kBytes, "uncompressed bytes of those chunks", raw_bytes_)
      .add("compressed_bytes", stats::Unit::kBytes, "their compressed bytes", compressed_bytes_)
      .add_ratio("ratio", "raw_bytes over compressed_bytes", raw_bytes_, compressed_bytes_)
      .add("errors", stats::Unit::kCount,
           "chunks refused (corrupt data, too small a buffer, an algorithm the backend lacks)", errors_)
      .add("bypassed", stats::Unit::kCount,
           "chunks stored raw because the codec did not shrink them (raw bypass)", bypassed_)
      .add("passthrough", stats::Unit::kCount,
           "transactions without a chunk extension, passed to memory untouched", passthrough_)
      .add_group("datapath", datapath_.statistics())
      .add_group("port", port.statistics());
  // Debug accesses see memory as it is stored (no codec runs).
  port.set_debug_handler([this](tlm::tlm_generic_payload& t) { return memory.debug(t); });
}

namespace {
// Staging buffers for raw chunks, shared by every unit of the thread: a buffer holds a chunk only within one
// call, so sharing changes nothing simulated, and the six units of a platform then keep one or two buffers
// hot in cache instead of one each.
tlmx::Pool<codec::Bytes>& staging_buffers() {
  thread_local tlmx::Pool<codec::Bytes> pool;
  return pool;
}
}  // namespace

sc_time CompressionUnit::cycles(uint64_t n) const {
  return ns_(static_cast<double>(n) / cfg_.clock_ghz);
}

RtlZvEngine& CompressionUnit::rtl_engine(codec::ElementWidth e) {
  auto& slot = rtl_engines_[static_cast<int>(e)];
  if (!slot) slot = std::make_unique<RtlZvEngine>(e);
  return *slot;
}

sc_time CompressionUnit::datapath_time(codec::Algorithm a, uint64_t bytes) const {
  double& gbps = gbps_.at(static_cast<size_t>(a));
  if (gbps == 0) gbps = cfg_.throughput_gbps(a);
  return ns_(static_cast<double>(bytes) / gbps);  // GB/s = bytes/ns
}

const codec::Codec& CompressionUnit::codec_for(const codec::CodecConfig& c) {
  auto key = std::make_tuple(static_cast<int>(c.algorithm), static_cast<int>(c.element), c.zlib_level);
  if (last_codec_ != nullptr && key == last_key_) return *last_codec_;  // a descriptor uses one codec
  auto& slot = codecs_[key];
  if (!slot) slot = codec::make_codec(c);
  last_key_ = key;
  last_codec_ = slot.get();
  return *slot;
}

void CompressionUnit::handle(tlm::tlm_generic_payload& trans, sc_time& delay) {
  auto* ext = trans.get_extension<dma::ChunkExtension>();
  if (ext == nullptr) {
    ++passthrough_;
    memory.transport(trans, delay);
    return;
  }
  const bool known_op = (ext->op == dma::ChunkExtension::Op::kCompressRead && trans.is_read()) ||
                        (ext->op == dma::ChunkExtension::Op::kDecompressWrite && trans.is_write());
  // No codec is involved in moving a chunk uncompressed (vDNN's baseline), whatever the backend.
  const bool uses_codec = ext->codec.algorithm != codec::Algorithm::kNone;
  if (known_op && rtl_ && uses_codec && ext->codec.algorithm != codec::Algorithm::kZv) {
    ++errors_;
    log_->error("backend 'rtl' implements only ZV; algorithm '{}' needs backend 'model'",
                codec::to_string(ext->codec.algorithm));
    trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  if (ext->op == dma::ChunkExtension::Op::kCompressRead && trans.is_read()) {
    compress_read(trans, *ext, delay);
  } else if (ext->op == dma::ChunkExtension::Op::kDecompressWrite && trans.is_write()) {
    decompress_write(trans, *ext, delay);
  } else {
    ++errors_;
    log_->error("unsupported chunk operation for command {}", static_cast<int>(trans.get_command()));
    trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
  }
}

void CompressionUnit::compress_read(tlm::tlm_generic_payload& trans, dma::ChunkExtension& ext,
                                    sc_time& delay) {
  const codec::Codec& c = codec_for(ext.codec);
  const uint32_t raw_len = ext.original_bytes;
  if (trans.get_data_length() != raw_len || ext.capacity < c.max_compressed_size(raw_len)) {
    ++errors_;
    log_->error("a compressing read of {} B with a {} B buffer for a chunk of {} B", trans.get_data_length(),
                ext.capacity, raw_len);
    trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  tlmx::Pool<codec::Bytes>::Lease buffer(staging_buffers());
  codec::Bytes& raw = *buffer;
  raw.resize(raw_len);  // no reallocation once the buffer has held a chunk this large
  tlmx::PayloadPool::Lease lease(payloads_);
  tlm::tlm_generic_payload& rd = *lease;
  tlmx::prepare(rd, tlm::TLM_READ_COMMAND, trans.get_address(), raw.data(), raw_len);
  memory.transport(rd, delay);
  if (rd.is_response_error()) {
    trans.set_response_status(rd.get_response_status());
    return;
  }
  const codec::MutableByteSpan out(trans.get_data_ptr(), ext.capacity);
  sc_time busy = datapath_time(ext.codec.algorithm, raw_len), latency = pipeline_latency_;
  if (rtl_ && ext.codec.algorithm == codec::Algorithm::kZv) {
    RtlRunStats st;
    ext.compressed_bytes = static_cast<uint32_t>(rtl_engine(ext.codec.element).compress(raw, out, st));
    busy = cycles(st.busy_cycles);
    latency = cycles(st.latency_cycles());
    rtl_cycles_ += st.cycles;
  } else {
    ext.compressed_bytes = static_cast<uint32_t>(c.compress(raw, out));
  }
  // Raw bypass: a chunk the codec does not shrink leaves as it is (the unit compressed it to find out).
  ext.raw =
      cfg_.raw_bypass && ext.codec.algorithm != codec::Algorithm::kNone && ext.compressed_bytes >= raw_len;
  if (ext.raw) {
    std::copy(raw.begin(), raw.end(), out.data());
    ext.compressed_bytes = raw_len;
    ++bypassed_;
  }
  const sc_time now = sc_core::sc_time_stamp();
  const sc_time end = datapath_.reserve_for(now + delay, busy, raw_len);
  delay = end + latency - now;
  raw_bytes_ += raw_len;
  compressed_bytes_ += ext.compressed_bytes;
  ++chunks_;
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

void CompressionUnit::decompress_write(tlm::tlm_generic_payload& trans, dma::ChunkExtension& ext,
                                       sc_time& delay) {
  const codec::Codec& c = codec_for(ext.codec);
  tlmx::Pool<codec::Bytes>::Lease buffer(staging_buffers());
  codec::Bytes& raw = *buffer;
  raw.resize(ext.original_bytes);
  const codec::ByteSpan in(trans.get_data_ptr(), trans.get_data_length());
  // A chunk stored raw passes the datapath at the pass-through rate.
  sc_time busy = datapath_time(ext.raw ? codec::Algorithm::kNone : ext.codec.algorithm, raw.size()),
          latency = pipeline_latency_;
  codec::Status s;
  if (ext.raw) {
    if (in.size() != raw.size()) {
      s = codec::Status(
          codec::StatusCode::kSizeMismatch, 0,
          "a raw chunk of " + std::to_string(in.size()) + " B for " + std::to_string(raw.size()) + " B");
    } else {
      std::copy(in.begin(), in.end(), raw.begin());
    }
  } else if (rtl_) {
    RtlRunStats st;
    s = rtl_engine(ext.codec.element).decompress(in, codec::MutableByteSpan(raw), st);
    busy = cycles(st.busy_cycles);
    latency = cycles(st.latency_cycles());
    rtl_cycles_ += st.cycles;
  } else {
    s = c.decompress(in, codec::MutableByteSpan(raw));
  }
  if (!s) {
    ++errors_;
    log_->error("corrupt compressed chunk for 0x{:x}: {}", trans.get_address(), s.to_string());
    trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  const sc_time now = sc_core::sc_time_stamp();
  const sc_time end = datapath_.reserve_for(now + delay, busy, raw.size());
  delay = end + latency - now;
  tlmx::PayloadPool::Lease lease(payloads_);
  tlm::tlm_generic_payload& wr = *lease;
  tlmx::prepare(wr, tlm::TLM_WRITE_COMMAND, trans.get_address(), raw.data(),
                static_cast<unsigned>(raw.size()));
  memory.transport(wr, delay);
  trans.set_response_status(wr.get_response_status());
  raw_bytes_ += raw.size();
  compressed_bytes_ += trans.get_data_length();
  ++chunks_;
}

}  // namespace cdma::compression

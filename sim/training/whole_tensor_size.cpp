#include "training/whole_tensor_size.h"

#include <algorithm>
#include <functional>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "codec/whole_stream_size.h"
#include "runner/isolated_run.h"
#include "runner/shared_counter.h"
#include "training/measurement_job.h"

namespace cdma::training {

namespace {

// Bytes made and fed at a time: large enough for zlib, small enough to stay in cache.
constexpr uint64_t kSegmentBytes = 1 << 20;

uint64_t tensor_size(const TensorPlan& plan, const MeasurementConfig& mc, const DensityTable& densities,
                     const std::vector<const PieceRef*>& tensor_pieces, size_t id) {
  const ActivationTensor& t = plan.tensors[id];
  const PieceSource source = make_piece_source(mc, densities, t, id);
  codec::CodecConfig c = mc.codec;
  c.element = source.width();
  codec::WholeStreamSize stream(c);
  std::vector<uint8_t> buffer(kSegmentBytes);
  for (const PieceRef* ref : tensor_pieces) {
    PieceSource::Writer w = source.writer(ref->offset, ref->index);
    for (uint64_t off = 0; off < ref->bytes; off += kSegmentBytes) {
      const uint64_t n = std::min(kSegmentBytes, ref->bytes - off);
      w.write(off, buffer.data(), n);
      stream.add(codec::ByteSpan(buffer.data(), n));
    }
  }
  return stream.finish();
}

}  // namespace

std::vector<uint64_t> whole_tensor_sizes(const TensorPlan& plan, const MeasurementConfig& mc,
                                         const DensityTable& densities, const PiecePlan& pieces,
                                         unsigned jobs) {
  if (!codec::WholeStreamSize::applies_to(mc.codec.algorithm)) return {};
  // Each tensor's pieces in the order of their bytes.
  std::vector<std::vector<const PieceRef*>> by_tensor(plan.tensors.size());
  for (const PieceRef& p : pieces.pieces) by_tensor.at(p.tensor).push_back(&p);
  std::vector<size_t> order;  // tensors with pieces, largest first (the longest go first to balance jobs)
  std::vector<uint64_t> bytes(plan.tensors.size(), 0);
  for (size_t id = 0; id < by_tensor.size(); ++id) {
    auto& list = by_tensor[id];
    std::sort(list.begin(), list.end(),
              [](const PieceRef* a, const PieceRef* b) { return a->offset < b->offset; });
    for (const PieceRef* p : list) bytes[id] += p->bytes;
    if (!list.empty()) order.push_back(id);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return bytes[a] > bytes[b]; });

  std::vector<uint64_t> sizes(plan.tensors.size(), 0);
  runner::SharedCounter counter;
  const auto work = [&] {
    nlohmann::json done = nlohmann::json::array();
    for (size_t u; (u = counter.next()) < order.size();) {
      const size_t id = order[u];
      done.push_back({id, tensor_size(plan, mc, densities, by_tensor[id], id)});
    }
    return done;
  };
  const unsigned n = static_cast<unsigned>(std::clamp<size_t>(jobs, 1, std::max<size_t>(order.size(), 1)));
  std::vector<nlohmann::json> results;
  if (n == 1) {
    results.push_back(work());
  } else {
    const std::function<std::string()> job = [&] { return work().dump(); };
    for (const std::string& text :
         runner::run_in_children(std::vector<std::function<std::string()>>(n, job))) {
      if (text.rfind("error: ", 0) == 0) throw std::runtime_error(text.substr(7));
      results.push_back(nlohmann::json::parse(text));
    }
  }
  for (const nlohmann::json& r : results) {
    for (const auto& e : r) sizes.at(e[0].get<size_t>()) = e[1].get<uint64_t>();
  }
  return sizes;
}

}  // namespace cdma::training

#include "compression/rtl_zv_engine.h"

#include <verilated.h>

#include <stdexcept>

#include "Vzv_comp_s4_e16.h"
#include "Vzv_comp_s4_e32.h"
#include "Vzv_comp_s4_e8.h"
#include "Vzv_decomp_s4_e16.h"
#include "Vzv_decomp_s4_e32.h"
#include "Vzv_decomp_s4_e8.h"

namespace cdma::compression {

namespace {

// Type-erases one compressor/decompressor pair of Verilated classes.
class EngineIf {
 public:
  virtual ~EngineIf() = default;
  virtual size_t compress(codec::ByteSpan in, codec::MutableByteSpan out, RtlRunStats& st) = 0;
  virtual codec::Status decompress(codec::ByteSpan in, codec::MutableByteSpan out, RtlRunStats& st) = 0;
};

template <typename Comp, typename Decomp>
class EngineImpl final : public EngineIf {
 public:
  EngineImpl()
      : context_(std::make_unique<VerilatedContext>()),
        comp_(std::make_unique<Comp>(context_.get(), "zv_compressor")),
        decomp_(std::make_unique<Decomp>(context_.get(), "zv_decompressor")),
        comp_driver_(*comp_, RtlZvEngine::kSectors, 128),
        decomp_driver_(*decomp_, RtlZvEngine::kSectors) {
    comp_driver_.reset();
    decomp_driver_.reset();
  }
  ~EngineImpl() override {
    comp_->final();
    decomp_->final();
  }
  size_t compress(codec::ByteSpan in, codec::MutableByteSpan out, RtlRunStats& st) override {
    return comp_driver_.run(in, out, st);
  }
  codec::Status decompress(codec::ByteSpan in, codec::MutableByteSpan out, RtlRunStats& st) override {
    return decomp_driver_.run(in, out, st);
  }

 private:
  std::unique_ptr<VerilatedContext> context_;
  std::unique_ptr<Comp> comp_;
  std::unique_ptr<Decomp> decomp_;
  RtlZvCompressorDriver<Comp> comp_driver_;
  RtlZvDecompressorDriver<Decomp> decomp_driver_;
};

}  // namespace

struct RtlZvEngine::Models {
  std::unique_ptr<EngineIf> engine;
};

RtlZvEngine::RtlZvEngine(codec::ElementWidth element)
    : element_(element), models_(std::make_unique<Models>()) {
  switch (element) {
    case codec::ElementWidth::k32:
      models_->engine = std::make_unique<EngineImpl<Vzv_comp_s4_e32, Vzv_decomp_s4_e32>>();
      break;
    case codec::ElementWidth::k16:
      models_->engine = std::make_unique<EngineImpl<Vzv_comp_s4_e16, Vzv_decomp_s4_e16>>();
      break;
    case codec::ElementWidth::k8:
      models_->engine = std::make_unique<EngineImpl<Vzv_comp_s4_e8, Vzv_decomp_s4_e8>>();
      break;
    default:
      throw std::invalid_argument("RtlZvEngine: unsupported element width");
  }
}

RtlZvEngine::~RtlZvEngine() = default;

size_t RtlZvEngine::compress(codec::ByteSpan in, codec::MutableByteSpan out, RtlRunStats& stats) {
  const size_t n = models_->engine->compress(in, out, stats);
  total_cycles_ += stats.cycles;
  return n;
}

codec::Status RtlZvEngine::decompress(codec::ByteSpan in, codec::MutableByteSpan out, RtlRunStats& stats) {
  codec::Status s = models_->engine->decompress(in, out, stats);
  total_cycles_ += stats.cycles;
  return s;
}

}  // namespace cdma::compression

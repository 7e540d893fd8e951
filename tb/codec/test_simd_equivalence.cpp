// The AVX2 and AVX-512 kernels against the scalar reference, byte for byte, for every mask format and width.
// On a CPU without a vector ISA the corresponding cases are skipped (and say so).
#include <gtest/gtest.h>

#include <memory>

#include "codec/simd/dispatch.h"
#include "codec/zcomp_codec.h"
#include "codec/zv_codec.h"
#include "codec_test_util.h"

namespace cdma::codec {
namespace {

using simd::Isa;

struct Variant {
  Algorithm algorithm;
  ElementWidth element;
};

std::unique_ptr<Codec> build(const Variant& v, Isa isa) {
  switch (v.algorithm) {
    case Algorithm::kZv:
      return std::make_unique<ZvCodec>(v.element, isa);
    case Algorithm::kZcompInterleaved:
      return std::make_unique<ZcompCodec>(v.element, MaskLayout::kInterleaved, isa);
    default:
      return std::make_unique<ZcompCodec>(v.element, MaskLayout::kSeparate, isa);
  }
}

std::vector<Variant> variants() {
  std::vector<Variant> out;
  for (Algorithm a : {Algorithm::kZv, Algorithm::kZcompInterleaved, Algorithm::kZcompSeparate}) {
    for (ElementWidth w : {ElementWidth::k8, ElementWidth::k16, ElementWidth::k32}) out.push_back({a, w});
  }
  return out;
}

class SimdEquivalence : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (!simd::is_available(GetParam())) GTEST_SKIP() << simd::to_string(GetParam()) << " not available here";
  }
};

TEST_P(SimdEquivalence, CompressIsByteIdenticalToScalar) {
  for (const Variant& v : variants()) {
    const auto scalar = build(v, Isa::kScalar);
    const auto vec = build(v, GetParam());
    for (size_t n = 0; n <= 520; n += (n < 300 ? 1 : 37)) {
      for (double density : {0.0, 0.07, 0.5, 0.93, 1.0}) {
        const Bytes data = test::make_data(v.element, density, 0.4, n * 31 + 7, n);
        const Bytes a = scalar->compress(data);
        const Bytes b = vec->compress(data);
        ASSERT_EQ(a, b) << vec->name() << " width " << bytes_of(v.element) << " n " << n << " density "
                        << density;
        ASSERT_EQ(vec->compressed_size(data), a.size());
      }
    }
  }
}

TEST_P(SimdEquivalence, DecompressMatchesScalarIncludingErrors) {
  for (const Variant& v : variants()) {
    const auto scalar = build(v, Isa::kScalar);
    const auto vec = build(v, GetParam());
    for (size_t n : {size_t{1}, size_t{64}, size_t{100}, size_t{128}, size_t{1000}, size_t{70001}}) {
      const Bytes data = test::make_data(v.element, 0.3, 0.6, n, n);
      const Bytes c = scalar->compress(data);
      Bytes out;
      ASSERT_TRUE(vec->decompress(c, n, out).is_ok());
      ASSERT_EQ(out, data);
      // Truncations near the end exercise the vector kernels' safe partial loads.
      for (size_t cut = 1; cut <= 70 && cut <= c.size(); ++cut) {
        const ByteSpan shorter(c.data(), c.size() - cut);
        Bytes o1, o2;
        const Status s1 = scalar->decompress(shorter, n, o1);
        const Status s2 = vec->decompress(shorter, n, o2);
        ASSERT_EQ(s1.code(), s2.code()) << "cut " << cut;
        ASSERT_FALSE(s2.is_ok());
      }
    }
  }
}

TEST(SimdDispatch, BestIsaIsAvailableAndScalarAlwaysIs) {
  EXPECT_TRUE(simd::is_available(Isa::kScalar));
  EXPECT_TRUE(simd::is_available(simd::best_isa()));
  EXPECT_THROW(simd::parse_isa("sse9"), std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(Isas, SimdEquivalence, ::testing::Values(Isa::kAvx2, Isa::kAvx512),
                         [](const auto& info) { return std::string(simd::to_string(info.param)); });

}  // namespace
}  // namespace cdma::codec

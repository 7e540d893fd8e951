// The one table behind every enum's to_string and parse (util/enum_table.h), and the enums that use it.
#include "util/enum_table.h"

#include <gtest/gtest.h>

#include "codec/codec_config.h"
#include "codec/simd/dispatch.h"
#include "tlm/timing_mode.h"

namespace cdma::util {
namespace {

enum class Colour { kRed, kGreen, kBlue };
const EnumTable<Colour, 4> kColours(
    "colour",
    {{{Colour::kRed, "red"}, {Colour::kGreen, "green"}, {Colour::kBlue, "blue"}, {Colour::kRed, "rouge"}}});

TEST(EnumTable, NamesParsesAliasesAndListsEverySpelling) {
  EXPECT_STREQ(kColours.name(Colour::kGreen), "green");
  EXPECT_STREQ(kColours.name(Colour::kRed), "red");  // the first spelling
  EXPECT_STREQ(kColours.name(static_cast<Colour>(7)), "?");
  EXPECT_EQ(kColours.parse("rouge"), Colour::kRed);
  EXPECT_EQ(kColours.parse("blue"), Colour::kBlue);
  EXPECT_FALSE(kColours.find("Blue").has_value());  // case matters
  EXPECT_EQ(kColours.values(), (std::vector<Colour>{Colour::kRed, Colour::kGreen, Colour::kBlue}));
  EXPECT_EQ(kColours.list(), "red, green, blue or rouge");
  EXPECT_EQ(kColours.list("\""), "\"red\", \"green\", \"blue\" or \"rouge\"");
  try {
    kColours.parse("ma\nuve");
    ADD_FAILURE() << "an unknown name was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "unknown colour 'ma\\x0auve' (expected red, green, blue or rouge)");
  }
}

TEST(EnumTable, EveryEnumRoundTripsThroughItsTable) {
  for (codec::Algorithm a : codec::all_algorithms())
    EXPECT_EQ(codec::parse_algorithm(codec::to_string(a)), a);
  EXPECT_EQ(codec::all_algorithms().size(), 6u);
  EXPECT_EQ(codec::parse_element_width("bf16"), codec::ElementWidth::k16);
  EXPECT_EQ(codec::parse_element_width("fp8"), codec::ElementWidth::k8);
  EXPECT_THROW(codec::parse_element_width("fp64"), std::invalid_argument);
  for (auto isa : {codec::simd::Isa::kScalar, codec::simd::Isa::kAvx2, codec::simd::Isa::kAvx512}) {
    EXPECT_EQ(codec::simd::parse_isa(codec::simd::to_string(isa)), isa);
  }
  EXPECT_EQ(tlmx::parse_timing_mode("lt"), tlmx::TimingMode::kLt);
  EXPECT_STREQ(tlmx::to_string(tlmx::TimingMode::kAt), "at");
  EXPECT_THROW(tlmx::parse_timing_mode("ca"), std::invalid_argument);
}

}  // namespace
}  // namespace cdma::util

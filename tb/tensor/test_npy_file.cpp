#include "tensor/npy_file.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tensor/activation_generator.h"
#include "tensor/half_float.h"

namespace cdma::tensor {
namespace {

namespace fs = std::filesystem;

const DType kAllDTypes[] = {DType::kFloat32, DType::kFloat16, DType::kInt8, DType::kUint8};

std::vector<uint8_t> to_bytes(const std::string& s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

// Pads a header dict the way numpy does: spaces, then '\n', so that preamble + header is a multiple of 64.
std::string pad_header(const std::string& dict, size_t preamble) {
  std::string header = dict;
  while ((preamble + header.size() + 1) % 64 != 0) header += ' ';
  return header + '\n';
}

// Builds a .npy file byte by byte from a header string, independently of encode_npy().
std::vector<uint8_t> make_npy(int major, int minor, const std::string& header,
                              const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out = {
      0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<uint8_t>(major), static_cast<uint8_t>(minor)};
  const size_t len_bytes = major == 1 ? 2 : 4;
  for (size_t i = 0; i < len_bytes; ++i) out.push_back(static_cast<uint8_t>(header.size() >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> data(n);
  for (size_t i = 0; i < n; ++i) data[i] = static_cast<uint8_t>(i * 37 + 11);
  return data;
}

// Runs parse_npy on an exact-size heap copy, so that a sanitizer build catches any read past the end.
NpyArray parse_copy(const std::vector<uint8_t>& bytes, const std::string& name) {
  std::unique_ptr<uint8_t[]> copy(new uint8_t[bytes.size() + (bytes.empty() ? 1 : 0)]);
  if (!bytes.empty()) std::memcpy(copy.get(), bytes.data(), bytes.size());
  return parse_npy(cdma::codec::ByteSpan(copy.get(), bytes.size()), name);
}

// The message of the NpyError that parsing throws, or a failure if it throws nothing or something else.
std::string parse_error(const std::vector<uint8_t>& bytes, const std::string& name) {
  try {
    parse_copy(bytes, name);
  } catch (const NpyError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no NpyError for " << name;
  return "";
}

std::string header_text(const std::vector<uint8_t>& file) {
  const size_t len = file[8] | file[9] << 8;
  return std::string(file.begin() + 10, file.begin() + 10 + static_cast<long>(len));
}

TEST(NpyDType, NamesSizesAndParsing) {
  EXPECT_STREQ(to_string(DType::kFloat32), "float32");
  EXPECT_STREQ(to_string(DType::kFloat16), "float16");
  EXPECT_STREQ(to_string(DType::kInt8), "int8");
  EXPECT_STREQ(to_string(DType::kUint8), "uint8");
  EXPECT_EQ(element_bytes(DType::kFloat32), 4u);
  EXPECT_EQ(element_bytes(DType::kFloat16), 2u);
  EXPECT_EQ(element_bytes(DType::kInt8), 1u);
  EXPECT_EQ(element_bytes(DType::kUint8), 1u);
  for (DType d : kAllDTypes) EXPECT_EQ(parse_dtype(to_string(d)), d);
  try {
    parse_dtype("float64");
    FAIL() << "float64 accepted";
  } catch (const std::invalid_argument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("float64"), std::string::npos) << msg;
    for (DType d : kAllDTypes) EXPECT_NE(msg.find(to_string(d)), std::string::npos) << msg;
  }
  EXPECT_THROW(parse_dtype("Float32"), std::invalid_argument);
  EXPECT_THROW(parse_dtype(""), std::invalid_argument);
}

TEST(NpyArray, ElementCount) {
  NpyArray a;
  EXPECT_EQ(a.element_count(), 1u);  // scalar
  a.shape = {0};
  EXPECT_EQ(a.element_count(), 0u);
  a.shape = {2, 3, 5};
  EXPECT_EQ(a.element_count(), 30u);
  a.shape = {uint64_t{1} << 40, 0, uint64_t{1} << 40};  // a zero dim wins over the overflow, as in numpy
  EXPECT_EQ(a.element_count(), 0u);
  a.shape = {uint64_t{1} << 32, uint64_t{1} << 32};
  EXPECT_THROW(a.element_count(), std::overflow_error);
}

TEST(NpyEncode, RoundTripEveryDTypeAndShape) {
  const std::vector<std::vector<uint64_t>> shapes = {{}, {0}, {7}, {2, 3, 5}};
  const std::vector<std::string> reprs = {"()", "(0,)", "(7,)", "(2, 3, 5)"};
  const std::vector<std::string> descrs = {"<f4", "<f2", "|i1", "|u1"};
  for (size_t t = 0; t < 4; ++t) {
    for (size_t s = 0; s < shapes.size(); ++s) {
      SCOPED_TRACE(std::string(to_string(kAllDTypes[t])) + " " + reprs[s]);
      NpyArray in;
      in.dtype = kAllDTypes[t];
      in.shape = shapes[s];
      in.data = pattern(in.element_count() * element_bytes(in.dtype));
      const std::vector<uint8_t> file = encode_npy(in);

      ASSERT_GE(file.size(), 10u);
      EXPECT_EQ(file[6], 1);  // version 1.0
      EXPECT_EQ(file[7], 0);
      const std::string header = header_text(file);
      EXPECT_EQ((10 + header.size()) % 64, 0u) << "data not aligned to 64";
      EXPECT_EQ(file.size(), 10 + header.size() + in.data.size());
      EXPECT_EQ(header.back(), '\n');
      EXPECT_EQ(header.rfind(
                    "{'descr': '" + descrs[t] + "', 'fortran_order': False, 'shape': " + reprs[s] + ", }", 0),
                0u)
          << header;
      EXPECT_EQ(header.find_first_not_of(' ', header.find('}') + 1), header.size() - 1)
          << "padding not spaces";

      const NpyArray out = parse_npy(file, "roundtrip.npy");
      EXPECT_EQ(out.dtype, in.dtype);
      EXPECT_EQ(out.shape, in.shape);
      EXPECT_EQ(out.data, in.data);
    }
  }
}

TEST(NpyEncode, RejectsDataOfTheWrongSize) {
  NpyArray a;
  a.dtype = DType::kFloat16;
  a.shape = {3};
  a.data.resize(5);
  EXPECT_THROW(encode_npy(a), std::invalid_argument);
  a.data.resize(6);
  EXPECT_NO_THROW(encode_npy(a));
}

TEST(NpyEncode, LongHeaderStillAligned) {
  NpyArray a;
  a.dtype = DType::kUint8;
  a.shape.assign(30, 1);  // a header longer than one 64-byte block
  a.data = {42};
  const std::vector<uint8_t> file = encode_npy(a);
  EXPECT_GT(file.size(), 129u);
  EXPECT_EQ((file.size() - 1) % 64, 0u);
  EXPECT_EQ(file.back(), 42);
  EXPECT_EQ(parse_npy(file, "long").shape, a.shape);
}

TEST(NpyParse, HandWrittenVersion1) {
  const std::vector<uint8_t> data = pattern(24);
  const auto file =
      make_npy(1, 0, pad_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 10), data);
  const NpyArray a = parse_npy(file, "v1.npy");
  EXPECT_EQ(a.dtype, DType::kFloat32);
  EXPECT_EQ(a.shape, (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(a.data, data);
}

TEST(NpyParse, HandWrittenVersion2And3ReorderedKeysDoubleQuotes) {
  const std::vector<uint8_t> data = pattern(3);
  const std::string dict = "{ \"shape\" : ( 3 , ) ,\t\"fortran_order\":False,  \"descr\": \"|u1\" }";
  for (int major : {2, 3}) {
    SCOPED_TRACE(major);
    const auto file = make_npy(major, 0, pad_header(dict, 12), data);
    const NpyArray a = parse_npy(file, "v2.npy");
    EXPECT_EQ(a.dtype, DType::kUint8);
    EXPECT_EQ(a.shape, (std::vector<uint64_t>{3}));
    EXPECT_EQ(a.data, data);
  }
}

TEST(NpyParse, ToleratedVariants) {
  struct Case {
    std::string dict;
    DType dtype;
    std::vector<uint64_t> shape;
  };
  const std::vector<Case> cases = {
      {"{'descr': 'i1', 'fortran_order': False, 'shape': (4,)}", DType::kInt8, {4}},
      {"{'descr': '<i1', 'fortran_order': False, 'shape': (4,)}", DType::kInt8, {4}},
      {"{'descr': 'u1', 'fortran_order': False, 'shape': (4,)}", DType::kUint8, {4}},
      {"{'descr': '<u1', 'fortran_order': False, 'shape': (2, 2,)}", DType::kUint8, {2, 2}},
      {"{'descr': '<f2', 'fortran_order': False, 'shape': (2,)}", DType::kFloat16, {2}},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': ()}", DType::kFloat32, {}},
      {"{'fortran_order': False, 'descr': '<f4', 'shape': (1L,), }", DType::kFloat32, {1}},  // Python 2 file
      {"\n{'shape':(1,),'descr':'<f4','fortran_order':False}\n\n  ", DType::kFloat32, {1}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.dict);
    NpyArray expected;
    expected.shape = c.shape;
    const std::vector<uint8_t> data = pattern(expected.element_count() * element_bytes(c.dtype));
    // Unpadded headers (no trailing newline, unaligned data) are valid too: numpy only reads the length
    // field.
    for (const std::string& header : {c.dict, pad_header(c.dict, 10)}) {
      const NpyArray a = parse_npy(make_npy(1, 0, header, data), "variant");
      EXPECT_EQ(a.dtype, c.dtype);
      EXPECT_EQ(a.shape, c.shape);
      EXPECT_EQ(a.data, data);
    }
  }
}

TEST(NpyParse, MalformedFilesGiveOneLineNamedErrors) {
  const std::string ok_dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }";
  const std::vector<uint8_t> d12 = pattern(12);
  auto v1 = [&](const std::string& dict, const std::vector<uint8_t>& data) {
    return make_npy(1, 0, pad_header(dict, 10), data);
  };
  auto with_dict = [&](const std::string& dict) { return v1(dict, d12); };
  std::vector<uint8_t> bad_magic = v1(ok_dict, d12);
  bad_magic[3] = 'X';
  std::vector<uint8_t> v4 = v1(ok_dict, d12);
  v4[6] = 4;
  std::vector<uint8_t> v11 = v1(ok_dict, d12);
  v11[7] = 1;
  std::vector<uint8_t> long_header = v1(ok_dict, d12);
  long_header[8] = 0xFF;
  long_header[9] = 0x7F;
  std::vector<uint8_t> trailing = v1(ok_dict, d12);
  trailing.push_back(0);

  struct Case {
    std::string what;
    std::vector<uint8_t> bytes;
    std::vector<std::string> telltales;
  };
  const std::vector<Case> cases = {
      {"empty file", {}, {"magic"}},
      {"bad magic", bad_magic, {"magic"}},
      {"text file", to_bytes("hello, world, this is not numpy"), {"magic"}},
      {"version 4.0", v4, {"version", "4.0"}},
      {"version 1.1", v11, {"version", "1.1"}},
      {"header length past end", long_header, {"header length", "past end"}},
      {"missing shape", with_dict("{'descr': '<f4', 'fortran_order': False}"), {"missing", "'shape'"}},
      {"missing descr", with_dict("{'fortran_order': False, 'shape': (3,)}"), {"missing", "'descr'"}},
      {"missing order", with_dict("{'descr': '<f4', 'shape': (3,)}"), {"missing", "'fortran_order'"}},
      {"duplicate key",
       with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'descr': '<f4'}"),
       {"duplicate", "'descr'"}},
      {"unknown key",
       with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'order': 'C'}"),
       {"unknown key", "'order'"}},
      {"unterminated quote",
       with_dict("{'descr': \"<f4', 'fortran_order': False, 'shape': (3,)}"),
       {"quoting"}},
      {"unquoted key", with_dict("{descr: '<f4', 'fortran_order': False, 'shape': (3,)}"), {"quoted key"}},
      {"not a dict", with_dict("['<f4', False, (3,)]"), {"malformed header", "'{'"}},
      {"missing colon", with_dict("{'descr' '<f4', 'fortran_order': False, 'shape': (3,)}"), {"':'"}},
      {"missing comma", with_dict("{'descr': '<f4' 'fortran_order': False, 'shape': (3,)}"), {"','"}},
      {"text after dict", with_dict(ok_dict + " x"), {"after the header"}},
      {"unclosed dict", with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), "), {"malformed"}},
      {"shape is a list",
       with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': [3]}"),
       {"shape tuple"}},
      {"shape is an int",
       with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (3)}"),
       {"shape tuple"}},
      {"shape double comma",
       with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (3,,)}"),
       {"shape tuple"}},
      {"shape missing comma",
       with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (1 3)}"),
       {"shape tuple"}},
      {"shape unclosed", with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (3,"), {"shape tuple"}},
      {"shape hex", with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (0x3,)}"), {"shape tuple"}},
      {"negative dim", with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (-3,)}"), {"negative"}},
      {"float dim", with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (3.0,)}"), {"non-integer"}},
      {"exponent dim",
       with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (3e0,)}"),
       {"non-integer"}},
      {"dim overflow",
       with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (18446744073709551616,)}"),
       {"overflow"}},
      {"count overflow",
       with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296)}"),
       {"overflow"}},
      {"bytes overflow",
       with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904,)}"),
       {"overflow"}},
      {"float64",
       with_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (3,)}"),
       {"unsupported dtype '<f8' (expected <f4, <f2, |i1 or |u1)"}},
      {"bool",
       with_dict("{'descr': '|b1', 'fortran_order': False, 'shape': (3,)}"),
       {"unsupported dtype '|b1'"}},
      {"native f4",
       with_dict("{'descr': '=f4', 'fortran_order': False, 'shape': (3,)}"),
       {"unsupported dtype"}},
      {"structured",
       with_dict("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,)}"),
       {"structured"}},
      {"big-endian f4",
       with_dict("{'descr': '>f4', 'fortran_order': False, 'shape': (3,)}"),
       {"big-endian", ">f4"}},
      {"big-endian f2", v1("{'descr': '>f2', 'fortran_order': False, 'shape': (6,)}", d12), {"big-endian"}},
      {"control char in descr",
       with_dict("{'descr': '<f\x01\r4', 'fortran_order': False, 'shape': (3,)}"),
       {"unsupported dtype", "\\x01"}},
      {"fortran order",
       with_dict("{'descr': '<f4', 'fortran_order': True, 'shape': (3,)}"),
       {"Fortran order"}},
      {"fortran order not bool",
       with_dict("{'descr': '<f4', 'fortran_order': 0, 'shape': (3,)}"),
       {"True or False"}},
      {"truncated data", v1(ok_dict, pattern(10)), {"truncated", "12 bytes", "10 present"}},
      {"trailing bytes", trailing, {"trailing", "12 bytes", "13 present"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const std::string name = "case/" + c.what + ".npy";
    const std::string msg = parse_error(c.bytes, name);
    EXPECT_EQ(msg.rfind(name + ": ", 0), 0u) << msg;
    for (const std::string& word : c.telltales) EXPECT_NE(msg.find(word), std::string::npos) << msg;
    EXPECT_EQ(msg.find_first_of("\n\r"), std::string::npos) << "multi-line message: " << msg;
  }
}

// A small fp32 array and its file in version 1 (as we write it) and version 2 (written by hand).
struct BothVersions {
  NpyArray array;
  std::vector<uint8_t> v1, v2;
};

BothVersions small_file_in_both_versions() {
  BothVersions f;
  f.array.dtype = DType::kFloat32;
  f.array.shape = {2, 3};
  f.array.data = pattern(24);
  f.v1 = encode_npy(f.array);
  f.v2 = make_npy(2, 0, pad_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 12),
                  f.array.data);
  return f;
}

TEST(NpyParse, EveryTruncationThrows) {
  const BothVersions f = small_file_in_both_versions();
  for (const auto* file : {&f.v1, &f.v2}) {
    ASSERT_NO_THROW(parse_copy(*file, "full"));
    for (size_t n = 0; n < file->size(); ++n) {
      const std::vector<uint8_t> prefix(file->begin(), file->begin() + static_cast<long>(n));
      const std::string msg = parse_error(prefix, "cut");
      EXPECT_EQ(msg.rfind("cut: ", 0), 0u) << "length " << n << ": " << msg;
    }
  }
}

// Random byte corruptions of a valid file: whatever the input, the result is an array or an NpyError.
TEST(NpyParse, CorruptedFilesNeverEscapeAsOtherErrors) {
  NpyArray a;
  a.dtype = DType::kInt8;
  a.shape = {2, 3};
  a.data = pattern(6);
  const std::vector<uint8_t> good = encode_npy(a);
  const std::string alphabet = "{}()[],:'\" \n0123456789-.eLTFx<>|fiu";
  std::mt19937_64 rng(12345);
  int accepted = 0, rejected = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    std::vector<uint8_t> bytes = good;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t pos = rng() % bytes.size();
      switch (rng() % 4) {
        case 0:
          bytes[pos] = static_cast<uint8_t>(rng());
          break;
        case 1:
          bytes[pos] = static_cast<uint8_t>(alphabet[rng() % alphabet.size()]);
          break;
        case 2:
          bytes.erase(bytes.begin() + static_cast<long>(pos));
          break;
        default:
          bytes.insert(bytes.begin() + static_cast<long>(pos),
                       static_cast<uint8_t>(alphabet[rng() % alphabet.size()]));
          break;
      }
      if (bytes.empty()) bytes.push_back(0);
    }
    try {
      const NpyArray out = parse_copy(bytes, "fuzz");
      ++accepted;
      ASSERT_EQ(out.data.size(), out.element_count() * element_bytes(out.dtype));
    } catch (const NpyError& e) {
      ++rejected;
      ASSERT_EQ(std::string(e.what()).rfind("fuzz: ", 0), 0u) << e.what();
      ASSERT_EQ(std::string(e.what()).find_first_of("\n\r"), std::string::npos) << e.what();
    }
  }
  EXPECT_GT(rejected, 0);
  EXPECT_GT(accepted, 0);  // e.g. edits to the padding
}

class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::path(::testing::TempDir()) / ("cdma_tensor_" + std::to_string(::getpid()) + "_" +
                                              info->test_suite_name() + "_" + info->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

TEST(NpyFile, WriteThenRead) {
  TempDir dir;
  for (DType dtype : kAllDTypes) {
    const NpyArray in = generate_npy({dtype, 0.5, 0.0, 7}, {4, 9});
    const std::string path = dir.file(std::string(to_string(dtype)) + ".npy");
    write_npy(path, in);
    const NpyArray out = read_npy(path);
    EXPECT_EQ(out.dtype, in.dtype);
    EXPECT_EQ(out.shape, in.shape);
    EXPECT_EQ(out.data, in.data);
  }
}

// Reading only the header must accept and reject exactly what a full read does, with the same message: every
// prefix of a valid file, the file with trailing bytes, version 1 and 2.
TEST(NpyFile, HeaderOnlyReadAgreesWithAFullRead) {
  TempDir dir;
  const BothVersions f = small_file_in_both_versions();
  const NpyArray& a = f.array;
  const std::vector<uint8_t>& v1 = f.v1;
  auto outcome = [](auto read) {
    try {
      const NpyArray r = read();
      return std::string(to_string(r.dtype)) + " " + std::to_string(r.element_count());
    } catch (const NpyError& e) {
      return std::string("error: ") + e.what();
    }
  };
  const std::string path = dir.file("t.npy");
  for (const auto* file : {&f.v1, &f.v2}) {
    std::vector<std::vector<uint8_t>> variants;
    for (size_t n = 0; n <= file->size(); ++n)
      variants.emplace_back(file->begin(), file->begin() + static_cast<long>(n));
    variants.push_back(*file);
    variants.back().push_back(0);  // one trailing byte
    for (const auto& v : variants) {
      std::ofstream(path, std::ios::binary)
          .write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size()));
      const std::string full = outcome([&] { return read_npy(path); });
      EXPECT_EQ(outcome([&] { return read_npy_header(path); }), full) << v.size() << " bytes";
    }
    EXPECT_EQ(outcome([&] { return read_npy(path); }).rfind("error: ", 0), 0u);  // the trailing byte
  }
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(v1.data()), static_cast<std::streamsize>(v1.size()));
  const NpyArray h = read_npy_header(path);
  EXPECT_EQ(h.shape, a.shape);
  EXPECT_EQ(h.dtype, a.dtype);
  EXPECT_TRUE(h.data.empty());
  EXPECT_THROW(read_npy_header(dir.file("missing.npy")), NpyError);
}

TEST(NpyFile, IoErrorsNameThePath) {
  TempDir dir;
  const std::string missing = dir.file("missing.npy");
  try {
    read_npy(missing);
    FAIL() << "no error";
  } catch (const NpyError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(missing + ": cannot open", 0), 0u) << e.what();
  }
  const std::string unwritable = dir.file("no/such/dir/out.npy");
  NpyArray a;
  a.data = pattern(4);
  try {
    write_npy(unwritable, a);
    FAIL() << "no error";
  } catch (const NpyError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(unwritable + ": cannot open", 0), 0u) << e.what();
  }
  const std::string garbage = dir.file("garbage.npy");
  std::ofstream(garbage) << "not numpy";
  try {
    read_npy(garbage);
    FAIL() << "no error";
  } catch (const NpyError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(garbage + ": ", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find("magic"), std::string::npos) << e.what();
  }
}

// The cross-checks run the system interpreter explicitly: a plain "python3" may be a shim without numpy.
constexpr const char* kPython = "/usr/bin/python3";

bool have_numpy() {
  return std::system((std::string(kPython) + " -c 'import numpy' >/dev/null 2>&1").c_str()) == 0;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

std::string shell_quote(const std::string& s) {
  return "'" + s + "'";
}  // our temp paths have no quotes

double element_sum(const NpyArray& a) {
  double sum = 0.0;
  const size_t n = a.element_count();
  for (size_t i = 0; i < n; ++i) {
    switch (a.dtype) {
      case DType::kFloat32: {
        float f;
        std::memcpy(&f, &a.data[4 * i], 4);
        sum += f;
        break;
      }
      case DType::kFloat16:
        sum += half_bits_to_float(static_cast<uint16_t>(a.data[2 * i] | a.data[2 * i + 1] << 8));
        break;
      case DType::kInt8:
        sum += static_cast<int8_t>(a.data[i]);
        break;
      case DType::kUint8:
        sum += a.data[i];
        break;
    }
  }
  return sum;
}

TEST(NpyNumpy, NumpyLoadsOurFiles) {
  if (!have_numpy()) GTEST_SKIP() << kPython << " has no numpy";
  TempDir dir;
  const std::string script = dir.file("check.py");
  write_text(script, R"PY(
import sys, zlib
import numpy as np
path, dtype, shape, total, crc = sys.argv[1:6]
with open(path, 'rb') as f:
    version = np.lib.format.read_magic(f)
    assert version == (1, 0), version
    np.lib.format.read_array_header_1_0(f)
    assert f.tell() % 64 == 0, f.tell()
a = np.load(path)
want_shape = tuple(int(x) for x in shape.split(',') if x)
assert a.dtype == np.dtype(dtype), (a.dtype, dtype)
assert a.shape == want_shape, (a.shape, want_shape)
assert a.flags.c_contiguous
s = float(a.astype(np.float64).sum())
assert abs(s - float(total)) <= 1e-9 * max(1.0, abs(float(total))), (s, total)
assert zlib.crc32(a.tobytes()) == int(crc), 'crc mismatch'
)PY");
  struct Case {
    NpyArray array;
    std::string shape_arg;
  };
  std::vector<Case> cases;
  cases.push_back({generate_npy({DType::kFloat32, 0.4, 0.5, 11}, {3, 17, 5}), "3,17,5"});
  cases.push_back({generate_npy({DType::kFloat16, 0.6, 0.0, 12}, {1000}), "1000"});
  cases.push_back({generate_npy({DType::kFloat32, 1.0, 0.0, 13}, {}), ""});
  cases.push_back({generate_npy({DType::kUint8, 0.5, 0.0, 14}, {0}), "0"});
  NpyArray signed_bytes;  // values >= 128 check that numpy sees them as negative int8
  signed_bytes.dtype = DType::kInt8;
  signed_bytes.shape = {8, 32};
  signed_bytes.data = pattern(256);
  cases.push_back({signed_bytes, "8,32"});
  NpyArray unsigned_bytes = signed_bytes;
  unsigned_bytes.dtype = DType::kUint8;
  unsigned_bytes.shape = {256};
  cases.push_back({unsigned_bytes, "256"});

  for (size_t i = 0; i < cases.size(); ++i) {
    const NpyArray& a = cases[i].array;
    SCOPED_TRACE(std::string(to_string(a.dtype)) + " shape " + cases[i].shape_arg);
    const std::string path = dir.file("ours" + std::to_string(i) + ".npy");
    write_npy(path, a);
    char total[64];
    std::snprintf(total, sizeof(total), "%.17g", element_sum(a));
    const uLong crc = crc32(crc32(0L, Z_NULL, 0), a.data.data(), static_cast<uInt>(a.data.size()));
    const std::string cmd = std::string(kPython) + " " + shell_quote(script) + " " + shell_quote(path) + " " +
                            to_string(a.dtype) + " " + shell_quote(cases[i].shape_arg) + " " + total + " " +
                            std::to_string(crc);
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
}

TEST(NpyNumpy, WeLoadNumpyFiles) {
  if (!have_numpy()) GTEST_SKIP() << kPython << " has no numpy";
  TempDir dir;
  const std::string script = dir.file("make.py");
  write_text(script, R"PY(
import sys
import numpy as np
d = sys.argv[1]
np.save(d + '/f32.npy', (np.arange(30, dtype=np.float32) - 7.5).reshape(2, 3, 5))
np.save(d + '/f16.npy', (np.arange(7) * 0.25 - 1).astype(np.float16))
np.save(d + '/i8.npy', np.arange(-64, 64).astype(np.int8))
np.save(d + '/u8.npy', np.arange(256).astype(np.uint8).reshape(16, 16))
np.save(d + '/scalar.npy', np.array(3.5, dtype=np.float32))
np.save(d + '/empty.npy', np.zeros((0, 3), dtype=np.float32))
for v in (2, 3):
    with open(d + '/v%d.npy' % v, 'wb') as f:
        np.lib.format.write_array(f, np.arange(5, dtype=np.float32), version=(v, 0))
np.save(d + '/fortran.npy', np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
np.save(d + '/big.npy', np.arange(4, dtype='>f4'))
np.save(d + '/f64.npy', np.arange(4, dtype=np.float64))
np.save(d + '/bool.npy', np.zeros(4, dtype=bool))
)PY");
  const std::string cmd = std::string(kPython) + " " + shell_quote(script) + " " + shell_quote(dir.file(""));
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;

  auto floats = [](const NpyArray& a) {
    std::vector<float> v(a.data.size() / 4);
    std::memcpy(v.data(), a.data.data(), a.data.size());
    return v;
  };
  {
    const NpyArray a = read_npy(dir.file("f32.npy"));
    EXPECT_EQ(a.dtype, DType::kFloat32);
    EXPECT_EQ(a.shape, (std::vector<uint64_t>{2, 3, 5}));
    const std::vector<float> v = floats(a);
    ASSERT_EQ(v.size(), 30u);
    for (size_t i = 0; i < v.size(); ++i) EXPECT_EQ(v[i], static_cast<float>(i) - 7.5f) << i;
  }
  {
    const NpyArray a = read_npy(dir.file("f16.npy"));
    EXPECT_EQ(a.dtype, DType::kFloat16);
    EXPECT_EQ(a.shape, (std::vector<uint64_t>{7}));
    ASSERT_EQ(a.data.size(), 14u);
    for (size_t i = 0; i < 7; ++i) {
      const auto bits = static_cast<uint16_t>(a.data[2 * i] | a.data[2 * i + 1] << 8);
      EXPECT_EQ(half_bits_to_float(bits), static_cast<float>(i) * 0.25f - 1.0f) << i;
    }
  }
  {
    const NpyArray a = read_npy(dir.file("i8.npy"));
    EXPECT_EQ(a.dtype, DType::kInt8);
    EXPECT_EQ(a.shape, (std::vector<uint64_t>{128}));
    ASSERT_EQ(a.data.size(), 128u);
    for (size_t i = 0; i < 128; ++i) EXPECT_EQ(static_cast<int8_t>(a.data[i]), static_cast<int>(i) - 64) << i;
  }
  {
    const NpyArray a = read_npy(dir.file("u8.npy"));
    EXPECT_EQ(a.dtype, DType::kUint8);
    EXPECT_EQ(a.shape, (std::vector<uint64_t>{16, 16}));
    ASSERT_EQ(a.data.size(), 256u);
    for (size_t i = 0; i < 256; ++i) EXPECT_EQ(a.data[i], i) << i;
  }
  {
    const NpyArray a = read_npy(dir.file("scalar.npy"));
    EXPECT_EQ(a.dtype, DType::kFloat32);
    EXPECT_TRUE(a.shape.empty());
    EXPECT_EQ(floats(a), std::vector<float>{3.5f});
  }
  {
    const NpyArray a = read_npy(dir.file("empty.npy"));
    EXPECT_EQ(a.shape, (std::vector<uint64_t>{0, 3}));
    EXPECT_TRUE(a.data.empty());
  }
  for (int v : {2, 3}) {
    const std::string path = dir.file("v" + std::to_string(v) + ".npy");
    std::ifstream raw(path, std::ios::binary);
    char magic[8] = {};
    raw.read(magic, 8);
    EXPECT_EQ(magic[6], v) << "numpy did not write version " << v;
    const NpyArray a = read_npy(path);
    EXPECT_EQ(a.shape, (std::vector<uint64_t>{5}));
    EXPECT_EQ(floats(a), (std::vector<float>{0, 1, 2, 3, 4}));
  }
  const std::vector<std::pair<std::string, std::string>> rejected = {{"fortran.npy", "Fortran order"},
                                                                     {"big.npy", "big-endian"},
                                                                     {"f64.npy", "unsupported dtype '<f8'"},
                                                                     {"bool.npy", "unsupported dtype '|b1'"}};
  for (const auto& [file, telltale] : rejected) {
    try {
      read_npy(dir.file(file));
      ADD_FAILURE() << file << " accepted";
    } catch (const NpyError& e) {
      EXPECT_NE(std::string(e.what()).find(telltale), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace cdma::tensor

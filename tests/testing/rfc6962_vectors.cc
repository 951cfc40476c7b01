#include "tests/testing/rfc6962_vectors.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "absl/strings/escaping.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

#ifndef LEDGER_TESTDATA_DIR
#error "LEDGER_TESTDATA_DIR must name tests/testdata"
#endif

namespace ledger::testing {

namespace {

using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

const Value& Field(const Struct& s, const std::string& name) {
  static const Value* const kNull = new Value();
  auto it = s.fields().find(name);
  EXPECT_NE(it, s.fields().end()) << "vectors: missing field " << name;
  return it == s.fields().end() ? *kNull : it->second;
}

std::string Hex(const Value& v) {
  const std::string& hex = v.string_value();
  EXPECT_EQ(hex.size() % 2, 0u) << "vectors: odd hex " << hex;
  return absl::HexStringToBytes(hex);
}

std::vector<std::string> HexList(const Value& v) {
  std::vector<std::string> out;
  for (const Value& item : v.list_value().values()) out.push_back(Hex(item));
  return out;
}

// JSON numbers arrive as doubles; 2^64 - 1 (a probe's "leaf_index") rounds
// to 2^64, which no uint64_t holds.
uint64_t Number(const Value& v) {
  const double d = v.number_value();
  if (d >= 18446744073709551615.0) return std::numeric_limits<uint64_t>::max();
  EXPECT_EQ(d, std::floor(d));
  return static_cast<uint64_t>(d);
}

}  // namespace

Rfc6962Vectors LoadRfc6962Vectors() {
  Rfc6962Vectors out;
  const std::string path =
      std::string(LEDGER_TESTDATA_DIR) + "/rfc6962/vectors.json";
  std::ifstream in(path);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return out;
  }
  std::stringstream text;
  text << in.rdbuf();
  Struct root;
  const auto status =
      google::protobuf::util::JsonStringToMessage(text.str(), &root);
  if (!status.ok()) {
    ADD_FAILURE() << path << ": " << status.ToString();
    return out;
  }
  out.leaves = HexList(Field(root, "leaves"));
  out.roots = HexList(Field(root, "roots"));
  for (const Value& v : Field(root, "hasher").list_value().values()) {
    const Struct& s = v.struct_value();
    Rfc6962Vectors::Hasher h;
    h.desc = Field(s, "desc").string_value();
    h.kind = Field(s, "kind").string_value();
    if (h.kind == "leaf") h.data = Hex(Field(s, "data"));
    if (h.kind == "node") {
      h.left = Hex(Field(s, "left"));
      h.right = Hex(Field(s, "right"));
    }
    h.hash = Hex(Field(s, "hash"));
    out.hasher.push_back(std::move(h));
  }
  for (const Value& v : Field(root, "inclusion").list_value().values()) {
    const Struct& s = v.struct_value();
    out.inclusion.push_back({Number(Field(s, "leaf_index")),
                             Number(Field(s, "tree_size")),
                             HexList(Field(s, "proof"))});
  }
  for (const Value& v : Field(root, "consistency").list_value().values()) {
    const Struct& s = v.struct_value();
    out.consistency.push_back({Number(Field(s, "old_size")),
                               Number(Field(s, "new_size")),
                               HexList(Field(s, "proof"))});
  }
  for (const Value& v : Field(root, "inclusion_probes").list_value().values()) {
    const Struct& s = v.struct_value();
    Rfc6962Vectors::InclusionProbe p;
    p.file = Field(s, "file").string_value();
    p.desc = Field(s, "desc").string_value();
    p.want_valid = Field(s, "want_valid").bool_value();
    p.leaf_index = Number(Field(s, "leaf_index"));
    p.tree_size = Number(Field(s, "tree_size"));
    p.leaf_hash = Hex(Field(s, "leaf_hash"));
    p.root = Hex(Field(s, "root"));
    p.proof = HexList(Field(s, "proof"));
    out.inclusion_probes.push_back(std::move(p));
  }
  for (const Value& v :
       Field(root, "consistency_probes").list_value().values()) {
    const Struct& s = v.struct_value();
    Rfc6962Vectors::ConsistencyProbe p;
    p.file = Field(s, "file").string_value();
    p.desc = Field(s, "desc").string_value();
    p.want_valid = Field(s, "want_valid").bool_value();
    p.old_size = Number(Field(s, "old_size"));
    p.new_size = Number(Field(s, "new_size"));
    p.old_root = Hex(Field(s, "old_root"));
    p.new_root = Hex(Field(s, "new_root"));
    p.proof = HexList(Field(s, "proof"));
    out.consistency_probes.push_back(std::move(p));
  }
  return out;
}

}  // namespace ledger::testing

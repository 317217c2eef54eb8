// Helpers shared by the api unit tests.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include "api/api.h"

namespace cubelet::api::testing {

inline std::string ReadTestFile(const std::string& relative) {
  std::ifstream in(std::string(CUBELET_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (ss.str().empty()) ADD_FAILURE() << "cannot read test file " << relative;
  return ss.str();
}

// Decodes a single-object YAML text; fails the test on any error.
inline Object MustDecode(std::string_view yaml) {
  auto docs = DecodeManifests(yaml, "test.yaml");
  if (!docs.ok() || docs->size() != 1) {
    ADD_FAILURE() << "decode failed: " << docs.status().message();
    return Pod{};
  }
  return (*docs)[0];
}

// Every error line DecodeManifests reports for `yaml`.
inline std::vector<std::string> DecodeErrors(std::string_view yaml) {
  auto docs = DecodeManifests(yaml, "pod.yaml");
  std::vector<std::string> lines;
  if (docs.ok()) return lines;
  std::stringstream ss(docs.status().message());
  for (std::string line; std::getline(ss, line);) lines.push_back(line);
  return lines;
}

}  // namespace cubelet::api::testing

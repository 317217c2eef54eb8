// The registry fixtures (tests/fixtures/registry/setup.sh): started once for the whole test
// binary, stopped at its end, with the addresses they print.
#pragma once

#include <cstdio>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace cubelet::testing {

class RegistryFixtures : public ::testing::Environment {
 public:
  static const std::string& Get(const std::string& key) {
    static const std::string kEmpty;
    auto it = values().find(key);
    return it == values().end() ? kEmpty : it->second;
  }

  void SetUp() override {
    const std::string out = Run("up");
    std::stringstream ss(out);
    for (std::string line; std::getline(ss, line);) {
      const size_t eq = line.find('=');
      if (eq != std::string::npos && eq > 0 && line.find(' ') > eq) {
        values()[line.substr(0, eq)] = line.substr(eq + 1);
      }
    }
    ASSERT_FALSE(Get("PLAIN").empty()) << "registry fixtures did not start:\n" << out;
  }

  void TearDown() override { Run("down"); }

 private:
  static std::map<std::string, std::string>& values() {
    static std::map<std::string, std::string> v;
    return v;
  }
  static std::string Run(const std::string& verb) {
    const std::string cmd =
        std::string(CUBELET_SOURCE_DIR) + "/tests/fixtures/registry/setup.sh " + verb + " 2>&1";
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) return out;
    char buf[4096];
    while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    const int rc = ::pclose(p);
    if (rc != 0) ADD_FAILURE() << "setup.sh " << verb << " failed:\n" << out;
    return out;
  }
};

}  // namespace cubelet::testing

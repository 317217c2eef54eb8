#include "cli/cli.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cubelet::cli {
namespace {

using ::testing::HasSubstr;

struct CliRun {
  int code;
  std::string out, err;
};

CliRun Cli(std::vector<const char*> args) {
  args.insert(args.begin(), "cubelet");
  std::ostringstream out, err;
  const int code = Main(static_cast<int>(args.size()), args.data(), out, err);
  return {code, out.str(), err.str()};
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cubelet-cli-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    const auto p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  std::filesystem::path dir_;
};

TEST_F(CliTest, Version) {
  const CliRun r = Cli({"version"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, VersionString() + "\n");
}

TEST_F(CliTest, NoSubcommandIsAnError) {
  const CliRun r = Cli({});
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("subcommand"));
}

TEST_F(CliTest, ValidatePrintsDefaultedYaml) {
  const std::string f = Write("p.yaml",
                              "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  "
                              "containers: [{name: c, image: busybox}]\n");
  const CliRun r = Cli({"validate", "-f", f.c_str(), "-o", "yaml"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("    imagePullPolicy: Always\n"));
  EXPECT_THAT(r.out, HasSubstr("  namespace: default\n"));
  EXPECT_THAT(r.out, HasSubstr("  restartPolicy: Always\n"));
}

TEST_F(CliTest, ValidateSummaryAndNamespaceFlag) {
  Write("a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n");
  Write("b.json", R"({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "b"}})");
  Write("ignored.txt", "not a manifest");
  const CliRun r = Cli({"validate", "-f", dir_.c_str(), "-n", "team"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "configmap/a valid\nnamespace/b valid\n");
  const CliRun j = Cli({"validate", "-f", (dir_ / "a.yaml").c_str(), "-n", "team", "-o", "json"});
  EXPECT_THAT(j.out, HasSubstr("\"namespace\": \"team\""));
}

TEST_F(CliTest, ValidateReportsErrorsWithLinesAndExitsOne) {
  const std::string f = Write("bad.yaml",
                              "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"
                              "spec:\n  containers:\n  - name: c\n    imagee: x\n");
  const CliRun r = Cli({"validate", "-f", f.c_str()});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr(f + ":8: unknown field \"spec.containers[0].imagee\""));
}

TEST_F(CliTest, MissingFileAndBadOutputFormat) {
  const CliRun missing = Cli({"validate", "-f", "/nonexistent/x.yaml"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_THAT(missing.err, HasSubstr("the path \"/nonexistent/x.yaml\" does not exist"));
  const std::string f = Write("c.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n");
  const CliRun bad = Cli({"validate", "-f", f.c_str(), "-o", "wide"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_THAT(bad.err, HasSubstr("allowed formats are: json,name,yaml"));
}

}  // namespace
}  // namespace cubelet::cli

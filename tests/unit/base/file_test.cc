// Small-file helpers: whole reads, atomic replacement with an exact mode.
#include "base/file.h"

#include <cstdlib>
#include <filesystem>
#include <sys/stat.h>

#include <gtest/gtest.h>

namespace cubelet::base {
namespace {

TEST(FileTest, WriteFileAtomicReplacesWithExactModeAndReadsBack) {
  char tmpl[] = "/tmp/cubelet-file-test-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl, path = dir + "/secret";
  Result<std::optional<std::string>> missing = ReadFileIfExists(path);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  mode_t old = umask(077);  // the mode is exact whatever the umask
  ASSERT_TRUE(WriteFileAtomic(path, "one", 0644).ok());
  umask(old);
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  ASSERT_TRUE(WriteFileAtomic(path, "two", 0600).ok());
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  Result<std::optional<std::string>> got = ReadFileIfExists(path);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->value_or(""), "two");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));

  EXPECT_FALSE(WriteFileAtomic(dir + "/no/such/dir/f", "x", 0600).ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cubelet::base

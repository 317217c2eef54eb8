// Pure parts of the layer unpacker: path cleaning and whiteout name classification.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "image/unpack_fs.h"
#include "image/unpack_stream.h"

namespace cubelet::image::unpack_internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(UnpackCleanPathTest, ResolvesAsIfTheLayerWereRoot) {
  EXPECT_THAT(CleanPath("a/b/c"), ElementsAre("a", "b", "c"));
  EXPECT_THAT(CleanPath("./a//b/./c/"), ElementsAre("a", "b", "c"));
  EXPECT_THAT(CleanPath("/abs/x"), ElementsAre("abs", "x"));
  EXPECT_THAT(CleanPath("../escape"), ElementsAre("escape"));
  EXPECT_THAT(CleanPath("../../etc/x"), ElementsAre("etc", "x"));
  EXPECT_THAT(CleanPath("a/../../b"), ElementsAre("b"));
  EXPECT_THAT(CleanPath("a/b/../c"), ElementsAre("a", "c"));
  EXPECT_THAT(CleanPath("..."), ElementsAre("..."));
  EXPECT_THAT(CleanPath(".wh.."), ElementsAre(".wh.."));
  EXPECT_THAT(CleanPath(""), IsEmpty());
  EXPECT_THAT(CleanPath("./"), IsEmpty());
  EXPECT_THAT(CleanPath("/"), IsEmpty());
  EXPECT_THAT(CleanPath("../.."), IsEmpty());
}

TEST(UnpackCleanPathTest, JoinPath) {
  EXPECT_EQ(JoinPath({"a", "b", "c"}), "a/b/c");
  EXPECT_EQ(JoinPath({"a", "b", "c"}, 2), "a/b");
  EXPECT_EQ(JoinPath({"a"}, 0), "");
}

NameKind Kind(std::string_view name, std::string* hidden = nullptr) {
  std::string ignored;
  auto kind = ClassifyName(CleanPath(name), hidden != nullptr ? hidden : &ignored);
  EXPECT_TRUE(kind.ok()) << name << ": " << kind.status().message();
  return kind.ok() ? *kind : NameKind::kNormal;
}

TEST(UnpackClassifyNameTest, Kinds) {
  std::string hidden;
  EXPECT_EQ(Kind("a/b"), NameKind::kNormal);
  EXPECT_EQ(Kind("a/.whx"), NameKind::kNormal);
  EXPECT_EQ(Kind("a/.wh.b", &hidden), NameKind::kWhiteout);
  EXPECT_EQ(hidden, "b");
  EXPECT_EQ(Kind("../.wh.x", &hidden), NameKind::kWhiteout);
  EXPECT_EQ(hidden, "x");
  EXPECT_EQ(Kind("a/.wh....", &hidden), NameKind::kWhiteout);
  EXPECT_EQ(hidden, "...");
  EXPECT_EQ(Kind("a/.wh..wh..opq"), NameKind::kOpaque);
  EXPECT_EQ(Kind(".wh..wh.plnk/123.456"), NameKind::kAufsMeta);
  EXPECT_EQ(Kind(".wh..wh.aufs"), NameKind::kAufsMeta);
}

TEST(UnpackClassifyNameTest, RefusesMarkersThatNameNothingOrSitWrong) {
  std::string hidden;
  for (const char* name : {".wh.", "a/.wh.", ".wh..", "a/.wh..", "a/.wh...", ".wh..wh..opq",
                           "../.wh..wh..opq", "a/.wh.b/c", "a/.wh..wh..opq/c"}) {
    auto kind = ClassifyName(CleanPath(name), &hidden);
    EXPECT_FALSE(kind.ok()) << name;
    if (!kind.ok()) {
      EXPECT_EQ(kind.status().code(), base::Code::kInvalid) << name;
    }
  }
}

TEST(UnpackDetectCompressionTest, MagicBytes) {
  const unsigned char gz[] = {0x1f, 0x8b, 0x08, 0x00};
  const unsigned char zst[] = {0x28, 0xb5, 0x2f, 0xfd};
  const unsigned char tar[] = {'e', 't', 'c', '/'};
  EXPECT_EQ(DetectCompression(gz, 4), Compression::kGzip);
  EXPECT_EQ(DetectCompression(zst, 4), Compression::kZstd);
  EXPECT_EQ(DetectCompression(zst, 3), Compression::kNone);
  EXPECT_EQ(DetectCompression(tar, 4), Compression::kNone);
  EXPECT_EQ(DetectCompression(tar, 0), Compression::kNone);
}

}  // namespace
}  // namespace cubelet::image::unpack_internal

#include "base/status.h"

#include <cerrno>

#include <gtest/gtest.h>

namespace cubelet::base {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), Code::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ErrorKeepsCodeMessageAndCauses) {
  Status s(Code::kInvalid, "bad thing", 0, {{"FieldValueRequired", "Required value", "spec"}});
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kInvalid);
  EXPECT_EQ(s.ToString(), "Invalid: bad thing");
  ASSERT_EQ(s.causes().size(), 1u);
  EXPECT_EQ(s.causes()[0].field, "spec");
}

TEST(StatusTest, WithContextPrefixesAndKeepsClassification) {
  Status s = ErrnoError(ENOENT, "open /x").WithContext("start container web");
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_EQ(s.sys_errno(), ENOENT);
  EXPECT_EQ(s.message(), "start container web: open /x: No such file or directory");
  EXPECT_TRUE(Status().WithContext("x").ok());
}

TEST(StatusTest, ErrnoClassification) {
  EXPECT_EQ(ErrnoError(EEXIST, "x").code(), Code::kAlreadyExists);
  EXPECT_EQ(ErrnoError(EPERM, "x").code(), Code::kPermissionDenied);
  EXPECT_EQ(ErrnoError(EINVAL, "x").code(), Code::kInvalid);
  EXPECT_EQ(ErrnoError(ENOSPC, "x").code(), Code::kResourceExhausted);
  EXPECT_EQ(ErrnoError(EIO, "x").code(), Code::kInternal);
}

TEST(StatusTest, FormatBuilders) {
  EXPECT_EQ(InvalidError("{}: {}", "a", 3).message(), "a: 3");
  EXPECT_EQ(NotFoundError("pod {}", "x").code(), Code::kNotFound);
  EXPECT_EQ(Error(Code::kConflict, "c").code(), Code::kConflict);
}

Result<int> Half(int v) {
  if (v % 2) return InvalidError("{} is odd", v);
  return v / 2;
}

Result<int> Quarter(int v) {
  ASSIGN_OR_RETURN(int h, Half(v));
  ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

Status CheckEven(int v) {
  RETURN_IF_ERROR(Half(v).status());
  return {};
}

TEST(ResultTest, ValueAndErrorPropagation) {
  auto r = Quarter(8);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 2);
  auto bad = Quarter(6);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "3 is odd");
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_EQ(CheckEven(5).code(), Code::kInvalid);
}

TEST(ResultTest, OkStatusBecomesInternalError) {
  Result<int> r{Status()};
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInternal);
}

}  // namespace
}  // namespace cubelet::base

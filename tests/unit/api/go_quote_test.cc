// api::GoQuote against Go's strconv.Quote.
#include <string>

#include <gtest/gtest.h>

#include "api/field_errors.h"

namespace cubelet::api {
namespace {

TEST(GoQuoteTest, MatchesStrconvQuote) {
  EXPECT_EQ(GoQuote("plain"), "\"plain\"");
  EXPECT_EQ(GoQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(GoQuote("\a\b\f\n\r\t\v"), "\"\\a\\b\\f\\n\\r\\t\\v\"");
  EXPECT_EQ(GoQuote(std::string("\0\x1b\x7f", 3)), "\"\\x00\\x1b\\x7f\"");
  EXPECT_EQ(GoQuote("h\xc3\xa9llo \xe6\x97\xa5"), "\"h\xc3\xa9llo \xe6\x97\xa5\"");  // printable
  EXPECT_EQ(GoQuote("\xff\xc3"), "\"\\xff\\xc3\"");                  // invalid UTF-8
  EXPECT_EQ(GoQuote("\xed\xa0\x80"), "\"\\xed\\xa0\\x80\"");         // a surrogate
  EXPECT_EQ(GoQuote("\xc2\xa0\xe2\x80\x8b"), "\"\\u00a0\\u200b\"");  // NBSP, zero-width space
  EXPECT_EQ(GoQuote("\xf3\xb0\x80\x80"), "\"\\U000f0000\"");         // private use plane
  EXPECT_EQ(GoQuote("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"");    // an emoji is printable
}

}  // namespace
}  // namespace cubelet::api

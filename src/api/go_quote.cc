// Go's %q (strconv.Quote), shared by every message that quotes a name, a command or a value
// the way Kubernetes prints it: valid printable UTF-8 kept, the rest escaped.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "api/field_errors.h"

namespace cubelet::api {
namespace {

// Go's utf8.DecodeRuneInString: the rune at `i` and its length, or -1 (length 1) when the
// bytes are not valid UTF-8 (overlong forms and surrogates included).
std::pair<int32_t, size_t> DecodeRune(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return {c, 1};
  size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (n == 0 || c > 0xF4 || i + n > s.size()) return {-1, 1};
  int32_t r = c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return {-1, 1};
    r = (r << 6) | (b(i + k) & 0x3F);
  }
  static constexpr int32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (r < kMin[n] || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) return {-1, 1};
  return {r, n};
}

// Non-ASCII characters strconv.IsPrint rejects (categories other than L, M, N, P, S), as far
// as they show up in practice.
bool IsPrintNonAscii(int32_t r) {
  struct Range {
    int32_t lo, hi;
  };
  static constexpr Range kUnprintable[] = {
      {0x80, 0xA0},     {0xAD, 0xAD},       {0x600, 0x605},     {0x61C, 0x61C},   {0x6DD, 0x6DD},
      {0x70F, 0x70F},   {0x180E, 0x180E},   {0x1680, 0x1680},   {0x2000, 0x200F}, {0x2028, 0x202F},
      {0x205F, 0x206F}, {0x3000, 0x3000},   {0xE000, 0xF8FF},   {0xFEFF, 0xFEFF}, {0xFFF9, 0xFFFB},
      {0xFFFE, 0xFFFF}, {0xE0000, 0xE007F}, {0xF0000, 0x10FFFF}};
  for (const Range& range : kUnprintable) {
    if (r >= range.lo && r <= range.hi) return false;
  }
  return true;
}

}  // namespace

std::string GoQuote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    auto [r, len] = DecodeRune(s, i);
    if (r < 0) {  // invalid UTF-8: the byte in hex
      unsigned char b = static_cast<unsigned char>(s[i]);
      out += {'\\', 'x', kHex[b >> 4], kHex[b & 0xF]};
    } else if (r == '"' || r == '\\') {
      out += {'\\', static_cast<char>(r)};
    } else if ((r >= ' ' && r < 0x7F) || (r >= 0x80 && IsPrintNonAscii(r))) {
      out.append(s.substr(i, len));
    } else if (r == '\a' || r == '\b' || r == '\f' || r == '\n' || r == '\r' || r == '\t' ||
               r == '\v') {
      static constexpr std::string_view kLetters = "abtnvfr";  // '\a' (7) .. '\r' (13)
      out += {'\\', kLetters[r - '\a']};
    } else if (r < ' ' || r == 0x7F) {
      out += {'\\', 'x', kHex[r >> 4], kHex[r & 0xF]};
    } else if (r < 0x10000) {
      out += fmt::format("\\u{:04x}", r);
    } else {
      out += fmt::format("\\U{:08x}", r);
    }
    i += len;
  }
  out += '"';
  return out;
}

}  // namespace cubelet::api

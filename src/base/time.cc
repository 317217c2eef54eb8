#include "base/time.h"

#include <cmath>
#include <cstdint>
#include <limits>

#include <fmt/format.h>

namespace cubelet::base {
namespace {

using std::chrono::days;
using std::chrono::duration_cast;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::sys_days;
using std::chrono::year_month_day;

bool ReadDigits(std::string_view s, size_t& pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += n;
  out = v;
  return true;
}

bool Expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

std::string FormatRfc3339(TimePoint t, int fraction_digits) {
  const auto day_point = std::chrono::floor<days>(t);
  const year_month_day ymd{sys_days(day_point)};
  const Duration in_day = t - day_point;
  const auto h = duration_cast<hours>(in_day);
  const auto m = duration_cast<minutes>(in_day - h);
  const auto s = duration_cast<seconds>(in_day - h - m);
  const int64_t nanos = (in_day - h - m - s).count();
  std::string out = fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}",
                                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                                static_cast<unsigned>(ymd.day()), h.count(), m.count(), s.count());
  if (fraction_digits > 0) {
    if (fraction_digits > 9) fraction_digits = 9;
    int64_t frac = nanos;
    for (int i = fraction_digits; i < 9; ++i) frac /= 10;
    out += fmt::format(".{:0{}d}", frac, fraction_digits);
  }
  out += 'Z';
  return out;
}

Result<TimePoint> ParseRfc3339(std::string_view text) {
  auto bad = [&] {
    return InvalidError("parsing time \"{}\" as \"2006-01-02T15:04:05Z07:00\": cannot parse", text);
  };
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, pos, 4, year) || !Expect(text, pos, '-') ||
      !ReadDigits(text, pos, 2, month) || !Expect(text, pos, '-') ||
      !ReadDigits(text, pos, 2, day)) {
    return bad();
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't')) return bad();
  ++pos;
  if (!ReadDigits(text, pos, 2, hour) || !Expect(text, pos, ':') ||
      !ReadDigits(text, pos, 2, minute) || !Expect(text, pos, ':') ||
      !ReadDigits(text, pos, 2, second)) {
    return bad();
  }
  int64_t nanos = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 9) {
        nanos = nanos * 10 + (text[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    if (digits == 0) return bad();
    for (int i = digits; i < 9; ++i) nanos *= 10;
  }
  int offset_minutes = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int oh = 0, om = 0;
    if (!ReadDigits(text, pos, 2, oh) || !Expect(text, pos, ':') || !ReadDigits(text, pos, 2, om)) {
      return bad();
    }
    if (oh > 23 || om > 59) return bad();
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return bad();
  }
  if (pos != text.size()) return bad();
  const year_month_day ymd{std::chrono::year(year),
                           std::chrono::month(static_cast<unsigned>(month)),
                           std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 59) {
    return InvalidError("parsing time \"{}\": value out of range", text);
  }
  TimePoint t = TimePoint(sys_days(ymd).time_since_epoch()) + hours(hour) + minutes(minute) +
                seconds(second) + Duration(nanos);
  return t - minutes(offset_minutes);
}

Result<Duration> ParseGoDuration(std::string_view text) {
  const std::string_view orig = text;
  auto bad = [&] { return InvalidError("time: invalid duration \"{}\"", orig); };
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text == "0") return Duration(0);
  if (text.empty()) return bad();
  long double total = 0;
  while (!text.empty()) {
    size_t i = 0;
    long double value = 0;
    bool any = false;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      value = value * 10 + (text[i] - '0');
      ++i;
      any = true;
    }
    if (i < text.size() && text[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        value += (text[i] - '0') * scale;
        scale /= 10;
        ++i;
        any = true;
      }
    }
    if (!any) return bad();
    text.remove_prefix(i);
    size_t u = 0;
    while (u < text.size() && !(text[u] >= '0' && text[u] <= '9') && text[u] != '.') ++u;
    const std::string_view unit = text.substr(0, u);
    text.remove_prefix(u);
    long double mult = 0;
    if (unit == "ns") {
      mult = 1;
    } else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") {
      mult = 1e3L;
    } else if (unit == "ms") {
      mult = 1e6L;
    } else if (unit == "s") {
      mult = 1e9L;
    } else if (unit == "m") {
      mult = 60e9L;
    } else if (unit == "h") {
      mult = 3600e9L;
    } else if (unit.empty()) {
      return InvalidError("time: missing unit in duration \"{}\"", orig);
    } else {
      return InvalidError("time: unknown unit \"{}\" in duration \"{}\"", unit, orig);
    }
    total += value * mult;
    if (total > static_cast<long double>(std::numeric_limits<int64_t>::max())) return bad();
  }
  const auto nanos = static_cast<int64_t>(std::llroundl(total));
  return Duration(negative ? -nanos : nanos);
}

std::string FormatGoDuration(Duration d) {
  int64_t n = d.count();
  if (n == 0) return "0s";
  std::string sign;
  // Work in unsigned space so the most negative value does not overflow.
  uint64_t u = n < 0 ? static_cast<uint64_t>(-(n + 1)) + 1 : static_cast<uint64_t>(n);
  if (n < 0) sign = "-";
  auto frac = [](uint64_t v, int digits) {
    // v holds `digits` fractional digits; print without trailing zeros.
    std::string s = fmt::format("{:0{}d}", v, digits);
    while (!s.empty() && s.back() == '0') s.pop_back();
    return s.empty() ? std::string() : "." + s;
  };
  if (u < 1000) return fmt::format("{}{}ns", sign, u);
  if (u < 1000000) return fmt::format("{}{}{}\xC2\xB5s", sign, u / 1000, frac(u % 1000, 3));
  if (u < 1000000000) return fmt::format("{}{}{}ms", sign, u / 1000000, frac(u % 1000000, 6));
  const uint64_t secs = u / 1000000000;
  const std::string s_part = fmt::format("{}{}s", secs % 60, frac(u % 1000000000, 9));
  if (secs < 60) return sign + s_part;
  const uint64_t mins = secs / 60;
  if (mins < 60) return fmt::format("{}{}m{}", sign, mins, s_part);
  return fmt::format("{}{}h{}m{}", sign, mins / 60, mins % 60, s_part);
}

std::string HumanDuration(Duration d) {
  const int64_t secs = duration_cast<seconds>(d).count();
  if (secs < -1) return "<invalid>";
  if (secs < 0) return "0s";
  if (secs < 60 * 2) return fmt::format("{}s", secs);
  const int64_t mins = secs / 60;
  if (mins < 10) {
    const int64_t s = secs % 60;
    return s == 0 ? fmt::format("{}m", mins) : fmt::format("{}m{}s", mins, s);
  }
  if (mins < 60 * 3) return fmt::format("{}m", mins);
  const int64_t hrs = mins / 60;
  if (hrs < 8) {
    const int64_t m = mins % 60;
    return m == 0 ? fmt::format("{}h", hrs) : fmt::format("{}h{}m", hrs, m);
  }
  if (hrs < 48) return fmt::format("{}h", hrs);
  if (hrs < 24 * 8) {
    const int64_t h = hrs % 24;
    return h == 0 ? fmt::format("{}d", hrs / 24) : fmt::format("{}d{}h", hrs / 24, h);
  }
  if (hrs < 24 * 365 * 2) return fmt::format("{}d", hrs / 24);
  if (hrs < 24 * 365 * 8) {
    const int64_t dy = (hrs / 24) % 365;
    return dy == 0 ? fmt::format("{}y", hrs / 24 / 365) : fmt::format("{}y{}d", hrs / 24 / 365, dy);
  }
  return fmt::format("{}y", hrs / 24 / 365);
}

}  // namespace cubelet::base

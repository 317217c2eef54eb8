#include <cstdlib>

#include <fmt/format.h>

#include "api/types/values.h"

namespace cubelet::api {
namespace {

using Int128 = __int128;

constexpr Int128 kNano = 1000000000;
// 10^30 nano = 10^21 units, beyond "8Ei" and anything a resource list holds; bounding keeps
// the 128-bit arithmetic exact. Value()/MilliValue() saturate at the int64 range.
constexpr Int128 kMaxNano = static_cast<Int128>(1000000000000000LL) * 1000000000000000LL;

constexpr std::string_view kFormatError =
    "quantities must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

std::string Int128ToString(Int128 v) {
  if (v == 0) return "0";
  const bool neg = v < 0;
  if (neg) v = -v;
  std::string s;
  while (v > 0) {
    s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  return neg ? "-" + s : s;
}

Int128 Pow10(int e) {
  Int128 r = 1;
  for (int i = 0; i < e; ++i) r *= 10;
  return r;
}

// m * 10^e == nano * 10^-9 with m free of trailing zeros, then e lowered to a multiple of 3
// (and capped at 18, the largest SI suffix).
void CanonicalMantissa(Int128 nano, Int128* m, int* e) {
  Int128 mant = nano;
  int exp = -9;
  while (mant % 10 == 0) {
    mant /= 10;
    ++exp;
  }
  while (((exp % 3) + 3) % 3 != 0) {
    mant *= 10;
    --exp;
  }
  if (exp > 18) {
    mant *= Pow10(exp - 18);
    exp = 18;
  }
  *m = mant;
  *e = exp;
}

std::string_view DecimalSuffix(int e) {
  switch (e) {
    case -9:
      return "n";
    case -6:
      return "u";
    case -3:
      return "m";
    case 3:
      return "k";
    case 6:
      return "M";
    case 9:
      return "G";
    case 12:
      return "T";
    case 15:
      return "P";
    case 18:
      return "E";
    default:
      return "";
  }
}

}  // namespace

base::Result<Quantity> Quantity::Parse(std::string_view text) {
  const std::string_view orig = text;
  auto wrong = [&] { return base::InvalidError("{}", kFormatError); };
  if (text.empty())
    return base::InvalidError("quantities must be non-empty");  // k8s ErrFormatWrong
  bool negative = false;
  if (text[0] == '+' || text[0] == '-') {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  // Digits with at most one '.'.
  Int128 digits = 0;
  int frac_digits = 0;
  int significant = 0;
  bool seen_dot = false, any_digit = false;
  size_t i = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.') {
      if (seen_dot) return wrong();
      seen_dot = true;
      continue;
    }
    if (c < '0' || c > '9') break;
    any_digit = true;
    // Keep at most 36 significant digits; further fraction digits only matter for rounding up.
    if (significant < 36) {
      digits = digits * 10 + (c - '0');
      if (digits != 0) ++significant;
      if (seen_dot) ++frac_digits;
    } else if (!seen_dot) {
      return base::InvalidError("quantity {} is too large", orig);
    } else if (c != '0') {
      // A non-zero digit beyond the kept precision: nudge so the value rounds up below.
      digits = digits * 10 + 1;
      ++frac_digits;
      significant = 37;
    }
  }
  if (!any_digit) return wrong();
  const std::string_view suffix = text.substr(i);
  Format format = Format::kDecimalSI;
  int exp10 = 0;  // decimal exponent from the suffix
  int exp2 = 0;   // binary exponent from the suffix
  if (suffix.empty()) {
  } else if (suffix == "n") {
    exp10 = -9;
  } else if (suffix == "u") {
    exp10 = -6;
  } else if (suffix == "m") {
    exp10 = -3;
  } else if (suffix == "k") {
    exp10 = 3;
  } else if (suffix == "M") {
    exp10 = 6;
  } else if (suffix == "G") {
    exp10 = 9;
  } else if (suffix == "T") {
    exp10 = 12;
  } else if (suffix == "P") {
    exp10 = 15;
  } else if (suffix == "E") {
    exp10 = 18;
  } else if (suffix.find_first_not_of("eEinumkKMGTP+-0123456789") != std::string_view::npos) {
    return wrong();
  } else if (suffix.size() == 2 && suffix[1] == 'i') {
    format = Format::kBinarySI;
    switch (suffix[0]) {
      case 'K':
        exp2 = 10;
        break;
      case 'M':
        exp2 = 20;
        break;
      case 'G':
        exp2 = 30;
        break;
      case 'T':
        exp2 = 40;
        break;
      case 'P':
        exp2 = 50;
        break;
      case 'E':
        exp2 = 60;
        break;
      default:
        return base::InvalidError("unable to parse quantity's suffix");
    }
  } else if (suffix[0] == 'e' || suffix[0] == 'E') {
    format = Format::kDecimalExponent;
    std::string_view num = suffix.substr(1);
    bool eneg = false;
    if (!num.empty() && (num[0] == '+' || num[0] == '-')) {
      eneg = num[0] == '-';
      num.remove_prefix(1);
    }
    if (num.empty() || num.size() > 3)
      return base::InvalidError("unable to parse quantity's suffix");
    int v = 0;
    for (char c : num) {
      if (c < '0' || c > '9') return wrong();
      v = v * 10 + (c - '0');
    }
    exp10 = eneg ? -v : v;
  } else {
    return base::InvalidError("unable to parse quantity's suffix");
  }

  // value = digits * 10^(exp10 - frac_digits) * 2^exp2, in nano units (×10^9), rounded up.
  int scale = exp10 - frac_digits + 9;
  Int128 nano = digits;
  // Keeps the intermediate products inside 128 bits; the real limit is checked at the end.
  const Int128 big = Pow10(37);
  const Int128 limit = kMaxNano;
  auto too_large = [&] { return base::InvalidError("quantity {} is too large", orig); };
  for (int k = 0; k < exp2; ++k) {
    nano *= 2;
    if (nano > big) return too_large();
  }
  if (scale >= 0) {
    for (int k = 0; k < scale; ++k) {
      nano *= 10;
      if (nano > big) return too_large();
    }
  } else {
    bool remainder = false;
    for (int k = 0; k < -scale && nano != 0; ++k) {
      if (nano % 10 != 0) remainder = true;
      nano /= 10;
    }
    if (remainder) nano += 1;  // round up (away from zero) to the next nano
  }
  if (nano > limit) return too_large();
  Quantity q;
  q.nano_ = negative ? -nano : nano;
  q.format_ = format;
  return q;
}

Quantity Quantity::FromMilli(int64_t milli) {
  Quantity q;
  q.nano_ = static_cast<Int128>(milli) * 1000000;
  return q;
}

Quantity Quantity::FromUnits(int64_t units, Format format) {
  Quantity q;
  q.nano_ = static_cast<Int128>(units) * kNano;
  q.format_ = format;
  return q;
}

namespace {
int64_t Saturate(Int128 v) {
  if (v > INT64_MAX) return INT64_MAX;
  if (v < INT64_MIN) return INT64_MIN;
  return static_cast<int64_t>(v);
}
}  // namespace

int64_t Quantity::Value() const {
  Int128 v = nano_ / kNano;
  if (nano_ % kNano > 0) ++v;
  return Saturate(v);
}

int64_t Quantity::MilliValue() const {
  Int128 v = nano_ / 1000000;
  if (nano_ % 1000000 > 0) ++v;
  return Saturate(v);
}

std::string Quantity::ToString() const {
  if (nano_ == 0) return "0";
  const bool neg = nano_ < 0;
  const Int128 abs = neg ? -nano_ : nano_;
  Format format = format_;
  if (format == Format::kBinarySI) {
    // Small or fractional binary quantities print as decimal to avoid rounding.
    if (abs < 1024 * kNano || abs % kNano != 0) format = Format::kDecimalSI;
  }
  if (format == Format::kBinarySI) {
    Int128 units = abs / kNano;
    int exp = 0;
    while (exp < 60 && units % 1024 == 0) {
      units /= 1024;
      exp += 10;
    }
    static constexpr std::string_view kBinary[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    return (neg ? "-" : "") + Int128ToString(units) + std::string(kBinary[exp / 10]);
  }
  Int128 m = 0;
  int e = 0;
  CanonicalMantissa(abs, &m, &e);
  std::string number = (neg ? "-" : "") + Int128ToString(m);
  if (format == Format::kDecimalExponent) {
    return e == 0 ? number : fmt::format("{}e{}", number, e);
  }
  return number + std::string(DecimalSuffix(e));
}

}  // namespace cubelet::api

// Value types of the Kubernetes API with their own wire formats: Quantity ("500m", "64Mi"),
// IntOrString (80 or "http"), Time/MicroTime (RFC 3339, null when unset), Bytes (base64) and
// RawJson (a subtree cubelet stores and returns without interpreting, e.g. affinity).
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/status.h"

namespace cubelet::api {

// JSON with keys kept in insertion order, so objects encode in Kubernetes' field order.
using Json = nlohmann::ordered_json;

// resource.Quantity: a decimal number with a suffix, exact to 1e-9 (values with more precision
// are rounded up, as Kubernetes does). Serialized in Kubernetes' canonical form: "1.5" becomes
// "1500m", "1.5Gi" becomes "1536Mi", "1000" becomes "1k".
class Quantity {
 public:
  enum class Format { kDecimalSI, kBinarySI, kDecimalExponent };

  Quantity() = default;
  static base::Result<Quantity> Parse(std::string_view text);
  static Quantity FromMilli(int64_t milli);
  static Quantity FromUnits(int64_t units, Format format = Format::kDecimalSI);

  std::string ToString() const;  // canonical form
  // Whole units rounded up (Kubernetes Value()), and thousandths rounded up (MilliValue()).
  int64_t Value() const;
  int64_t MilliValue() const;
  bool IsZero() const { return nano_ == 0; }
  bool IsNegative() const { return nano_ < 0; }
  Format format() const { return format_; }

  // Equality is numeric plus format, so a decode/encode round trip is exact.
  bool operator==(const Quantity&) const = default;
  // Numeric comparison (format ignored).
  int Compare(const Quantity& other) const {
    return nano_ < other.nano_ ? -1 : (nano_ > other.nano_ ? 1 : 0);
  }

 private:
  __int128 nano_ = 0;
  Format format_ = Format::kDecimalSI;
};

// intstr.IntOrString.
struct IntOrString {
  bool is_string = false;
  int32_t int_val = 0;
  std::string str_val;

  static IntOrString Int(int32_t v) { return IntOrString{false, v, {}}; }
  static IntOrString Str(std::string s) { return IntOrString{true, 0, std::move(s)}; }
  std::string ToString() const { return is_string ? str_val : std::to_string(int_val); }
  bool operator==(const IntOrString&) const = default;
};

// metav1.Time (second precision) and metav1.MicroTime (microseconds). The zero value means
// "unset" and encodes as null, as Kubernetes does ("creationTimestamp: null").
template <int kDigits>
struct BasicTime {
  base::TimePoint value{};
  bool set = false;

  static BasicTime At(base::TimePoint t) {
    using std::chrono::duration_cast;
    BasicTime bt;
    if constexpr (kDigits == 0) {
      bt.value = std::chrono::floor<std::chrono::seconds>(t);
    } else {
      bt.value = std::chrono::floor<std::chrono::microseconds>(t);
    }
    bt.set = true;
    return bt;
  }
  bool IsZero() const { return !set; }
  bool operator==(const BasicTime&) const = default;
};
using Time = BasicTime<0>;
using MicroTime = BasicTime<6>;

// []byte, base64 on the wire (Secret.data, ConfigMap.binaryData).
struct Bytes {
  std::string data;
  bool operator==(const Bytes&) const = default;
};

// JSON equality that ignores the order of object keys (ordered_json's own == does not).
bool JsonEqual(const Json& a, const Json& b);

// A JSON subtree kept verbatim.
struct RawJson {
  Json value;
  bool operator==(const RawJson& o) const { return JsonEqual(value, o.value); }
};

}  // namespace cubelet::api

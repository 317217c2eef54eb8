#include "api/codec.h"

#include <cmath>

namespace cubelet::api {

bool JsonEqual(const Json& a, const Json& b) {
  if (a.is_object() && b.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto other = b.find(it.key());
      if (other == b.end() || !JsonEqual(it.value(), *other)) return false;
    }
    return true;
  }
  if (a.is_array() && b.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!JsonEqual(a[i], b[i])) return false;
    }
    return true;
  }
  return a == b;
}

}  // namespace cubelet::api

namespace cubelet::api::codec {

std::string JsonTypeName(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::string:
      return "string";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "integer";
    case Json::value_t::number_float:
      return "number";
    case Json::value_t::object:
      return "object";
    case Json::value_t::array:
      return "array";
    default:
      return "value";
  }
}

std::string RenderValue(const Json& j) {
  if (j.is_string()) return GoQuote(j.get_ref<const std::string&>());
  if (j.is_object() || j.is_array() || j.is_null()) return JsonTypeName(j);
  return j.dump();
}

void DecodeInto(const Json& j, const FieldPath& path, std::string& out, FieldErrors& errs) {
  if (j.is_null()) return;
  if (!j.is_string()) return TypeError(j, path, "string", errs);
  out = j.get<std::string>();
}

void DecodeInto(const Json& j, const FieldPath& path, bool& out, FieldErrors& errs) {
  if (j.is_null()) return;
  if (!j.is_boolean()) return TypeError(j, path, "boolean", errs);
  out = j.get<bool>();
}

namespace {

template <class Int>
void DecodeInt(const Json& j, const FieldPath& path, Int& out, FieldErrors& errs) {
  if (j.is_null()) return;
  if (j.is_number_unsigned()) {
    const uint64_t v = j.get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<Int>::max())) {
      errs.push_back(TypeInvalid(path, j.dump(), "value out of range"));
      return;
    }
    out = static_cast<Int>(v);
    return;
  }
  if (j.is_number_integer()) {
    const int64_t v = j.get<int64_t>();
    if (v < std::numeric_limits<Int>::min() || v > std::numeric_limits<Int>::max()) {
      errs.push_back(TypeInvalid(path, j.dump(), "value out of range"));
      return;
    }
    out = static_cast<Int>(v);
    return;
  }
  TypeError(j, path, "integer", errs);
}

}  // namespace

void DecodeInto(const Json& j, const FieldPath& path, int32_t& out, FieldErrors& errs) {
  DecodeInt(j, path, out, errs);
}

void DecodeInto(const Json& j, const FieldPath& path, int64_t& out, FieldErrors& errs) {
  DecodeInt(j, path, out, errs);
}

void DecodeInto(const Json& j, const FieldPath& path, double& out, FieldErrors& errs) {
  if (j.is_null()) return;
  if (!j.is_number()) return TypeError(j, path, "number", errs);
  out = j.get<double>();
}

void DecodeInto(const Json& j, const FieldPath& path, Quantity& out, FieldErrors& errs) {
  if (j.is_null()) return;
  std::string text;
  if (j.is_string()) {
    text = j.get<std::string>();
  } else if (j.is_number()) {
    text = j.dump();
  } else {
    return TypeError(j, path, "quantity (string or number)", errs);
  }
  auto q = Quantity::Parse(text);
  if (!q.ok()) {
    errs.push_back(Invalid(path, text, q.status().message()));
    return;
  }
  out = *q;
}

void DecodeInto(const Json& j, const FieldPath& path, IntOrString& out, FieldErrors& errs) {
  if (j.is_null()) return;
  if (j.is_string()) {
    out = IntOrString::Str(j.get<std::string>());
    return;
  }
  int32_t v = 0;
  if (!j.is_number_integer()) return TypeError(j, path, "integer or string", errs);
  const size_t before = errs.size();
  DecodeInt(j, path, v, errs);
  if (errs.size() == before) out = IntOrString::Int(v);
}

void DecodeInto(const Json& j, const FieldPath& path, Bytes& out, FieldErrors& errs) {
  if (j.is_null()) return;
  if (!j.is_string()) return TypeError(j, path, "base64 string", errs);
  auto decoded = base::Base64Decode(j.get_ref<const std::string&>());
  if (!decoded.ok()) {
    errs.push_back(Invalid(path, j.get_ref<const std::string&>(), decoded.status().message()));
    return;
  }
  out.data = std::move(*decoded);
}

void DecodeInto(const Json& j, const FieldPath& /*path*/, RawJson& out, FieldErrors& /*errs*/) {
  out.value = j;
}

void DecodeTime(const Json& j, const FieldPath& path, base::TimePoint& out, bool& set, bool micro,
                FieldErrors& errs) {
  if (j.is_null()) {
    set = false;
    return;
  }
  if (!j.is_string()) return TypeError(j, path, "RFC 3339 time string", errs);
  const std::string& text = j.get_ref<const std::string&>();
  if (text.empty()) {
    set = false;
    return;
  }
  auto t = base::ParseRfc3339(text);
  if (!t.ok()) {
    errs.push_back(Invalid(path, text, t.status().message()));
    return;
  }
  // Truncate to the precision the type serializes, so decode/encode round trips are exact.
  if (micro) {
    out = std::chrono::floor<std::chrono::microseconds>(*t);
  } else {
    out = std::chrono::floor<std::chrono::seconds>(*t);
  }
  set = true;
}

}  // namespace cubelet::api::codec

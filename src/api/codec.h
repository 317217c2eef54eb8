// The field-driven JSON codec (private to src/api). Every API struct lists its fields once in
// `Fields(v, self)`; ObjectDecoder and ObjectEncoder are the two visitors that walk that list.
//
// Decoding is strict like the API server's: a key the type does not declare is an
// "unknown field" error, a value of the wrong JSON type is an error naming the field path, and
// decoding goes on after an error so that every problem of an object is reported at once.
// JSON null leaves a field at its zero value (an optional becomes empty), as Go does.
//
// Encoding follows Go's encoding/json with the Kubernetes struct tags: fields come out in
// declaration order, empty fields are omitted unless marked kAlways, structs are never omitted,
// and an unset Time encodes as null.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "api/field_errors.h"
#include "api/field_path.h"
#include "api/types/values.h"
#include "base/encoding.h"
#include "base/time.h"

namespace cubelet::api::codec {

struct FieldProbe {
  template <class T>
  void operator()(std::string_view /*key*/, T& /*field*/, unsigned /*flags*/ = 0) {}
};

template <class T>
concept Struct = requires(FieldProbe& p, T& t) {
  T::Fields(p, t);
};

// How a JSON value is described in a type error.
std::string JsonTypeName(const Json& j);
// A scalar JSON value rendered the way Kubernetes prints a bad value ("\"abc\"", 42, true);
// objects and arrays as their type name.
std::string RenderValue(const Json& j);

inline void TypeError(const Json& j, const FieldPath& path, std::string_view want,
                      FieldErrors& errs) {
  errs.push_back(TypeInvalid(path, RenderValue(j),
                             "expected " + std::string(want) + ", got " + JsonTypeName(j)));
}

// ---- decoding ------------------------------------------------------------------------------

void DecodeInto(const Json& j, const FieldPath& path, std::string& out, FieldErrors& errs);
void DecodeInto(const Json& j, const FieldPath& path, bool& out, FieldErrors& errs);
void DecodeInto(const Json& j, const FieldPath& path, int32_t& out, FieldErrors& errs);
void DecodeInto(const Json& j, const FieldPath& path, int64_t& out, FieldErrors& errs);
void DecodeInto(const Json& j, const FieldPath& path, double& out, FieldErrors& errs);
void DecodeInto(const Json& j, const FieldPath& path, Quantity& out, FieldErrors& errs);
void DecodeInto(const Json& j, const FieldPath& path, IntOrString& out, FieldErrors& errs);
void DecodeInto(const Json& j, const FieldPath& path, Bytes& out, FieldErrors& errs);
void DecodeInto(const Json& j, const FieldPath& path, RawJson& out, FieldErrors& errs);
void DecodeTime(const Json& j, const FieldPath& path, base::TimePoint& out, bool& set, bool micro,
                FieldErrors& errs);
template <int D>
void DecodeInto(const Json& j, const FieldPath& path, BasicTime<D>& out, FieldErrors& errs) {
  DecodeTime(j, path, out.value, out.set, D > 0, errs);
}
template <class T>
void DecodeInto(const Json& j, const FieldPath& path, std::optional<T>& out, FieldErrors& errs);
template <class T>
void DecodeInto(const Json& j, const FieldPath& path, std::vector<T>& out, FieldErrors& errs);
template <class T>
void DecodeInto(const Json& j, const FieldPath& path, std::map<std::string, T>& out,
                FieldErrors& errs);
template <Struct T>
void DecodeInto(const Json& j, const FieldPath& path, T& out, FieldErrors& errs);

class ObjectDecoder {
 public:
  ObjectDecoder(const Json& obj, const FieldPath& path, FieldErrors& errs)
      : obj_(obj), path_(path), errs_(errs) {}

  template <class T>
  void operator()(std::string_view key, T& field, unsigned /*flags*/ = 0) {
    declared_.push_back(key);
    auto it = obj_.find(key);
    if (it == obj_.end()) return;
    DecodeInto(*it, path_.Child(key), field, errs_);
  }

  // Reports every key of the object that no Fields() entry declared.
  void ReportUnknown() {
    for (auto it = obj_.begin(); it != obj_.end(); ++it) {
      bool known = false;
      for (std::string_view d : declared_) {
        if (d == it.key()) {
          known = true;
          break;
        }
      }
      if (!known) errs_.push_back(UnknownField(path_.Child(it.key())));
    }
  }

 private:
  const Json& obj_;
  const FieldPath& path_;
  FieldErrors& errs_;
  std::vector<std::string_view> declared_;
};

template <class T>
void DecodeInto(const Json& j, const FieldPath& path, std::optional<T>& out, FieldErrors& errs) {
  if (j.is_null()) {
    out.reset();
    return;
  }
  T value{};
  DecodeInto(j, path, value, errs);
  out = std::move(value);
}

template <class T>
void DecodeInto(const Json& j, const FieldPath& path, std::vector<T>& out, FieldErrors& errs) {
  if (j.is_null()) return;
  if (!j.is_array()) return TypeError(j, path, "array", errs);
  out.clear();
  out.reserve(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    T item{};
    DecodeInto(j[i], path.Index(i), item, errs);
    out.push_back(std::move(item));
  }
}

template <class T>
void DecodeInto(const Json& j, const FieldPath& path, std::map<std::string, T>& out,
                FieldErrors& errs) {
  if (j.is_null()) return;
  if (!j.is_object()) return TypeError(j, path, "object", errs);
  out.clear();
  for (auto it = j.begin(); it != j.end(); ++it) {
    T item{};
    DecodeInto(it.value(), path.Key(it.key()), item, errs);
    out.emplace(it.key(), std::move(item));
  }
}

template <Struct T>
void DecodeInto(const Json& j, const FieldPath& path, T& out, FieldErrors& errs) {
  if (j.is_null()) return;
  if (!j.is_object()) return TypeError(j, path, "object", errs);
  ObjectDecoder dec(j, path, errs);
  T::Fields(dec, out);
  dec.ReportUnknown();
}

// ---- encoding ------------------------------------------------------------------------------

inline Json Encode(const std::string& v) { return v; }
inline Json Encode(bool v) { return v; }
inline Json Encode(int32_t v) { return v; }
inline Json Encode(int64_t v) { return v; }
inline Json Encode(double v) { return v; }
inline Json Encode(const Quantity& v) { return v.ToString(); }
inline Json Encode(const IntOrString& v) { return v.is_string ? Json(v.str_val) : Json(v.int_val); }
inline Json Encode(const Bytes& v) { return base::Base64Encode(v.data); }
inline Json Encode(const RawJson& v) { return v.value; }
template <int D>
Json Encode(const BasicTime<D>& v) {
  return v.set ? Json(base::FormatRfc3339(v.value, D)) : Json(nullptr);
}
template <class T>
Json Encode(const std::optional<T>& v);
template <class T>
Json Encode(const std::vector<T>& v);
template <class T>
Json Encode(const std::map<std::string, T>& v);
template <Struct T>
Json Encode(const T& v);

// Go's omitempty: false, 0, "", nil pointer, empty slice or map. Structs are never empty.
inline bool IsEmpty(const std::string& v) { return v.empty(); }
inline bool IsEmpty(bool v) { return !v; }
inline bool IsEmpty(int32_t v) { return v == 0; }
inline bool IsEmpty(int64_t v) { return v == 0; }
inline bool IsEmpty(double v) { return v == 0; }
inline bool IsEmpty(const Bytes& v) { return v.data.empty(); }
inline bool IsEmpty(const RawJson& v) { return v.value.is_null(); }
template <class T>
bool IsEmpty(const std::optional<T>& v) {
  return !v.has_value();
}
template <class T>
bool IsEmpty(const std::vector<T>& v) {
  return v.empty();
}
template <class T>
bool IsEmpty(const std::map<std::string, T>& v) {
  return v.empty();
}
template <class T>
bool IsEmpty(const T& /*struct or value type*/) {
  return false;
}

class ObjectEncoder {
 public:
  explicit ObjectEncoder(Json& out) : out_(out) {}
  template <class T>
  void operator()(std::string_view key, const T& field, unsigned flags = 0) {
    if (!(flags & 1u) && IsEmpty(field)) return;
    out_[std::string(key)] = Encode(field);
  }

 private:
  Json& out_;
};

template <class T>
Json Encode(const std::optional<T>& v) {
  return v ? Encode(*v) : Json(nullptr);
}
template <class T>
Json Encode(const std::vector<T>& v) {
  Json arr = Json::array();
  for (const T& item : v) arr.push_back(Encode(item));
  return arr;
}
template <class T>
Json Encode(const std::map<std::string, T>& v) {
  Json obj = Json::object();
  for (const auto& [k, item] : v) obj[k] = Encode(item);
  return obj;
}
template <Struct T>
Json Encode(const T& v) {
  Json obj = Json::object();
  ObjectEncoder enc(obj);
  T::Fields(enc, v);
  return obj;
}

}  // namespace cubelet::api::codec

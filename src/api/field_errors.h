// FieldError: one problem with one field of an API object, with Kubernetes' error types and
// message texts (k8s.io/apimachinery/pkg/util/validation/field), e.g.
//   spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values:
//   "Always", "IfNotPresent", "Never"
// Decoding (unknown field, wrong type) and validation both produce FieldErrors, and every
// error of an object is reported at once.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/field_path.h"
#include "base/status.h"

namespace cubelet::api {

enum class FieldErrorType {
  kRequired,
  kInvalid,
  kNotSupported,
  kDuplicate,
  kForbidden,
  kTooLong,
  kTooMany,
  kNotFound,
  kTypeInvalid,   // decoding: a value of the wrong JSON type
  kUnknownField,  // decoding: a field the type does not have (strict decoding)
};

struct FieldError {
  FieldErrorType type;
  std::string field;
  // The offending value, already rendered as Kubernetes prints it ("\"abc\"" for strings,
  // 42 for numbers); empty when the error shows no value.
  std::optional<std::string> value;
  std::string detail;

  // "spec.containers[0].image: Required value", or for kUnknownField
  // `unknown field "spec.containers[0].imagee"`.
  std::string ToString() const;
  // Kubernetes' StatusCause reason: "FieldValueRequired", "FieldValueInvalid", ...
  std::string Reason() const;
  // The message without the field: "Required value", "Invalid value: \"x\": detail".
  std::string Body() const;
  bool operator==(const FieldError&) const = default;
};

using FieldErrors = std::vector<FieldError>;

// Go's %q (strconv.Quote): double quotes; printable UTF-8 kept; \a..\r, \xNN, \uNNNN and
// \UNNNNNNNN escapes for the rest (invalid UTF-8 byte by byte as \xNN).
std::string GoQuote(std::string_view s);

FieldError Required(const FieldPath& path, std::string detail = {});
FieldError Invalid(const FieldPath& path, std::string_view value, std::string detail);
FieldError InvalidInt(const FieldPath& path, int64_t value, std::string detail);
// A value rendered by the caller (a list, null, ...).
FieldError InvalidRaw(const FieldPath& path, std::string rendered, std::string detail);
FieldError NotSupported(const FieldPath& path, std::string_view value,
                        std::initializer_list<std::string_view> supported);
FieldError Duplicate(const FieldPath& path, std::string_view value);
FieldError DuplicateInt(const FieldPath& path, int64_t value);
FieldError Forbidden(const FieldPath& path, std::string detail);
FieldError TooLong(const FieldPath& path, size_t max_bytes);
FieldError TooMany(const FieldPath& path, size_t actual, size_t max);
FieldError NotFound(const FieldPath& path, std::string_view value);
FieldError TypeInvalid(const FieldPath& path, std::string rendered, std::string detail);
FieldError UnknownField(const FieldPath& path);

// Kubernetes' aggregate message: `Pod "web" is invalid: spec.containers[0].image: Required
// value` for one error, `... is invalid: [a, b]` for several. The Status has code Invalid and
// one cause per error.
base::Status InvalidObject(std::string_view kind, std::string_view name, const FieldErrors& errs);

}  // namespace cubelet::api

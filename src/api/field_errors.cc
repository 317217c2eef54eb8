#include "api/field_errors.h"

#include <fmt/format.h>

namespace cubelet::api {
namespace {

std::string_view TypeText(FieldErrorType t) {
  switch (t) {
    case FieldErrorType::kRequired:
      return "Required value";
    case FieldErrorType::kInvalid:
      return "Invalid value";
    case FieldErrorType::kNotSupported:
      return "Unsupported value";
    case FieldErrorType::kDuplicate:
      return "Duplicate value";
    case FieldErrorType::kForbidden:
      return "Forbidden";
    case FieldErrorType::kTooLong:
      return "Too long";
    case FieldErrorType::kTooMany:
      return "Too many";
    case FieldErrorType::kNotFound:
      return "Not found";
    case FieldErrorType::kTypeInvalid:
      return "Invalid value";
    case FieldErrorType::kUnknownField:
      return "Unknown field";
  }
  return "Invalid value";
}

FieldError Make(FieldErrorType type, const FieldPath& path, std::optional<std::string> value,
                std::string detail) {
  return FieldError{type, path.str(), std::move(value), std::move(detail)};
}

}  // namespace

std::string FieldError::Body() const {
  std::string s(TypeText(type));
  if (value && type != FieldErrorType::kRequired && type != FieldErrorType::kForbidden &&
      type != FieldErrorType::kTooLong) {
    s += ": ";
    s += *value;
  }
  if (!detail.empty()) {
    s += ": ";
    s += detail;
  }
  return s;
}

std::string FieldError::ToString() const {
  if (type == FieldErrorType::kUnknownField) return fmt::format("unknown field {}", GoQuote(field));
  return fmt::format("{}: {}", field, Body());
}

std::string FieldError::Reason() const {
  switch (type) {
    case FieldErrorType::kRequired:
      return "FieldValueRequired";
    case FieldErrorType::kInvalid:
      return "FieldValueInvalid";
    case FieldErrorType::kNotSupported:
      return "FieldValueNotSupported";
    case FieldErrorType::kDuplicate:
      return "FieldValueDuplicate";
    case FieldErrorType::kForbidden:
      return "FieldValueForbidden";
    case FieldErrorType::kTooLong:
      return "FieldValueTooLong";
    case FieldErrorType::kTooMany:
      return "FieldValueTooMany";
    case FieldErrorType::kNotFound:
      return "FieldValueNotFound";
    case FieldErrorType::kTypeInvalid:
      return "FieldValueTypeInvalid";
    case FieldErrorType::kUnknownField:
      return "FieldValueUnknown";
  }
  return "FieldValueInvalid";
}

FieldError Required(const FieldPath& path, std::string detail) {
  return Make(FieldErrorType::kRequired, path, std::nullopt, std::move(detail));
}
FieldError Invalid(const FieldPath& path, std::string_view value, std::string detail) {
  return Make(FieldErrorType::kInvalid, path, GoQuote(value), std::move(detail));
}
FieldError InvalidInt(const FieldPath& path, int64_t value, std::string detail) {
  return Make(FieldErrorType::kInvalid, path, std::to_string(value), std::move(detail));
}
FieldError InvalidRaw(const FieldPath& path, std::string rendered, std::string detail) {
  return Make(FieldErrorType::kInvalid, path, std::move(rendered), std::move(detail));
}
FieldError NotSupported(const FieldPath& path, std::string_view value,
                        std::initializer_list<std::string_view> supported) {
  std::string detail;
  if (supported.size() > 0) {
    detail = "supported values: ";
    bool first = true;
    for (std::string_view v : supported) {
      if (!first) detail += ", ";
      first = false;
      detail += GoQuote(v);
    }
  }
  return Make(FieldErrorType::kNotSupported, path, GoQuote(value), std::move(detail));
}
FieldError Duplicate(const FieldPath& path, std::string_view value) {
  return Make(FieldErrorType::kDuplicate, path, GoQuote(value), {});
}
FieldError DuplicateInt(const FieldPath& path, int64_t value) {
  return Make(FieldErrorType::kDuplicate, path, std::to_string(value), {});
}
FieldError Forbidden(const FieldPath& path, std::string detail) {
  return Make(FieldErrorType::kForbidden, path, std::nullopt, std::move(detail));
}
FieldError TooLong(const FieldPath& path, size_t max_bytes) {
  return Make(FieldErrorType::kTooLong, path, std::nullopt,
              fmt::format("may not be more than {} bytes", max_bytes));
}
FieldError TooMany(const FieldPath& path, size_t actual, size_t max) {
  return Make(FieldErrorType::kTooMany, path, std::to_string(actual),
              fmt::format("must have at most {} items", max));
}
FieldError NotFound(const FieldPath& path, std::string_view value) {
  return Make(FieldErrorType::kNotFound, path, GoQuote(value), {});
}
FieldError TypeInvalid(const FieldPath& path, std::string rendered, std::string detail) {
  return Make(FieldErrorType::kTypeInvalid, path, std::move(rendered), std::move(detail));
}
FieldError UnknownField(const FieldPath& path) {
  return Make(FieldErrorType::kUnknownField, path, std::nullopt, {});
}

base::Status InvalidObject(std::string_view kind, std::string_view name, const FieldErrors& errs) {
  std::vector<base::StatusCause> causes;
  std::string joined;
  for (const FieldError& e : errs) {
    if (!joined.empty()) joined += ", ";
    joined += e.ToString();
    causes.push_back({e.Reason(), e.Body(), e.field});
  }
  std::string message = errs.size() == 1
                            ? fmt::format("{} {} is invalid: {}", kind, GoQuote(name), joined)
                            : fmt::format("{} {} is invalid: [{}]", kind, GoQuote(name), joined);
  return base::Status(base::Code::kInvalid, std::move(message), 0, std::move(causes));
}

}  // namespace cubelet::api

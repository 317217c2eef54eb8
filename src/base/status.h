// The one error type of cubelet: Status (success or a classified failure) and Result<T>
// (a value or a failed Status).
//
// A failure carries a Code for machines (the API server maps it to an HTTP status and a
// Kubernetes reason), a message for humans (lowercase, naming the file, field, path or image
// involved), the errno captured at the failure site when a syscall failed, and optional
// field-level causes (the Kubernetes Status "details.causes").
//
// OK is a null pointer: cheap to create, copy and test. Both types are [[nodiscard]]; nothing
// in cubelet's APIs throws. Third-party exceptions (yaml-cpp, nlohmann-json) are caught in the
// adapter that calls the library and turned into a Status there.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>

namespace cubelet::base {

enum class Code {
  kOk = 0,
  kInvalid,            // bad input: manifest, request body, flag, reference
  kNotFound,           // the named object, file or image does not exist
  kAlreadyExists,      // create of something that exists
  kConflict,           // optimistic concurrency lost (resourceVersion), or state conflict
  kGone,               // a watch resourceVersion too old to serve
  kUnauthenticated,    // no or bad credentials
  kPermissionDenied,   // credentials valid but not allowed
  kResourceExhausted,  // quota, disk, too many requests
  kUnavailable,        // retryable: registry down, connection dropped
  kTimeout,            // deadline passed
  kCancelled,          // the caller gave up
  kUnimplemented,      // a feature cubelet does not support
  kInternal,           // a bug or an impossible state
};

// Name of a code as written in logs and tests ("Invalid", "NotFound", ...).
std::string_view CodeName(Code code);

// One field-level cause of a failure, as in Kubernetes' StatusCause.
struct StatusCause {
  std::string reason;   // "FieldValueRequired", "FieldValueInvalid", ...
  std::string message;  // "Required value"
  std::string field;    // "spec.containers[0].image"
  bool operator==(const StatusCause&) const = default;
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message, int sys_errno = 0, std::vector<StatusCause> causes = {});

  static Status Ok() { return Status(); }

  bool ok() const { return rep_ == nullptr; }
  Code code() const { return rep_ ? rep_->code : Code::kOk; }
  const std::string& message() const;
  // The errno captured where a syscall failed; 0 when the failure was not a syscall.
  int sys_errno() const { return rep_ ? rep_->sys_errno : 0; }
  const std::vector<StatusCause>& causes() const;

  // A copy whose message is prefixed with "context: ". The code, errno and causes are kept, so
  // the original classification survives propagation.
  Status WithContext(std::string_view context) const;

  // "Invalid: message" or "OK".
  std::string ToString() const;

  bool operator==(const Status& other) const;

 private:
  struct Rep {
    Code code;
    std::string message;
    int sys_errno;
    std::vector<StatusCause> causes;
  };
  std::shared_ptr<const Rep> rep_;
};

// Builders with fmt-style formatting: InvalidError("{}: bad value", path).
template <typename... Args>
Status Error(Code code, fmt::format_string<Args...> format, Args&&... args) {
  return Status(code, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
Status InvalidError(fmt::format_string<Args...> format, Args&&... args) {
  return Status(Code::kInvalid, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
Status NotFoundError(fmt::format_string<Args...> format, Args&&... args) {
  return Status(Code::kNotFound, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
Status InternalError(fmt::format_string<Args...> format, Args&&... args) {
  return Status(Code::kInternal, fmt::format(format, std::forward<Args>(args)...));
}

// A failed syscall: "what: strerror(err)", classified from the errno (ENOENT is NotFound,
// EEXIST AlreadyExists, EACCES/EPERM PermissionDenied, EINVAL Invalid, ...).
Status ErrnoError(int err, std::string_view what);

// Result<T> holds a T or a failed Status. Constructing it from an OK Status is a bug and turns
// into an Internal error rather than an empty value.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status)                      // NOLINT(google-explicit-constructor)
      : v_(status.ok() ? InternalError("result constructed from an ok status")
                       : std::move(status)) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  // The failure, or OK when a value is held.
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  // Precondition for the accessors: ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace cubelet::base

#define CUBELET_CONCAT_INNER(a, b) a##b
#define CUBELET_CONCAT(a, b) CUBELET_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function when `expr` (a Status) failed.
#define RETURN_IF_ERROR(expr)                          \
  do {                                                 \
    ::cubelet::base::Status cubelet_status_ = (expr);  \
    if (!cubelet_status_.ok()) return cubelet_status_; \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, F());` declares x from the value of a Result, or returns its Status.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(CUBELET_CONCAT(cubelet_result_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()

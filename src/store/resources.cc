#include "store/resources.h"

#include <variant>

#include "api/field_errors.h"

namespace cubelet::store {
namespace {

template <size_t I = 0>
api::Object EmptyAlternative(size_t index) {
  if constexpr (I < std::variant_size_v<api::Object>) {
    if (index == I) return api::Object(std::in_place_index<I>);
    return EmptyAlternative<I + 1>(index);
  } else {
    return api::Object();
  }
}

std::string Quoted(std::string_view name) { return api::GoQuote(name); }

}  // namespace

base::Result<const api::KindInfo*> KindForResource(std::string_view resource) {
  for (const api::KindInfo& k : api::Kinds()) {
    if (k.resource == resource) return &k;
  }
  return base::InvalidError("the store holds no resource {}", Quoted(resource));
}

api::Object EmptyObject(const api::KindInfo& kind) {
  // Kinds() is in the variant's order.
  const auto& kinds = api::Kinds();
  return EmptyAlternative(static_cast<size_t>(&kind - kinds.data()));
}

std::string QualifiedResource(std::string_view resource) {
  auto kind = KindForResource(resource);
  std::string out(resource);
  if (kind.ok()) {
    std::string_view version = (*kind)->api_version;
    if (auto slash = version.find('/'); slash != std::string_view::npos) {
      out += '.';
      out += version.substr(0, slash);
    }
  }
  return out;
}

base::Status NotFound(const ObjectKey& key) {
  return base::Error(base::Code::kNotFound, "{} {} not found", QualifiedResource(key.resource),
                     Quoted(key.name));
}

base::Status AlreadyExists(const ObjectKey& key) {
  return base::Error(base::Code::kAlreadyExists, "{} {} already exists",
                     QualifiedResource(key.resource), Quoted(key.name));
}

base::Status ModifiedConflict(const ObjectKey& key) {
  return base::Error(base::Code::kConflict,
                     "Operation cannot be fulfilled on {} {}: the object has been modified; "
                     "please apply your changes to the latest version and try again",
                     QualifiedResource(key.resource), Quoted(key.name));
}

base::Status PreconditionConflict(const ObjectKey& key, std::string_view detail) {
  return base::Error(base::Code::kConflict, "Operation cannot be fulfilled on {} {}: {}",
                     QualifiedResource(key.resource), Quoted(key.name), detail);
}

base::Status TooOldResourceVersion(int64_t rv, int64_t window_start) {
  return base::Error(base::Code::kGone, "too old resource version: {} ({})", rv, window_start);
}

base::Status ListTooOld() {
  return base::Error(base::Code::kGone, "The resourceVersion for the provided list is too old.");
}

base::Status ContinueTooOld() {
  return base::Error(base::Code::kGone,
                     "The provided continue parameter is too old to display a consistent list "
                     "result. You can start a new list without the continue parameter.");
}

base::Status TooLargeResourceVersion(int64_t rv, int64_t current) {
  return base::Status(base::Code::kTimeout,
                      fmt::format("Too large resource version: {}, current: {}", rv, current), 0,
                      {{"ResourceVersionTooLarge", "Too large resource version", ""}});
}

}  // namespace cubelet::store

// RFC 7386 JSON merge patch (application/merge-patch+json).
#include "api/patch.h"

namespace cubelet::api {
namespace {

// The RFC's MergePatch(Target, Patch), with the target taken by value so objects merge in place.
// Keys keep their position in the target; new keys follow in patch order.
Json Merge(Json target, const Json& patch) {
  if (!patch.is_object()) return patch;
  if (!target.is_object()) target = Json::object();
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (it.value().is_null()) {
      target.erase(it.key());
      continue;
    }
    auto found = target.find(it.key());
    Json current = found == target.end() ? Json() : std::move(*found);
    target[it.key()] = Merge(std::move(current), it.value());
  }
  return target;
}

}  // namespace

base::Result<Json> ApplyMergePatch(const Json& original, const Json& patch) {
  // Every JSON value is a valid merge patch, so this cannot fail; the Result keeps the three
  // patch functions interchangeable for the API server's PATCH handler.
  return Merge(original, patch);
}

}  // namespace cubelet::api

// Internals of the strategic merge patch (patch_strategic*.cc), private to the api module.
#pragma once

#include <cstdint>
#include <string_view>

#include "api/field_path.h"
#include "api/types/values.h"
#include "base/status.h"

namespace cubelet::api::patch_internal {

// ---- schema (patch_schema.cc) ----------------------------------------------------------------
// What strategic merge knows about a field: Kubernetes' `patchStrategy` and `patchMergeKey`
// struct tags, plus the schema type of the field's value so the walk can go deeper.

enum class Strategy : uint8_t {
  kNone,             // maps merge key by key, lists are replaced whole
  kMerge,            // lists merge: maps by merge key, primitives as a set
  kRetainKeys,       // a map whose clients send $retainKeys (Deployment.spec.strategy)
  kMergeRetainKeys,  // both (PodSpec.volumes: each item is a union of volume sources)
};

struct FieldMeta {
  std::string_view type;  // schema type of the value, or of each item of a list; "" = none known
  Strategy strategy = Strategy::kNone;
  std::string_view merge_key;  // identifies the items of a merged list of maps

  bool Merges() const {
    return strategy == Strategy::kMerge || strategy == Strategy::kMergeRetainKeys;
  }
};

// The schema type of an object of `kind`, or "" when cubelet does not serve the kind.
std::string_view RootType(std::string_view kind);
// The metadata of `field` inside a value of schema type `type` (an empty FieldMeta for fields
// without patch tags, and for anything under a type the table does not describe).
FieldMeta LookupField(std::string_view type, std::string_view field);

// ---- merging (patch_strategic.cc, patch_strategic_list.cc) ----------------------------------

// Merges a patch object into `original` (any value; a non-object is merged as if it were {}).
// `type` is the schema type of both; `path` names the patch position for errors.
base::Result<Json> MergeMap(Json original, const Json& patch, std::string_view type,
                            const FieldPath& path);

// Merges the patch list into `original` for a field with Strategy kMerge. `delete_list` says the
// patch came from $deleteFromPrimitiveList/<field>: its values are removed instead of added.
base::Result<Json> MergeList(Json original, const Json& patch, const FieldMeta& meta,
                             bool delete_list, const FieldPath& path);

// Reorders a merged list: the items that appear in `order` (the patch list, or a
// $setElementOrder list) take the order of `order`, the others keep the order of
// `server_order` (the live list), and the two are interleaved as Kubernetes does.
base::Result<Json> Reorder(const Json& merged, const Json& order, const Json& server_order,
                           std::string_view merge_key, const FieldPath& path);

// The identity of a list item for merging and ordering: the value of its merge key, or the item
// itself in a list without one. Fails for an item that lacks the merge key.
base::Result<Json> ItemId(const Json& item, std::string_view merge_key, const FieldPath& path);

// True when both values have the same JSON type (all numbers are one type, as in Go).
bool SameJsonType(const Json& a, const Json& b);

// The value a patch gives a field that has no value to merge into (missing, or of another JSON
// type): the patch merged into an empty value, so directives are applied and never stored.
// Returns null when nothing should be stored (a map patch of `$patch: delete`).
base::Result<Json> FreshValue(const Json& patch, const FieldMeta& meta, const FieldPath& path);

}  // namespace cubelet::api::patch_internal

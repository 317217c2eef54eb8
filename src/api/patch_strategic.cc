// Strategic merge patch: maps and the directives that live in them ($patch on a map,
// $retainKeys, $setElementOrder/<list>, $deleteFromPrimitiveList/<list>).
//
// Follows k8s.io/apimachinery/pkg/util/strategicpatch (StrategicMergeMapPatch, as the API server
// calls it) with one deliberate difference: a patch value for a field the original lacks (or
// holds with another JSON type) is merged into an empty value rather than copied, so directives
// inside it are applied instead of being stored. Kubernetes reaches about the same object
// through its typed decode, which drops `$...` keys (and newer releases strip directives there,
// kubernetes/kubernetes#117568).
#include <iterator>
#include <set>
#include <string>
#include <string_view>

#include "api/patch.h"
#include "api/patch_internal.h"

namespace cubelet::api {
namespace patch_internal {
namespace {

using base::InvalidError;
using base::Status;

constexpr std::string_view kPatch = "$patch";
constexpr std::string_view kRetainKeys = "$retainKeys";
constexpr std::string_view kSetElementOrder = "$setElementOrder";
constexpr std::string_view kDeleteFromPrimitiveList = "$deleteFromPrimitiveList";

// The list field a parallel-list directive key names: "$setElementOrder/containers" is
// "containers".
base::Result<std::string> DirectiveField(const std::string& key, std::string_view prefix,
                                         const FieldPath& path) {
  if (key.size() <= prefix.size() + 1 || key[prefix.size()] != '/') {
    return InvalidError("{}: expected \"{}/<list field>\"", path.Child(key).str(), prefix);
  }
  return key.substr(prefix.size() + 1);
}

// $retainKeys: the original keeps only the listed fields, and the patch may set no others
// (Kubernetes' check; a field absent from the list would be cleared and set at once).
Status ApplyRetainKeys(Json& original, const Json& patch, const FieldPath& path) {
  const auto found = patch.find(kRetainKeys);
  if (found == patch.end()) return Status::Ok();
  const FieldPath where = path.Child(kRetainKeys);
  if (!found->is_array()) return InvalidError("{}: must be a list of field names", where.str());
  const auto retained = [&](const std::string& key) {
    for (const Json& name : *found) {
      if (name.is_string() && name.get_ref<const std::string&>() == key) return true;
    }
    return false;
  };
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    const std::string& key = it.key();
    if (it.value().is_null() || key == kRetainKeys || key.starts_with(kSetElementOrder) ||
        key.starts_with(kDeleteFromPrimitiveList)) {
      continue;
    }
    if (!retained(key)) {
      return InvalidError("{}: the patch sets field \"{}\", which is not retained", where.str(),
                          key);
    }
  }
  for (auto it = original.begin(); it != original.end();) {
    it = retained(it.key()) ? std::next(it) : original.erase(it);
  }
  return Status::Ok();
}

// Checks that the patch list names its items in the order of the $setElementOrder list (items
// with a `$patch` directive are exempt), as Kubernetes rejects a contradictory patch.
Status CheckPatchOrder(const Json& patch_list, const Json& order, std::string_view merge_key,
                       const FieldPath& patch_path, const FieldPath& order_path) {
  if (patch_list.empty() || order.empty()) return Status::Ok();
  const auto skip_directives = [&](size_t p) {
    while (p < patch_list.size() && patch_list[p].is_object() && patch_list[p].contains(kPatch)) {
      ++p;
    }
    return p;
  };
  size_t p = skip_directives(0);
  for (size_t o = 0; p < patch_list.size() && o < order.size(); ++o) {
    ASSIGN_OR_RETURN(const Json patch_id, ItemId(patch_list[p], merge_key, patch_path.Index(p)));
    ASSIGN_OR_RETURN(const Json order_id, ItemId(order[o], merge_key, order_path.Index(o)));
    if (JsonEqual(patch_id, order_id)) p = skip_directives(p + 1);
  }
  if (p < patch_list.size()) {
    return InvalidError("{}: the items are not in the order of {}", patch_path.str(),
                        order_path.str());
  }
  return Status::Ok();
}

// One "$setElementOrder/<field>": merges the patch list of <field> (if any) into the original and
// orders the result. Adds <field> to `done` so the main merge skips it.
Status ApplySetElementOrder(Json& original, const Json& patch, const std::string& key,
                            std::string_view type, const FieldPath& path,
                            std::set<std::string>& done) {
  const Json& order = *patch.find(key);
  if (!order.is_array()) return InvalidError("{}: must be a list", path.Child(key).str());
  ASSIGN_OR_RETURN(const std::string field, DirectiveField(key, kSetElementOrder, path));
  const FieldMeta meta = LookupField(type, field);
  const FieldPath field_path = path.Child(field);

  const auto in_original = original.find(field);
  const bool has_original = in_original != original.end() && !in_original->is_null();
  const auto in_patch = patch.find(field);
  const bool has_patch = in_patch != patch.end();
  if (has_original && !in_original->is_array()) {
    return InvalidError("{}: the object's value is not a list", field_path.str());
  }
  if (has_patch && !in_patch->is_array()) {
    return InvalidError("{}: must be a list to go with {}", field_path.str(), key);
  }
  if (!has_original && !has_patch) return Status::Ok();
  if (has_patch) {
    RETURN_IF_ERROR(CheckPatchOrder(*in_patch, order, meta.merge_key, field_path, path.Child(key)));
  }

  const Json server_order = has_original ? *in_original : Json::array();
  Json merged;
  if (!has_patch) {
    merged = server_order;
  } else if (!has_original) {
    ASSIGN_OR_RETURN(merged, FreshValue(*in_patch, meta, field_path));
  } else if (meta.Merges()) {
    ASSIGN_OR_RETURN(merged, MergeList(server_order, *in_patch, meta, false, field_path));
  } else {
    merged = *in_patch;
  }
  ASSIGN_OR_RETURN(original[field],
                   Reorder(merged, order, server_order, meta.merge_key, path.Child(key)));
  done.insert(field);
  return Status::Ok();
}

// Merges one patch field into `original` (the non-directive part of the Kubernetes mergeMap).
Status MergeField(Json& original, const std::string& field, const Json& value,
                  std::string_view type, bool delete_list, const FieldPath& path) {
  if (value.is_null()) {  // null deletes, even for "$deleteFromPrimitiveList/<field>" (as kube)
    original.erase(field);
    return Status::Ok();
  }
  if (delete_list && !value.is_array()) return InvalidError("{}: must be a list", path.str());
  const FieldMeta meta = LookupField(type, field);
  const auto found = original.find(field);
  if (found == original.end() || !SameJsonType(*found, value)) {
    if (delete_list) return Status::Ok();  // nothing to delete from
    ASSIGN_OR_RETURN(Json fresh, FreshValue(value, meta, path));
    if (fresh.is_null()) {
      original.erase(field);
    } else {
      original[field] = std::move(fresh);
    }
    return Status::Ok();
  }
  if (value.is_object()) {
    ASSIGN_OR_RETURN(*found, MergeMap(std::move(*found), value, meta.type, path));
  } else if (value.is_array() && meta.Merges()) {
    ASSIGN_OR_RETURN(*found, MergeList(std::move(*found), value, meta, delete_list, path));
  } else if (delete_list) {
    return InvalidError("{}: \"{}\" is not a list that merges as a set", path.str(), field);
  } else {
    *found = value;  // scalars, and lists without a merge strategy, are replaced
  }
  return Status::Ok();
}

}  // namespace

base::Result<Json> MergeMap(Json original, const Json& patch, std::string_view type,
                            const FieldPath& path) {
  if (const auto directive = patch.find(kPatch); directive != patch.end()) {
    if (*directive == "replace") {  // the patch, without the marker, is the new map
      Json rest = patch;
      rest.erase(kPatch);
      return MergeMap(Json::object(), rest, type, path);
    }
    if (*directive == "delete") return Json::object();
    // Kubernetes accepts only replace and delete on a map (merge is what it does anyway).
    return InvalidError("{}: unknown patch directive {}", path.Child(kPatch).str(),
                        directive->dump());
  }
  if (!original.is_object()) original = Json::object();
  RETURN_IF_ERROR(ApplyRetainKeys(original, patch, path));

  // Lists with a $setElementOrder are merged and ordered first, then skipped below.
  std::set<std::string> done;
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (!it.key().starts_with(kSetElementOrder)) continue;
    RETURN_IF_ERROR(ApplySetElementOrder(original, patch, it.key(), type, path, done));
  }

  for (auto it = patch.begin(); it != patch.end(); ++it) {
    const std::string& key = it.key();
    if (key == kRetainKeys || key.starts_with(kSetElementOrder) || done.contains(key)) continue;
    if (key.starts_with(kDeleteFromPrimitiveList)) {
      ASSIGN_OR_RETURN(const std::string field,
                       DirectiveField(key, kDeleteFromPrimitiveList, path));
      RETURN_IF_ERROR(MergeField(original, field, it.value(), type, true, path.Child(key)));
      continue;
    }
    RETURN_IF_ERROR(MergeField(original, key, it.value(), type, false, path.Child(key)));
  }
  return original;
}

base::Result<Json> FreshValue(const Json& patch, const FieldMeta& meta, const FieldPath& path) {
  if (patch.is_object()) {
    if (const auto directive = patch.find(kPatch);
        directive != patch.end() && *directive == "delete") {
      return Json();  // deleting what is not there
    }
    return MergeMap(Json::object(), patch, meta.type, path);
  }
  if (patch.is_array() && meta.Merges()) return MergeList(Json::array(), patch, meta, false, path);
  return patch;
}

}  // namespace patch_internal

base::Result<Json> ApplyStrategicMergePatch(const Json& original, const Json& patch,
                                            std::string_view kind) {
  const std::string_view type = patch_internal::RootType(kind);
  if (type.empty()) {
    return base::InvalidError("strategic merge patch is not supported for kind \"{}\"", kind);
  }
  if (!patch.is_object()) return base::InvalidError("strategic merge patch must be a JSON object");
  if (!original.is_object()) return base::InvalidError("the object to patch is not a JSON object");
  return patch_internal::MergeMap(original, patch, type, FieldPath());
}

}  // namespace cubelet::api

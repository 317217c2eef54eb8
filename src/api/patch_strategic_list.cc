// Strategic merge patch: lists with the merge strategy (maps merged by merge key, primitives as
// a set, `$patch: delete|replace` items) and the ordering rules of the merged result.
#include <algorithm>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "api/patch_internal.h"

namespace cubelet::api::patch_internal {
namespace {

using base::InvalidError;
using base::Status;

constexpr std::string_view kPatch = "$patch";

// The JSON type of a value, with every number one type (Go decodes them all to float64).
int TypeRank(const Json& j) {
  return j.is_number() ? static_cast<int>(Json::value_t::number_float) : static_cast<int>(j.type());
}

// Kubernetes merges only lists whose items (original and patch together) share one type.
Status CheckItemTypes(const Json& original, const Json& patch, const FieldPath& path) {
  const Json* first = nullptr;
  for (const Json* list : {&original, &patch}) {
    for (const Json& item : *list) {
      if (item.is_array()) return InvalidError("{}: lists of lists cannot be merged", path.str());
      if (item.is_null()) return InvalidError("{}: a merged list cannot hold null", path.str());
      if (first == nullptr) first = &item;
      if (!SameJsonType(*first, item)) {
        return InvalidError("{}: list items are not all of the same type", path.str());
      }
    }
  }
  return Status::Ok();
}

// Index of the item with identity `id` in `ids`, or -1.
ptrdiff_t IndexOf(const std::vector<Json>& ids, const Json& id) {
  for (size_t i = 0; i < ids.size(); ++i) {
    if (JsonEqual(ids[i], id)) return static_cast<ptrdiff_t>(i);
  }
  return -1;
}

// Identities of every item of `list`; items without the merge key get null (they then match
// nothing, where Kubernetes' lookup is lenient too).
std::vector<Json> LenientIds(const Json& list, std::string_view merge_key) {
  std::vector<Json> ids;
  for (const Json& item : list) {
    auto id = ItemId(item, merge_key, FieldPath());
    ids.push_back(id.ok() ? std::move(id).value() : Json());
  }
  return ids;
}

// Primitive list merge: the union (first occurrence wins), or the difference for
// $deleteFromPrimitiveList, which keeps the original order untouched.
base::Result<Json> MergePrimitives(const Json& original, const Json& patch, bool delete_list,
                                   const FieldPath& path) {
  const auto contains = [](const Json& list, const Json& value) {
    return std::any_of(list.begin(), list.end(), [&](const Json& v) { return v == value; });
  };
  Json merged = Json::array();
  for (const Json& value : original) {
    if (delete_list ? contains(patch, value) : contains(merged, value)) continue;
    merged.push_back(value);
  }
  if (delete_list) return merged;
  for (const Json& value : patch) {
    if (!contains(merged, value)) merged.push_back(value);
  }
  return Reorder(merged, patch, original, "", path);
}

}  // namespace

base::Result<Json> ItemId(const Json& item, std::string_view merge_key, const FieldPath& path) {
  if (merge_key.empty()) return item;
  if (!item.is_object()) {
    return InvalidError("{}: list item must be an object with the merge key \"{}\"", path.str(),
                        merge_key);
  }
  const auto found = item.find(merge_key);
  if (found == item.end()) {
    return InvalidError("{}: list item has no merge key \"{}\"", path.str(), merge_key);
  }
  return *found;
}

bool SameJsonType(const Json& a, const Json& b) { return TypeRank(a) == TypeRank(b); }

base::Result<Json> MergeList(Json original, const Json& patch, const FieldMeta& meta,
                             bool delete_list, const FieldPath& path) {
  if (original.empty() && patch.empty()) return original;
  RETURN_IF_ERROR(CheckItemTypes(original, patch, path));
  const bool maps = (original.empty() ? patch[0] : original[0]).is_object();
  if (!maps) return MergePrimitives(original, patch, delete_list, path);
  if (delete_list) {
    return InvalidError("{}: only lists of primitives can be deleted from", path.str());
  }
  if (meta.merge_key.empty()) {
    return InvalidError("{}: a list of maps cannot be merged without a merge key", path.str());
  }

  // Directive items first: `$patch: delete` removes every item with its key, `$patch: replace`
  // makes the other patch items the whole list.
  std::vector<std::pair<size_t, Json>> items;  // patch index, identity
  bool replace = false;
  for (size_t i = 0; i < patch.size(); ++i) {
    const Json& item = patch[i];
    const FieldPath item_path = path.Index(i);
    const auto directive = item.find(kPatch);
    if (directive != item.end() && *directive == "replace") {
      replace = true;  // a marker item; it needs no merge key
      continue;
    }
    ASSIGN_OR_RETURN(Json id, ItemId(item, meta.merge_key, item_path));
    if (directive == item.end()) {
      items.emplace_back(i, std::move(id));
    } else if (*directive == "delete") {
      Json kept = Json::array();
      for (Json& current : original) {
        auto current_id = ItemId(current, meta.merge_key, FieldPath());
        if (!current_id.ok() || !JsonEqual(*current_id, id)) kept.push_back(std::move(current));
      }
      original = std::move(kept);
    } else {
      // Kubernetes: "merging lists cannot yet be specified in the patch" for merge, and unknown
      // directives fail likewise.
      return InvalidError("{}: unsupported patch directive {} in a list item",
                          item_path.Child(kPatch).str(), directive->dump());
    }
  }
  if (replace) {
    Json replaced = Json::array();
    for (const auto& [index, id] : items) {
      ASSIGN_OR_RETURN(Json fresh,
                       MergeMap(Json::object(), patch[index], meta.type, path.Index(index)));
      replaced.push_back(std::move(fresh));
    }
    return replaced;
  }

  // Merge each patch item into the original item with the same key, or append it.
  const Json server_order = original;
  const std::vector<Json> original_ids = LenientIds(original, meta.merge_key);
  Json order = Json::array();
  for (const auto& [index, id] : items) {
    const FieldPath item_path = path.Index(index);
    const ptrdiff_t at = IndexOf(original_ids, id);
    if (at >= 0) {
      Json& current = original[static_cast<size_t>(at)];
      ASSIGN_OR_RETURN(current, MergeMap(std::move(current), patch[index], meta.type, item_path));
    } else {
      ASSIGN_OR_RETURN(Json fresh, MergeMap(Json::object(), patch[index], meta.type, item_path));
      original.push_back(std::move(fresh));
    }
    order.push_back(patch[index]);
  }
  return Reorder(original, order, server_order, meta.merge_key, path);
}

base::Result<Json> Reorder(const Json& merged, const Json& order, const Json& server_order,
                           std::string_view merge_key, const FieldPath& path) {
  std::vector<Json> order_ids;
  for (size_t i = 0; i < order.size(); ++i) {
    ASSIGN_OR_RETURN(Json id, ItemId(order[i], merge_key, path.Index(i)));
    order_ids.push_back(std::move(id));
  }
  const std::vector<Json> server_ids = LenientIds(server_order, merge_key);

  // Split the merged items into those the order names and the server-only ones, each sorted:
  // the first by `order`, the second by the live list (unknown positions last, stably).
  struct Entry {
    const Json* item;
    ptrdiff_t order_index;
    ptrdiff_t server_index;
  };
  std::vector<Entry> named;
  std::vector<Entry> server_only;
  for (const Json& item : merged) {
    ASSIGN_OR_RETURN(const Json id, ItemId(item, merge_key, path));
    const Entry entry{&item, IndexOf(order_ids, id), IndexOf(server_ids, id)};
    (entry.order_index >= 0 ? named : server_only).push_back(entry);
  }
  const auto position = [](ptrdiff_t index) {
    return index >= 0 ? index : std::numeric_limits<ptrdiff_t>::max();
  };
  std::stable_sort(named.begin(), named.end(),
                   [&](const Entry& a, const Entry& b) { return a.order_index < b.order_index; });
  std::stable_sort(server_only.begin(), server_only.end(), [&](const Entry& a, const Entry& b) {
    return position(a.server_index) < position(b.server_index);
  });

  // Interleave (Kubernetes' mergeSortedSlice): a server-only item goes first only when both it
  // and the next named item are in the live list and it was before that item there; so named
  // items new to the list come as early as their order allows.
  Json result = Json::array();
  size_t s = 0;
  size_t n = 0;
  while (s < server_only.size() || n < named.size()) {
    bool take_server = n == named.size();
    if (s < server_only.size() && n < named.size()) {
      const ptrdiff_t left = server_only[s].server_index;
      const ptrdiff_t right = named[n].server_index;
      take_server = left >= 0 && right >= 0 && left < right;
    }
    result.push_back(*(take_server ? server_only[s++] : named[n++]).item);
  }
  return result;
}

}  // namespace cubelet::api::patch_internal

#include "client/object_cache.h"

#include <utility>

namespace cubelet::client {
namespace {

std::pair<std::string, std::string> KeyOfObject(const api::Object& obj) {
  const api::ObjectMeta& meta = api::MetaOf(obj);
  return {meta.namespace_, meta.name};
}

bool Changed(const api::Object& a, const api::Object& b) {
  const std::string& rv_a = api::MetaOf(a).resource_version;
  const std::string& rv_b = api::MetaOf(b).resource_version;
  // A resourceVersion names one state of an object; compare contents only without them.
  if (!rv_a.empty() && !rv_b.empty()) return rv_a != rv_b;
  return a != b;
}

}  // namespace

std::vector<Delta> ObjectCache::Replace(std::vector<api::Object> items) {
  std::map<Key, std::shared_ptr<const api::Object>> fresh;
  for (api::Object& obj : items) {
    Key key = KeyOfObject(obj);
    fresh[std::move(key)] = std::make_shared<const api::Object>(std::move(obj));
  }
  std::vector<Delta> deltas;
  std::lock_guard lock(mu_);
  for (const auto& [key, obj] : fresh) {
    auto it = objects_.find(key);
    if (it == objects_.end()) {
      deltas.push_back({Delta::Type::kAdd, nullptr, obj});
    } else if (Changed(*it->second, *obj)) {
      deltas.push_back({Delta::Type::kUpdate, it->second, obj});
    }
  }
  for (const auto& [key, obj] : objects_) {
    if (!fresh.contains(key)) deltas.push_back({Delta::Type::kDelete, nullptr, obj});
  }
  objects_ = std::move(fresh);
  return deltas;
}

std::optional<Delta> ObjectCache::Apply(EventType type, api::Object obj) {
  Key key = KeyOfObject(obj);
  auto shared = std::make_shared<const api::Object>(std::move(obj));
  std::lock_guard lock(mu_);
  auto it = objects_.find(key);
  switch (type) {
    case EventType::kAdded:
    case EventType::kModified:
      if (it == objects_.end()) {
        objects_.emplace(std::move(key), shared);
        return Delta{Delta::Type::kAdd, nullptr, shared};
      } else {
        Delta d{Delta::Type::kUpdate, it->second, shared};
        it->second = shared;
        return d;
      }
    case EventType::kDeleted:
      if (it == objects_.end()) return std::nullopt;
      objects_.erase(it);
      return Delta{Delta::Type::kDelete, nullptr, shared};
    case EventType::kBookmark:
    case EventType::kError:
      break;
  }
  return std::nullopt;
}

std::vector<std::shared_ptr<const api::Object>> ObjectCache::List() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<const api::Object>> out;
  out.reserve(objects_.size());
  for (const auto& [key, obj] : objects_) out.push_back(obj);
  return out;
}

std::shared_ptr<const api::Object> ObjectCache::Get(std::string_view ns,
                                                    std::string_view name) const {
  const Key key(ns, name);
  std::lock_guard lock(mu_);
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : it->second;
}

}  // namespace cubelet::client

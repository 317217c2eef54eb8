#include "client/testing/fake_client.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/patch.h"
#include "api/selector.h"
#include "client/testing/fake_watch.h"

namespace cubelet::client {
namespace {

// Changes kept for watches that resume from a resourceVersion (the watch cache's size).
constexpr size_t kHistory = 10000;

// "pods", "deployments.apps": how Kubernetes names a resource in messages.
std::string Qualified(const api::KindInfo& kind) {
  const size_t slash = kind.api_version.find('/');
  if (slash == std::string_view::npos) return std::string(kind.resource);
  return fmt::format("{}.{}", kind.resource, kind.api_version.substr(0, slash));
}

base::Status NotFound(const api::KindInfo& kind, std::string_view name) {
  return base::NotFoundError("{} \"{}\" not found", Qualified(kind), name);
}

base::Status Conflict(const api::KindInfo& kind, std::string_view name, std::string_view why) {
  return base::Error(base::Code::kConflict, "Operation cannot be fulfilled on {} \"{}\": {}",
                     Qualified(kind), name, why);
}

constexpr std::string_view kModified =
    "the object has been modified; please apply your changes to the latest version and try again";

// Kinds whose status is written only through the status subresource.
bool HasStatusSubresource(const api::KindInfo& kind) {
  for (std::string_view k : {"Pod", "Service", "Namespace", "Node", "Deployment", "ReplicaSet"}) {
    if (kind.kind == k) return true;
  }
  return false;
}

api::Object Decode(const api::Json& json) {
  api::Object obj;
  (void)api::DecodeObject(json, &obj);  // our own encoding: always decodes
  return obj;
}

// `target` with the status of `source`.
api::Object WithStatusOf(const api::Object& target, const api::Object& source) {
  api::Json json = api::EncodeObject(target);
  const api::Json src = api::EncodeObject(source);
  if (auto it = src.find("status"); it != src.end()) {
    json["status"] = *it;
  } else {
    json.erase("status");
  }
  return Decode(json);
}

// Everything but metadata and status: what metadata.generation counts changes of.
api::Json SpecPart(const api::Object& obj) {
  api::Json json = api::EncodeObject(obj);
  json.erase("metadata");
  json.erase("status");
  return json;
}

}  // namespace

FakeClient::FakeClient(base::Clock* clock) : clock_(clock) {
  if (clock_ == nullptr) {
    owned_clock_ = base::NewRealClock();
    clock_ = owned_clock_.get();
  }
}

FakeClient::~FakeClient() { CloseWatches(); }

base::Status FakeClient::Record(Action action) {
  const std::string verb = action.verb;
  const std::string resource = action.resource;
  actions_.push_back(std::move(action));
  for (auto it = failures_.begin(); it != failures_.end(); ++it) {
    const auto& [v, r, status] = *it;
    if (v == verb && (r.empty() || r == resource)) {
      base::Status s = status;
      failures_.erase(it);
      return s;
    }
  }
  return base::Status::Ok();
}

base::Result<api::Object> FakeClient::Find(const api::KindInfo& kind, std::string_view ns,
                                           std::string_view name) const {
  auto it = objects_.find(
      Key(std::string(kind.resource), kind.namespaced ? std::string(ns) : "", std::string(name)));
  if (it == objects_.end()) return NotFound(kind, name);
  return it->second;
}

api::Object FakeClient::Commit(EventType type, api::Object obj, std::optional<api::Object> prev) {
  const api::KindInfo& kind = api::KindOf(obj);
  api::ObjectMeta& meta = api::MetaOf(obj);
  meta.resource_version = std::to_string(++rv_);
  Key key(std::string(kind.resource), meta.namespace_, meta.name);
  if (type == EventType::kDeleted) {
    objects_.erase(key);
  } else {
    objects_[key] = obj;
  }
  history_.push_back({rv_, std::string(kind.resource), type, obj, std::move(prev)});
  if (history_.size() > kHistory) {
    compacted_rv_ = history_.front().rv;
    history_.pop_front();
  }
  Publish(history_.back());
  return obj;
}

void FakeClient::Publish(const Change& change) {
  std::erase_if(watches_, [](const auto& w) { return !w->Open(); });
  for (const auto& w : watches_) {
    if (w->kind().resource == change.resource) w->Deliver(change.type, change.obj, change.prev);
  }
}

base::Result<api::Object> FakeClient::Get(const api::KindInfo& kind, std::string_view ns,
                                          std::string_view name) {
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(Record({"get", std::string(kind.resource), std::string(ns), std::string(name)}));
  return Find(kind, ns, name);
}

base::Result<ListResult> FakeClient::List(const api::KindInfo& kind, const ListOptions& opts) {
  ASSIGN_OR_RETURN(api::LabelMatcher labels, api::ParseLabelSelector(opts.label_selector));
  ASSIGN_OR_RETURN(api::FieldMatcher fields, api::ParseFieldSelector(opts.field_selector, kind));
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(Record({"list", std::string(kind.resource), opts.namespace_}));
  // The continue token is simply the key of the last object returned.
  Key start(std::string(kind.resource), "", "");
  if (!opts.continue_token.empty()) {
    const size_t slash = opts.continue_token.find('/');
    if (slash == std::string::npos) return base::InvalidError("invalid continue token");
    start = Key(std::string(kind.resource), opts.continue_token.substr(0, slash),
                opts.continue_token.substr(slash + 1) + '\0');
  }
  ListResult out;
  out.resource_version = std::to_string(rv_);
  for (auto it = objects_.lower_bound(start);
       it != objects_.end() && std::get<0>(it->first) == kind.resource; ++it) {
    const api::ObjectMeta& meta = api::MetaOf(it->second);
    if (kind.namespaced && !opts.namespace_.empty() && meta.namespace_ != opts.namespace_) continue;
    if (!labels.Matches(meta.labels) || !fields.Matches(it->second)) continue;
    if (opts.limit > 0 && static_cast<int64_t>(out.items.size()) == opts.limit) {
      const api::ObjectMeta& last = api::MetaOf(out.items.back());
      out.continue_token = last.namespace_ + "/" + last.name;
      break;
    }
    out.items.push_back(it->second);
  }
  return out;
}

base::Status FakeClient::Seed(const std::vector<api::Object>& objects) {
  std::lock_guard lock(mu_);
  for (const api::Object& obj : objects) {
    auto created = CreateLocked(obj);
    if (!created.ok()) return created.status();
  }
  return base::Status::Ok();
}

base::Result<api::Object> FakeClient::Create(const api::Object& obj) {
  const api::KindInfo& kind = api::KindOf(obj);
  const api::ObjectMeta& meta = api::MetaOf(obj);
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(
      Record({"create", std::string(kind.resource), meta.namespace_, meta.name, "", obj}));
  return CreateLocked(obj);
}

base::Result<api::Object> FakeClient::CreateLocked(api::Object obj) {
  const api::KindInfo& kind = api::KindOf(obj);
  api::ObjectMeta& meta = api::MetaOf(obj);
  if (!kind.namespaced) {
    meta.namespace_.clear();
  } else if (meta.namespace_.empty()) {
    return base::InvalidError("{} \"{}\": metadata.namespace is required", kind.resource,
                              meta.name);
  }
  if (!meta.resource_version.empty()) {
    return base::InvalidError("resourceVersion should not be set on objects to be created");
  }
  if (meta.name.empty()) {
    if (meta.generate_name.empty()) {
      return base::InvalidError(
          "{} \"\" is invalid: metadata.name: Required value: name or "
          "generateName is required",
          kind.kind);
    }
    meta.name = fmt::format("{}{:05x}", meta.generate_name, ++next_uid_);
  }
  if (objects_.contains(Key(std::string(kind.resource), meta.namespace_, meta.name))) {
    return base::Error(base::Code::kAlreadyExists, "{} \"{}\" already exists", Qualified(kind),
                       meta.name);
  }
  if (meta.uid.empty()) meta.uid = fmt::format("00000000-0000-4000-8000-{:012d}", ++next_uid_);
  meta.generation = 1;
  meta.creation_timestamp = api::Time::At(clock_->Now());
  meta.deletion_timestamp.reset();
  meta.deletion_grace_period_seconds.reset();
  return Commit(EventType::kAdded, std::move(obj), std::nullopt);
}

base::Result<api::Object> FakeClient::Update(const api::Object& obj) {
  const api::KindInfo& kind = api::KindOf(obj);
  const api::ObjectMeta& meta = api::MetaOf(obj);
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(
      Record({"update", std::string(kind.resource), meta.namespace_, meta.name, "", obj}));
  return UpdateLocked(obj, /*status_only=*/false);
}

base::Result<api::Object> FakeClient::UpdateStatus(const api::Object& obj) {
  const api::KindInfo& kind = api::KindOf(obj);
  const api::ObjectMeta& meta = api::MetaOf(obj);
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(
      Record({"update", std::string(kind.resource), meta.namespace_, meta.name, "status", obj}));
  if (!HasStatusSubresource(kind)) {
    return base::NotFoundError("the server could not find the requested resource ({}/status)",
                               kind.resource);
  }
  return UpdateLocked(obj, /*status_only=*/true);
}

base::Result<api::Object> FakeClient::UpdateLocked(const api::Object& obj, bool status_only) {
  const api::KindInfo& kind = api::KindOf(obj);
  const api::ObjectMeta& meta = api::MetaOf(obj);
  ASSIGN_OR_RETURN(api::Object stored, Find(kind, meta.namespace_, meta.name));
  const api::ObjectMeta& old = api::MetaOf(stored);
  if (!meta.resource_version.empty() && meta.resource_version != old.resource_version) {
    return Conflict(kind, meta.name, kModified);
  }
  if (!meta.uid.empty() && meta.uid != old.uid) {
    return Conflict(kind, meta.name,
                    fmt::format("Precondition failed: UID in precondition: {}, UID in object "
                                "meta: {}",
                                meta.uid, old.uid));
  }
  api::Object next;
  if (status_only) {
    next = WithStatusOf(stored, obj);
  } else {
    next = HasStatusSubresource(kind) ? WithStatusOf(obj, stored) : obj;
    // What the server owns in metadata cannot be changed by an update.
    api::ObjectMeta& m = api::MetaOf(next);
    m.namespace_ = old.namespace_;
    m.uid = old.uid;
    m.creation_timestamp = old.creation_timestamp;
    m.deletion_timestamp = old.deletion_timestamp;
    m.deletion_grace_period_seconds = old.deletion_grace_period_seconds;
    m.generation = old.generation;
    if (SpecPart(next) != SpecPart(stored)) ++m.generation;
  }
  api::MetaOf(next).resource_version = old.resource_version;
  if (next == stored) return stored;  // no change: no new version, no event
  const api::ObjectMeta& m = api::MetaOf(next);
  if (m.deletion_timestamp && m.finalizers.empty() &&
      m.deletion_grace_period_seconds.value_or(0) == 0) {
    // The last finalizer of an object being deleted is gone: the deletion completes.
    return Commit(EventType::kDeleted, std::move(next), std::move(stored));
  }
  return Commit(EventType::kModified, std::move(next), std::move(stored));
}

base::Result<api::Object> FakeClient::Patch(const api::KindInfo& kind, std::string_view ns,
                                            std::string_view name, PatchType type,
                                            const api::Json& patch, std::string_view subresource) {
  std::lock_guard lock(mu_);
  Action action{"patch", std::string(kind.resource), std::string(ns), std::string(name),
                std::string(subresource)};
  action.patch = patch;
  RETURN_IF_ERROR(Record(std::move(action)));
  if (!subresource.empty() && (subresource != "status" || !HasStatusSubresource(kind))) {
    return base::NotFoundError("the server could not find the requested resource ({}/{})",
                               kind.resource, subresource);
  }
  ASSIGN_OR_RETURN(api::Object stored, Find(kind, ns, name));
  const api::Json original = api::EncodeObject(stored);
  base::Result<api::Json> patched = base::InternalError("unknown patch type");
  switch (type) {
    case PatchType::kMerge:
      patched = api::ApplyMergePatch(original, patch);
      break;
    case PatchType::kStrategicMerge:
      patched = api::ApplyStrategicMergePatch(original, patch, kind.kind);
      break;
    case PatchType::kJson:
      patched = api::ApplyJsonPatch(original, patch);
      break;
  }
  if (!patched.ok()) return patched.status();
  api::Object next;
  const api::FieldErrors errs = api::DecodeObject(*patched, &next);
  if (!errs.empty()) return api::InvalidObject(kind.kind, name, errs);
  if (api::KindOf(next).kind != kind.kind) {
    return base::InvalidError("{} \"{}\": a patch may not change the kind", kind.resource, name);
  }
  return UpdateLocked(next, /*status_only=*/subresource == "status");
}

base::Result<std::optional<api::Object>> FakeClient::Delete(const api::KindInfo& kind,
                                                            std::string_view ns,
                                                            std::string_view name,
                                                            const DeleteOptions& opts) {
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(
      Record({"delete", std::string(kind.resource), std::string(ns), std::string(name)}));
  ASSIGN_OR_RETURN(api::Object stored, Find(kind, ns, name));
  const api::ObjectMeta& meta = api::MetaOf(stored);
  const Preconditions& pre = opts.preconditions;
  if (pre.uid && *pre.uid != meta.uid) {
    return Conflict(kind, name,
                    fmt::format("Precondition failed: UID in precondition: {}, UID in object "
                                "meta: {}",
                                *pre.uid, meta.uid));
  }
  if (pre.resource_version && *pre.resource_version != meta.resource_version) {
    return Conflict(kind, name,
                    fmt::format("Precondition failed: ResourceVersion in precondition: {}, "
                                "ResourceVersion in object meta: {}",
                                *pre.resource_version, meta.resource_version));
  }
  return DeleteLocked(std::move(stored), opts);
}

base::Result<std::optional<api::Object>> FakeClient::DeleteLocked(api::Object stored,
                                                                  const DeleteOptions& opts) {
  api::Object next = stored;
  api::ObjectMeta& meta = api::MetaOf(next);
  int64_t grace = 0;
  if (const auto* pod = std::get_if<api::Pod>(&stored)) {
    // The API server's pod strategy: a pod that runs somewhere gets its grace period so the
    // node can stop it; an unscheduled or finished one goes at once.
    grace =
        opts.grace_period_seconds.value_or(pod->spec.termination_grace_period_seconds.value_or(30));
    const bool finished = pod->status.phase == "Succeeded" || pod->status.phase == "Failed";
    if (pod->spec.node_name.empty() || finished) grace = 0;
    if (meta.deletion_grace_period_seconds && *meta.deletion_grace_period_seconds <= grace) {
      return std::optional<api::Object>(std::move(stored));  // already going, as fast or faster
    }
  }
  if (grace > 0) {
    meta.deletion_timestamp = api::Time::At(clock_->Now() + std::chrono::seconds(grace));
    meta.deletion_grace_period_seconds = grace;
    return std::optional<api::Object>(
        Commit(EventType::kModified, std::move(next), std::move(stored)));
  }
  if (!meta.finalizers.empty()) {
    if (meta.deletion_timestamp && meta.deletion_grace_period_seconds.value_or(0) == 0) {
      return std::optional<api::Object>(std::move(stored));
    }
    meta.deletion_timestamp = api::Time::At(clock_->Now());
    meta.deletion_grace_period_seconds = 0;
    return std::optional<api::Object>(
        Commit(EventType::kModified, std::move(next), std::move(stored)));
  }
  api::Object last = stored;
  return std::optional<api::Object>(
      Commit(EventType::kDeleted, std::move(last), std::move(stored)));
}

base::Result<std::unique_ptr<WatchStream>> FakeClient::Watch(const api::KindInfo& kind,
                                                             const WatchOptions& opts) {
  ASSIGN_OR_RETURN(api::LabelMatcher labels, api::ParseLabelSelector(opts.label_selector));
  ASSIGN_OR_RETURN(api::FieldMatcher fields, api::ParseFieldSelector(opts.field_selector, kind));
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(Record({"watch", std::string(kind.resource), opts.namespace_}));
  auto state = std::make_shared<FakeWatchState>(kind, opts.namespace_, std::move(labels),
                                                std::move(fields), opts.allow_bookmarks);
  if (opts.resource_version.empty() || opts.resource_version == "0") {
    // The current state first, as ADDED events in key order.
    for (const auto& [key, obj] : objects_) {
      if (std::get<0>(key) == kind.resource) state->Deliver(EventType::kAdded, obj, std::nullopt);
    }
  } else {
    int64_t from = 0;
    try {
      from = std::stoll(opts.resource_version);
    } catch (const std::exception&) {
      return base::InvalidError("invalid resourceVersion {}", api::GoQuote(opts.resource_version));
    }
    if (from < compacted_rv_) {
      return base::Error(base::Code::kGone, "too old resource version: {} ({})", from,
                         compacted_rv_ + 1);
    }
    for (const Change& c : history_) {
      if (c.rv > from && c.resource == kind.resource) state->Deliver(c.type, c.obj, c.prev);
    }
  }
  watches_.push_back(state);
  return std::unique_ptr<WatchStream>(std::make_unique<FakeWatchStream>(std::move(state)));
}

std::vector<FakeClient::Action> FakeClient::Actions() const {
  std::lock_guard lock(mu_);
  return actions_;
}

void FakeClient::ClearActions() {
  std::lock_guard lock(mu_);
  actions_.clear();
}

void FakeClient::FailNext(std::string verb, std::string resource, base::Status status) {
  std::lock_guard lock(mu_);
  failures_.emplace_back(std::move(verb), std::move(resource), std::move(status));
}

void FakeClient::CloseWatches() {
  std::lock_guard lock(mu_);
  for (const auto& w : watches_) w->Close();
  watches_.clear();
}

void FakeClient::SendBookmarks() {
  std::lock_guard lock(mu_);
  for (const auto& w : watches_) {
    if (!w->bookmarks() || !w->Open()) continue;
    WatchEvent ev;
    ev.type = EventType::kBookmark;
    // An empty object of the watched kind carrying only the resourceVersion.
    ev.object = Decode({{"kind", std::string(w->kind().kind)},
                        {"apiVersion", std::string(w->kind().api_version)},
                        {"metadata", {{"resourceVersion", std::to_string(rv_)}}}});
    w->Push(std::move(ev));
  }
}

void FakeClient::Compact() {
  std::lock_guard lock(mu_);
  compacted_rv_ = rv_;
  history_.clear();
}

std::string FakeClient::ResourceVersion() const {
  std::lock_guard lock(mu_);
  return std::to_string(rv_);
}

size_t FakeClient::WatchCount() const {
  std::lock_guard lock(mu_);
  return std::count_if(watches_.begin(), watches_.end(), [](const auto& w) { return w->Open(); });
}

}  // namespace cubelet::client

// LocalStore: writes and point reads. Lists are in local_store_list.cc, watches in
// local_store_watch.cc.
#include "store/local_store.h"

#include "api/field_errors.h"
#include "store/resources.h"

namespace cubelet::store {
namespace {

// The key must fit the kind: a name always, a namespace exactly for namespaced kinds.
base::Status CheckKey(const ObjectKey& key, const api::KindInfo& kind) {
  if (key.name.empty()) {
    return base::InvalidError("{}", api::Required(api::FieldPath("metadata.name")).ToString());
  }
  if (kind.namespaced && key.namespace_.empty()) {
    return base::InvalidError("{}", api::Required(api::FieldPath("metadata.namespace")).ToString());
  }
  if (!kind.namespaced && !key.namespace_.empty()) {
    return base::InvalidError(
        "{}", api::Forbidden(api::FieldPath("metadata.namespace"), "not allowed on this type")
                  .ToString());
  }
  return base::Status::Ok();
}

// The stored form: JSON without resourceVersion (the row's revision column holds it), so an
// update that changes nothing else compares equal byte for byte.
std::string EncodeForStorage(api::Object& obj) {
  api::MetaOf(obj).resource_version.clear();
  return api::EncodeObject(obj).dump();
}

base::Status CheckPreconditions(const ObjectKey& key, const Preconditions& pre,
                                const api::Object& current) {
  const api::ObjectMeta& meta = api::MetaOf(current);
  if (pre.uid && *pre.uid != meta.uid) {
    return PreconditionConflict(
        key, fmt::format("Precondition failed: UID in precondition: {}, UID in object meta: {}",
                         *pre.uid, meta.uid));
  }
  if (pre.resource_version && *pre.resource_version != meta.resource_version) {
    return PreconditionConflict(
        key, fmt::format("Precondition failed: ResourceVersion in precondition: {}, "
                         "ResourceVersion in object meta: {}",
                         *pre.resource_version, meta.resource_version));
  }
  return base::Status::Ok();
}

}  // namespace

base::Result<api::Object> DecodeRow(const ObjectKey& key, const Row& row) {
  auto corrupt = [&](std::string_view why) {
    return base::InternalError(
        "store: {} (resourceVersion {}) is damaged: {}; delete it or restore the database "
        "from a backup",
        key.ToString(), row.rv, why);
  };
  api::Json json = api::Json::parse(row.json, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return corrupt("not valid JSON");
  api::Object obj;
  api::FieldErrors errs = api::DecodeObject(json, &obj);
  if (!errs.empty()) return corrupt(errs[0].ToString());
  if (api::KindOf(obj).resource != key.resource) {
    return corrupt(fmt::format("it holds a {}", api::KindOf(obj).kind));
  }
  api::MetaOf(obj).resource_version = std::to_string(row.rv);
  return obj;
}

LocalStore::LocalStore(std::unique_ptr<Backend> backend, const StoreOptions& opts)
    : backend_(std::move(backend)), hub_(opts.watch_buffer) {
  const int64_t start = backend_->Revision();
  for (const api::KindInfo& kind : api::Kinds()) {
    histories_.emplace(std::string(kind.resource), History(opts.history_size, start));
  }
}

LocalStore::~LocalStore() = default;

std::string LocalStore::ResourceVersion() {
  std::shared_lock lock(mu_);
  return std::to_string(backend_->Revision());
}

base::Result<std::optional<LocalStore::Current>> LocalStore::ReadLocked(const ObjectKey& key) {
  ASSIGN_OR_RETURN(std::optional<Row> row, backend_->Read(key));
  if (!row) return std::optional<Current>();
  ASSIGN_OR_RETURN(api::Object obj, DecodeRow(key, *row));
  return std::optional<Current>(
      Current{std::move(*row), std::make_shared<const api::Object>(std::move(obj))});
}

base::Result<api::Object> LocalStore::CommitLocked(const ObjectKey& key, EventType type,
                                                   std::optional<api::Object> object,
                                                   std::optional<std::string> json,
                                                   std::shared_ptr<const api::Object> prev) {
  const int64_t rv = backend_->Revision() + 1;
  if (base::Status st = backend_->Commit(key, json, rv); !st.ok()) {
    return st.WithContext(fmt::format("store: write {}", key.ToString()));
  }
  // A deleted object's last state carries the deletion's revision, as watchers receive it.
  api::Object stored = object ? std::move(*object) : *prev;
  api::MetaOf(stored).resource_version = std::to_string(rv);
  HistoryEvent event{rv, type, key, std::make_shared<const api::Object>(stored), std::move(prev)};
  hub_.Dispatch(event);
  histories_.find(key.resource)->second.Add(std::move(event));
  return stored;
}

base::Result<api::Object> LocalStore::Create(api::Object obj) {
  const ObjectKey key = KeyOf(obj);
  ASSIGN_OR_RETURN(const api::KindInfo* kind, KindForResource(key.resource));
  RETURN_IF_ERROR(CheckKey(key, *kind));
  if (!api::MetaOf(obj).resource_version.empty()) {
    return base::InvalidError("resourceVersion should not be set on objects to be created");
  }
  std::string json = EncodeForStorage(obj);
  std::unique_lock lock(mu_);
  ASSIGN_OR_RETURN(std::optional<Current> current, ReadLocked(key));
  if (current) return AlreadyExists(key);
  return CommitLocked(key, EventType::kAdded, std::move(obj), std::move(json), nullptr);
}

base::Result<api::Object> LocalStore::Get(const ObjectKey& key) {
  RETURN_IF_ERROR(KindForResource(key.resource).status());
  std::shared_lock lock(mu_);
  ASSIGN_OR_RETURN(std::optional<Current> current, ReadLocked(key));
  if (!current) return NotFound(key);
  return *current->object;
}

base::Result<api::Object> LocalStore::Update(api::Object obj) {
  const ObjectKey key = KeyOf(obj);
  ASSIGN_OR_RETURN(const api::KindInfo* kind, KindForResource(key.resource));
  RETURN_IF_ERROR(CheckKey(key, *kind));
  // Kubernetes' update: the uid is a precondition, the resourceVersion an optimistic lock.
  Preconditions pre;
  if (!api::MetaOf(obj).uid.empty()) pre.uid = api::MetaOf(obj).uid;
  const std::string expected_rv = api::MetaOf(obj).resource_version;
  RETURN_IF_ERROR(ParseResourceVersion(expected_rv).status());
  std::string json = EncodeForStorage(obj);

  std::unique_lock lock(mu_);
  ASSIGN_OR_RETURN(std::optional<Current> current, ReadLocked(key));
  if (!current) return NotFound(key);
  RETURN_IF_ERROR(CheckPreconditions(key, pre, *current->object));
  if (!expected_rv.empty() && expected_rv != std::to_string(current->row.rv)) {
    return ModifiedConflict(key);
  }
  if (json == current->row.json) return *current->object;
  return CommitLocked(key, EventType::kModified, std::move(obj), std::move(json),
                      std::move(current->object));
}

base::Result<api::Object> LocalStore::GuaranteedUpdate(const ObjectKey& key,
                                                       const Preconditions& preconditions,
                                                       const UpdateFunction& fn) {
  RETURN_IF_ERROR(KindForResource(key.resource).status());
  // Optimistic: no lock while fn runs. Each retry means another write to this object
  // committed in between, so the store as a whole always makes progress.
  while (true) {
    std::optional<Current> read;
    {
      std::shared_lock lock(mu_);
      ASSIGN_OR_RETURN(read, ReadLocked(key));
    }
    if (!read) return NotFound(key);
    RETURN_IF_ERROR(CheckPreconditions(key, preconditions, *read->object));
    ASSIGN_OR_RETURN(api::Object next, fn(*read->object));
    const ObjectKey next_key = KeyOf(next);
    if (next_key != key) {
      return base::InvalidError("store: the update of {} returned {} instead", key.ToString(),
                                next_key.ToString());
    }
    std::string json = EncodeForStorage(next);

    std::unique_lock lock(mu_);
    ASSIGN_OR_RETURN(std::optional<Row> now, backend_->Read(key));
    if (!now) return NotFound(key);
    if (now->rv != read->row.rv) continue;
    if (json == now->json) return *read->object;
    return CommitLocked(key, EventType::kModified, std::move(next), std::move(json),
                        std::move(read->object));
  }
}

base::Result<api::Object> LocalStore::Delete(const ObjectKey& key,
                                             const Preconditions& preconditions) {
  ASSIGN_OR_RETURN(const api::KindInfo* kind, KindForResource(key.resource));
  std::unique_lock lock(mu_);
  ASSIGN_OR_RETURN(std::optional<Row> row, backend_->Read(key));
  if (!row) return NotFound(key);
  base::Result<api::Object> last = DecodeRow(key, *row);
  if (!last.ok()) {
    // A damaged row must stay removable, or nothing but a database tool could get rid of it.
    // Watchers get a DELETED event with only the key, which is all that is known. With
    // preconditions the caller expected a real object, so the damage is reported instead.
    if (preconditions.uid || preconditions.resource_version) return last.status();
    last = EmptyObject(*kind);
    api::MetaOf(*last).namespace_ = key.namespace_;
    api::MetaOf(*last).name = key.name;
    api::MetaOf(*last).resource_version = std::to_string(row->rv);
  }
  RETURN_IF_ERROR(CheckPreconditions(key, preconditions, *last));
  return CommitLocked(key, EventType::kDeleted, std::nullopt, std::nullopt,
                      std::make_shared<const api::Object>(std::move(*last)));
}

}  // namespace cubelet::store

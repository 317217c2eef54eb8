// The object store behind the API server: Kubernetes objects keyed by (resource, namespace,
// name), one global resourceVersion, optimistic concurrency, paginated lists and watches.
//
// The semantics are those of k8s.io/apiserver's storage.Interface over etcd3 plus its watch
// cache, so the API server maps results one-to-one onto HTTP answers:
//   - resourceVersion is one revision counter shared by every resource, strictly increasing
//     and persisted (a restart continues the numbering). Each write (create, update, delete)
//     takes the next revision; the object carries it in metadata.resourceVersion.
//   - Errors carry Kubernetes' codes and texts: NotFound `pods "web" not found`,
//     AlreadyExists `pods "web" already exists`, Conflict `Operation cannot be fulfilled on
//     pods "web": the object has been modified; please apply your changes to the latest
//     version and try again`, Gone (HTTP 410, reason Expired) for a watch or continue token
//     older than the history, Timeout for a resourceVersion newer than the store's.
//   - Lists are consistent snapshots: every page of a paginated list shows the objects as they
//     were at the first page's revision, as long as that revision is within the history.
//   - Watches deliver every change after a revision, in revision order, filtered per watcher;
//     an object that stops matching a watcher's selectors is delivered as DELETED and one
//     that starts matching as ADDED (the cacher's rule).
//
// The interface holds no SQL: an etcd backend can implement it without touching callers.
//
// Thread-safety: every Store method may be called from any thread concurrently. A Watcher is
// used by one consumer thread; only Stop() may also be called from another thread.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.h"
#include "api/selector.h"
#include "base/clock.h"
#include "base/status.h"

namespace cubelet::store {

// Where an object lives. `namespace_` is empty for cluster-scoped kinds (nodes, namespaces).
struct ObjectKey {
  std::string resource;  // "pods", as in api::KindInfo::resource
  std::string namespace_;
  std::string name;

  auto operator<=>(const ObjectKey&) const = default;
  // "pods/default/web", "nodes/n1".
  std::string ToString() const;
};

// The key of an object: its kind's resource, metadata.namespace and metadata.name.
ObjectKey KeyOf(const api::Object& obj);

// Conditions the stored object must meet for a write to proceed (metav1.Preconditions);
// a mismatch is a Conflict.
struct Preconditions {
  std::optional<std::string> uid = {};
  std::optional<std::string> resource_version = {};
};

// How a list's resource_version is interpreted (metav1.ResourceVersionMatch).
enum class ResourceVersionMatch {
  // The latest state, provided the store has reached resource_version ("" or "0": latest).
  kNotOlderThan,
  // The state exactly at resource_version (must be within the history, else Gone).
  kExact,
};

struct ListOptions {
  std::string namespace_ = {};  // "" lists every namespace
  api::LabelMatcher labels = {};
  // Checked against the resource's kind: an unsupported field is Invalid.
  api::FieldMatcher fields = {};
  // Page size; 0 returns everything. A full page ends with a continue token when more objects
  // follow (the last page may come back empty when the remaining ones do not match).
  int64_t limit = 0;
  // The continue token of the previous page; the list then continues at that page's revision.
  // Not allowed together with resource_version.
  std::string continue_token = {};
  std::string resource_version = {};
  ResourceVersionMatch resource_version_match = ResourceVersionMatch::kNotOlderThan;
};

struct ListResult {
  std::vector<api::Object> items;  // ordered by (namespace, name)
  std::string resource_version;    // the revision the list shows
  // Opaque: base64url of {"v":"meta.k8s.io/v1","rv":<revision>,"start":"<key>"}. Empty on the
  // last page.
  std::string continue_token;
};

enum class EventType { kAdded, kModified, kDeleted, kBookmark, kError };

// "ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR": the watch stream's type strings.
std::string_view EventTypeName(EventType type);

struct WatchEvent {
  EventType type = EventType::kAdded;
  // ADDED/MODIFIED: the new state. DELETED: the last state, with the resourceVersion of the
  // deletion (or of the change that made it stop matching). BOOKMARK: an empty object of the
  // watched kind whose metadata.resourceVersion says how far the watcher has seen. ERROR: unset.
  api::Object object;
  // ERROR only: why the watch ended (the API server sends it as a Status object).
  base::Status error;
};

struct WatchOptions {
  std::string namespace_ = {};  // "" watches every namespace
  api::LabelMatcher labels = {};
  api::FieldMatcher fields = {};  // checked against the resource's kind
  // "" or "0": first the current state as ADDED events (ordered by key), then every change.
  // "N": every change after revision N, from the in-memory history; Gone when N is older than
  // the history, Timeout when N is newer than the store.
  std::string resource_version = {};
};

// One watch. Events arrive in revision order; each watcher buffers what its consumer has not
// taken yet. A consumer that falls more than StoreOptions::watch_buffer events behind gets
// the buffered events, then an ERROR event (ResourceExhausted: "too slow"), and the watch
// ends; it can resume from the last resourceVersion it saw while that is in the history.
class Watcher {
 public:
  virtual ~Watcher() = default;  // stops the watch

  // The next event, waiting up to `timeout` for it. nullopt when the timeout passed, or when
  // the watch has ended (then Done() is true).
  virtual std::optional<WatchEvent> Next(base::Duration timeout) = 0;
  // A BOOKMARK at the latest revision this watcher has completely seen (every event up to it
  // delivered or filtered out), or nullopt when nothing is new since the last event or
  // bookmark or events are still waiting. The caller decides how often to send them
  // (Kubernetes: about once a minute when the client asked for bookmarks).
  virtual std::optional<WatchEvent> Bookmark() = 0;
  // Ends the watch; a Next() blocked in another thread returns nullopt. Idempotent.
  virtual void Stop() = 0;
  // True once the watch has ended (stopped, failed, or the store closed) and no event is left.
  virtual bool Done() = 0;
  // Event-driven consumption (the API server serves thousands of watches on a few threads):
  // `ready` is called whenever Next() would return without waiting — an event arrived or the
  // watch ended — and once at once if that is already so. It runs on the writer's thread with
  // the watcher's lock held, so it must only hand off (post to an executor) and must not call
  // back into this watcher. Replaces any earlier callback; Stop() drops it.
  virtual void SetReadyCallback(std::function<void()> ready) = 0;
};

// Read-modify-write step of GuaranteedUpdate: gets the current object (with its
// resourceVersion) and returns the desired one, or a failure that aborts the update.
using UpdateFunction = std::function<base::Result<api::Object>(api::Object current)>;

class Store {
 public:
  virtual ~Store() = default;

  // Stores a new object and returns it with its resourceVersion set. AlreadyExists when the
  // key is taken; Invalid when the object already carries a resourceVersion, has no name, or
  // its namespace does not fit its kind.
  virtual base::Result<api::Object> Create(api::Object obj) = 0;

  virtual base::Result<api::Object> Get(const ObjectKey& key) = 0;

  // Replaces a stored object. The object's own metadata is the precondition: a non-empty
  // resourceVersion must equal the stored one and a non-empty uid the stored uid, otherwise
  // Conflict; an empty resourceVersion updates unconditionally. NotFound when absent. An
  // update that changes nothing keeps the stored resourceVersion and notifies no watcher.
  virtual base::Result<api::Object> Update(api::Object obj) = 0;

  // Reads the object, applies `fn` (without any store lock held, so fn may use the store) and
  // writes the result if the object did not change meanwhile; otherwise reads again and
  // retries. `preconditions` are checked against every object read (Conflict on mismatch);
  // fn's failures are returned as they are; a result with another name or namespace is
  // Invalid. The resourceVersion fn leaves in the object is ignored.
  virtual base::Result<api::Object> GuaranteedUpdate(const ObjectKey& key,
                                                     const Preconditions& preconditions,
                                                     const UpdateFunction& fn) = 0;

  // Removes an object and returns its last state with the resourceVersion of the deletion
  // (what watchers receive as DELETED). NotFound when absent; Conflict on a precondition.
  virtual base::Result<api::Object> Delete(const ObjectKey& key,
                                           const Preconditions& preconditions = {}) = 0;

  virtual base::Result<ListResult> List(std::string_view resource, const ListOptions& opts) = 0;

  virtual base::Result<std::unique_ptr<Watcher>> Watch(std::string_view resource,
                                                       const WatchOptions& opts) = 0;

  // The latest revision, as a resourceVersion string.
  virtual std::string ResourceVersion() = 0;
};

struct StoreOptions {
  // Events kept in memory per resource for watches and paginated lists (the watch cache's
  // capacity). Older revisions are Gone.
  size_t history_size = 10000;
  // Events a watcher may have waiting before it is ended as too slow. Half the history, so a
  // watcher ended this way can usually resume from its last resourceVersion.
  size_t watch_buffer = 5000;
  // SQLite only: how long to wait for a lock another process holds before failing.
  base::Duration busy_timeout = std::chrono::seconds(1);
};

// The store in one SQLite database file at `path` (created when missing; its directory must
// exist), in WAL mode with synchronous=NORMAL: a committed write survives a crash of the
// process. The file is locked for this process: a second store on the same file fails with
// Unavailable "... is locked ...". A file that is not a store fails with Internal, naming it.
base::Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                                     const StoreOptions& opts = {});

// The same store semantics held in memory only: for unit tests of the modules above the store,
// and for runs that keep nothing.
std::unique_ptr<Store> NewMemoryStore(const StoreOptions& opts = {});

// Parses a resourceVersion ("" is 0). Invalid, in Kubernetes' words, unless it is a
// non-negative decimal integer.
base::Result<int64_t> ParseResourceVersion(std::string_view rv);

}  // namespace cubelet::store

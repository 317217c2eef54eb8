// FakeClient: an in-memory Client for the tests of controllers and the node agent.
//
// It keeps objects in a map with one resourceVersion counter and behaves like an API server
// where tests notice the difference:
//   - Create assigns uid, resourceVersion, generation 1 and creationTimestamp (from the clock),
//     honours generateName, refuses duplicates (AlreadyExists) and a set resourceVersion
//     (Invalid); unlike the API server it keeps a given status, so tests can seed any state;
//   - Update and UpdateStatus check metadata.resourceVersion and uid (Conflict, with
//     Kubernetes' message), keep the status (Update) or everything but the status
//     (UpdateStatus) for kinds with a status subresource, bump generation when the spec
//     changed, and write nothing (same resourceVersion, no event) when nothing changed;
//   - Patch applies merge, strategic merge and JSON patches with api's implementations;
//   - Delete checks preconditions; a pod bound to a node is deleted gracefully (deletionTimestamp
//     set, the object stays until deleted again with grace period 0), an object with
//     finalizers stays until an update removes the last one; otherwise the object goes.
//     Propagation policies are ignored (there is no garbage collector);
//   - Watch fans every change out to the watches whose namespace and selectors match, with the
//     API server's rule that an object that stops matching is DELETED for that watch and one
//     that starts matching ADDED; a watch from resourceVersion N replays the history after N,
//     and 410 Gone once Compact() dropped it.
// Namespaces are not required to exist.
//
// Every call is recorded (Actions()), and any call can be made to fail (FailNext()).
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "client/client.h"

namespace cubelet::client {

class FakeWatchState;

class FakeClient final : public Client {
 public:
  // One recorded call (client-go's testing.Action).
  struct Action {
    std::string verb = {};  // get, list, create, update, patch, delete, watch
    std::string resource = {};
    std::string namespace_ = {};
    std::string name = {};
    std::string subresource = {};            // "status" for UpdateStatus and status patches
    std::optional<api::Object> object = {};  // create and update: what was sent
    api::Json patch = {};                    // patch: the body
  };

  // `clock` (not owned; null: the real clock) stamps creation and deletion times.
  explicit FakeClient(base::Clock* clock = nullptr);
  ~FakeClient() override;  // ends every open watch

  base::Result<api::Object> Get(const api::KindInfo& kind, std::string_view ns,
                                std::string_view name) override;
  base::Result<ListResult> List(const api::KindInfo& kind, const ListOptions& opts) override;
  base::Result<api::Object> Create(const api::Object& obj) override;
  base::Result<api::Object> Update(const api::Object& obj) override;
  base::Result<api::Object> UpdateStatus(const api::Object& obj) override;
  base::Result<api::Object> Patch(const api::KindInfo& kind, std::string_view ns,
                                  std::string_view name, PatchType type, const api::Json& patch,
                                  std::string_view subresource) override;
  base::Result<std::optional<api::Object>> Delete(const api::KindInfo& kind, std::string_view ns,
                                                  std::string_view name,
                                                  const DeleteOptions& opts) override;
  base::Result<std::unique_ptr<WatchStream>> Watch(const api::KindInfo& kind,
                                                   const WatchOptions& opts) override;

  // ---- for tests ----
  // Creates objects as Create does, without recording actions or consulting FailNext; stops
  // at the first failure and returns it.
  base::Status Seed(const std::vector<api::Object>& objects);
  std::vector<Action> Actions() const;
  void ClearActions();
  // The next call of `verb` on `resource` ("" for any resource) fails with `status` (after
  // being recorded). Several failures queue up in order.
  void FailNext(std::string verb, std::string resource, base::Status status);
  // Ends every open watch, as an API server that closes its streams.
  void CloseWatches();
  // Sends a BOOKMARK at the current resourceVersion to every watch that allows bookmarks.
  void SendBookmarks();
  // Forgets the history up to now: watches from an older resourceVersion get 410 Gone.
  void Compact();
  std::string ResourceVersion() const;
  // Watches open (not stopped, not closed).
  size_t WatchCount() const;

 private:
  using Key = std::tuple<std::string, std::string, std::string>;  // resource, namespace, name
  struct Change {
    int64_t rv = 0;
    std::string resource;
    EventType type = EventType::kAdded;
    api::Object obj;                  // the new state (DELETED: the last state)
    std::optional<api::Object> prev;  // MODIFIED and DELETED: the state before
  };

  base::Status Record(Action action);
  base::Result<api::Object> CreateLocked(api::Object obj);
  base::Result<api::Object> UpdateLocked(const api::Object& obj, bool status_only);
  base::Result<std::optional<api::Object>> DeleteLocked(api::Object stored,
                                                        const DeleteOptions& opts);
  base::Result<api::Object> Find(const api::KindInfo& kind, std::string_view ns,
                                 std::string_view name) const;
  // Stores `obj` under a new resourceVersion (or removes it for kDeleted) and notifies watches.
  api::Object Commit(EventType type, api::Object obj, std::optional<api::Object> prev);
  void Publish(const Change& change);

  std::unique_ptr<base::Clock> owned_clock_;
  base::Clock* clock_;
  mutable std::mutex mu_;
  std::map<Key, api::Object> objects_;
  int64_t rv_ = 0;
  int64_t compacted_rv_ = 0;  // history at or before this is gone
  int64_t next_uid_ = 0;
  std::deque<Change> history_;
  std::vector<std::shared_ptr<FakeWatchState>> watches_;
  std::vector<Action> actions_;
  std::vector<std::tuple<std::string, std::string, base::Status>> failures_;
};

}  // namespace cubelet::client

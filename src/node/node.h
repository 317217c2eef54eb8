// The node agent: the kubelet's pod lifecycle on top of the image service and the runtime.
//
// Pods come from sources (the API server through #6's informer, the static-pod manifest
// directory) and are run by one worker per pod. A worker syncs its pod whenever something
// changes (the pod was added, updated or deleted; a container exited, seen by the relister; a
// probe result flipped; a back-off expired) and on a periodic resync, and each sync does what
// the kubelet's SyncPod does: create the sandbox, pull images per imagePullPolicy, run init
// containers one at a time, start the app containers, restart exited ones per restartPolicy
// with the crash-loop back-off, and report the pod's status and events exactly as a kubelet
// would. Everything the agent touches sits behind an interface: runtime::Runtime,
// image::ImageService, base::Clock, and the three below (ApiObjects in, StatusSink and
// EventSink out), so its rules are unit-tested with fakes.
//
// Thread-safety: Agent methods may be called from any thread. The sinks are called from the
// agent's worker threads, never with an agent lock held.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/status.h"
#include "image/image.h"
#include "runtime/runtime.h"

namespace cubelet::node {

// ---- what the agent reads from the API ------------------------------------------------------

// The objects a pod's containers are configured from (configMap/secret volumes and env,
// service links). #6 implements it over its informers; MemoryObjects serves tests and the
// API-less mode. A missing object is NotFound.
class ApiObjects {
 public:
  virtual ~ApiObjects() = default;
  virtual base::Result<api::ConfigMap> GetConfigMap(const std::string& ns,
                                                    const std::string& name) = 0;
  virtual base::Result<api::Secret> GetSecret(const std::string& ns, const std::string& name) = 0;
  // Every Service of a namespace (for the FOO_SERVICE_HOST variables).
  virtual base::Result<std::vector<api::Service>> ListServices(const std::string& ns) = 0;
};

// ApiObjects held in memory (thread-safe).
class MemoryObjects final : public ApiObjects {
 public:
  void Put(api::ConfigMap cm);
  void Put(api::Secret secret);
  void Put(api::Service svc);
  void RemoveConfigMap(const std::string& ns, const std::string& name);
  void RemoveSecret(const std::string& ns, const std::string& name);
  void RemoveService(const std::string& ns, const std::string& name);

  base::Result<api::ConfigMap> GetConfigMap(const std::string& ns,
                                            const std::string& name) override;
  base::Result<api::Secret> GetSecret(const std::string& ns, const std::string& name) override;
  base::Result<std::vector<api::Service>> ListServices(const std::string& ns) override;

 private:
  std::mutex mu_;
  std::map<std::string, api::ConfigMap> config_maps_;  // "<ns>/<name>"
  std::map<std::string, api::Secret> secrets_;
  std::map<std::string, api::Service> services_;
};

// What the node knows about itself when it configures a container (downward API, env).
struct NodeInfo {
  std::string name;
  std::string host_ip;
  int64_t memory_bytes = 0;  // allocatable memory: resourceFieldRef of an unlimited container
  int64_t cpu_milli = 0;     // allocatable CPU
};

// The runtime's PodSources for one pod: env (value, valueFrom, envFrom and service links, in
// the kubelet's order and with its CreateContainerConfigError messages) and the contents of
// configMap, secret, downwardAPI and projected volumes. `pod` carries the status fields the
// downward API exposes (podIP, hostIP); `objects` may be null (everything it would supply is
// then an error naming the API server).
runtime::PodSources PodSourcesFor(const api::Pod& pod, ApiObjects* objects, const NodeInfo& node);

// ---- what the agent publishes -----------------------------------------------------------------

class StatusSink {
 public:
  virtual ~StatusSink() = default;
  // The pod's status changed; `pod` is the agent's copy with the new status. Called only when
  // the status differs from the last one published for this pod.
  virtual void PodStatusChanged(const api::Pod& pod) = 0;
  // A pod being deleted (deletionTimestamp set) has nothing running any more and its final
  // status was published: the API side now deletes the object for good (grace 0).
  virtual void PodTerminated(const api::Pod& pod) = 0;
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Creates the event, or replaces the one of the same namespace and name (a repeat: count,
  // lastTimestamp and maybe message changed).
  virtual void Publish(const api::Event& event) = 0;
};

// Records events the way client-go's recorder does before they reach the API: identical
// events (same object, type, reason, message) are one Event whose count and lastTimestamp
// grow; more than 10 similar ones (same but the message) within 10 minutes become one
// "(combined from similar events): <message>" event; a per-object token bucket (burst 25,
// one more per 5 minutes) drops the rest.
class EventRecorder {
 public:
  EventRecorder(EventSink* sink, base::Clock* clock, std::string component, std::string host);
  ~EventRecorder();
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  // `type` is "Normal" or "Warning".
  void Record(const api::ObjectReference& object, std::string_view type, std::string_view reason,
              std::string_view message);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The involvedObject of a pod's events, and of one of its containers
// ("spec.containers{name}" / "spec.initContainers{name}").
api::ObjectReference PodReference(const api::Pod& pod);
api::ObjectReference ContainerReference(const api::Pod& pod, const api::Container& container);

// ---- static pods ------------------------------------------------------------------------------

// Annotations the kubelet puts on static pods (and #6 on their mirror pods).
inline constexpr std::string_view kConfigHashAnnotation = "kubernetes.io/config.hash";
inline constexpr std::string_view kConfigSourceAnnotation = "kubernetes.io/config.source";
inline constexpr std::string_view kConfigSeenAnnotation = "kubernetes.io/config.seen";
inline constexpr std::string_view kConfigMirrorAnnotation = "kubernetes.io/config.mirror";

// The pod of one manifest file, as the kubelet's file source makes it: decoded (YAML or JSON,
// one Pod), defaulted and validated; name "<name>-<node>", namespace "default" if empty,
// nodeName, the NoExecute toleration, UID = config hash (md5 of node, path and content), and
// the config.hash/config.source ("file")/config.seen annotations. Errors name the file (and
// line when the YAML gives one).
base::Result<api::Pod> StaticPodFromManifest(const std::string& path, std::string_view content,
                                             const std::string& node_name, base::TimePoint seen);

// ---- the agent --------------------------------------------------------------------------------

struct AgentOptions {
  std::string node_name;
  NodeInfo node;  // name filled from node_name when empty
  // <data-dir>/node: what the agent keeps across restarts (back-off, restart bookkeeping, last
  // statuses of static pods).
  std::string state_dir;
  runtime::Runtime* runtime = nullptr;
  image::ImageService* images = nullptr;
  // What a pulled image gives the runtime (layer dirs from the image service, config).
  std::function<runtime::ImageSpec(const image::ImageRecord&)> image_spec;
  ApiObjects* objects = nullptr;  // may be null
  StatusSink* status = nullptr;   // may be null
  EventSink* events = nullptr;    // may be null
  base::Clock* clock = nullptr;
  base::Logger* logger = nullptr;  // may be null
  // Static pods: the manifest directory (or one file); empty: none.
  std::string pod_manifest_path;
  std::chrono::seconds file_check_frequency{20};
  // The sources that will call SetPods ("file" is added when pod_manifest_path is set). Pods
  // found running in the runtime at start that no source claims, once each of these has
  // delivered its first set, are killed and removed.
  std::vector<std::string> sources;
  std::chrono::seconds resync_interval{60};
  // How often the runtime's containers are listed to notice exits (the kubelet's PLEG relist).
  std::chrono::milliseconds relist_period{1000};
  // Crash-loop back-off (kubelet: 10 s doubling to 300 s; reset after 10 minutes of running).
  std::chrono::seconds crash_loop_initial{10};
  std::chrono::seconds crash_loop_max{300};
  std::chrono::seconds image_backoff_initial{10};
  std::chrono::seconds image_backoff_max{300};
  // false: no threads; a test drives the agent with Agent::RunOnce() and a FakeClock.
  bool threads = true;
};

class Agent {
 public:
  virtual ~Agent() = default;

  // The complete set of pods of one source ("api", "file", ...): new ones start, changed ones
  // are updated, and pods of that source missing from the set are killed and removed.
  virtual void SetPods(const std::string& source, std::vector<api::Pod> pods) = 0;
  // Adds or updates one pod. A pod with deletionTimestamp set is terminated gracefully
  // (deletionGracePeriodSeconds), then reported through StatusSink::PodTerminated.
  virtual void UpdatePod(const std::string& source, api::Pod pod) = 0;
  // The pod is gone from its source: kill it (grace from the spec) and remove it.
  virtual void RemovePod(const std::string& uid) = 0;

  // The pods the agent runs, with their current statuses.
  virtual std::vector<api::Pod> Pods() const = 0;
  virtual std::optional<api::Pod> GetPod(const std::string& uid) const = 0;

  // Without threads: relists the runtime, runs due probes and syncs every pod that has work due
  // at the clock's current time, in the caller's thread. Returns the number of pod syncs done.
  virtual int RunOnce() = 0;

  // Stops workers and watchers; running pods keep running (their supervisors own them) and
  // are re-adopted by the next agent on the same runtime.
  virtual void Stop() = 0;
};

// Rebuilds the view of running pods from the runtime (nothing is restarted) and, with
// options.threads, starts the relister, the static-pod watcher and the pod workers.
base::Result<std::unique_ptr<Agent>> StartAgent(AgentOptions options);

}  // namespace cubelet::node

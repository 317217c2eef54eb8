// The static-pod source: a manifest directory (or one file) watched with inotify and rescanned
// every file_check_frequency, as the kubelet's file source does. Private to src/node.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/api.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/status.h"

namespace cubelet::node {

// Reads every manifest of `path` (a directory: its *.yaml, *.yml and *.json files, skipping
// names that start with '.'; or a single file) into pods with StaticPodFromManifest. Files
// that fail to read or decode are logged and skipped; a missing path gives no pods. `seen` is
// the config.seen time given to pods of new or changed files (pass the previous scan's pods in
// `previous` so an unchanged file keeps its seen time).
std::vector<api::Pod> ScanManifests(const std::string& path, const std::string& node_name,
                                    base::TimePoint seen, const std::vector<api::Pod>& previous,
                                    base::Logger* logger);

// Watches `path` and calls `on_change` with the complete set of static pods whenever it
// differs from the last set delivered (and once at Start, even when empty): inotify events on
// the directory (create, write-close, move, delete) trigger a rescan at once, and a full
// rescan runs every `period` regardless, so events lost or not delivered (NFS, an overflowing
// queue, a directory created later) are caught up.
class ManifestWatcher {
 public:
  using OnChange = std::function<void(std::vector<api::Pod> pods)>;
  ManifestWatcher(std::string path, std::string node_name, std::chrono::milliseconds period,
                  base::Clock* clock, base::Logger* logger, OnChange on_change);
  ~ManifestWatcher();  // stops
  ManifestWatcher(const ManifestWatcher&) = delete;
  ManifestWatcher& operator=(const ManifestWatcher&) = delete;

  // Scans once (calling on_change), then starts the watching thread.
  base::Status Start();
  void Stop();
  // Rescans now in the caller's thread (calls on_change when the set changed). For tests and
  // the threadless agent.
  void ScanNow();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace cubelet::node

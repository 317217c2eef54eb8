// The static-pod file source: ScanManifests reads the manifest path into pods, ManifestWatcher
// rescans it on inotify events and every period (pkg/kubelet/config/file.go, file_linux.go).
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <fcntl.h>
#include <filesystem>
#include <map>
#include <mutex>
#include <poll.h>
#include <set>
#include <string>
#include <string_view>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <system_error>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

#include "node/node.h"
#include "node/static_pods.h"

namespace cubelet::node {
namespace {

// Manifests are a few KiB; the cap keeps a stray huge file in the directory from exhausting
// the agent's memory on every rescan.
constexpr size_t kMaxManifestBytes = 8 << 20;

// The kubelet's fileCheckFrequency, used when the caller gives no usable period.
constexpr std::chrono::milliseconds kDefaultPeriod{20000};

// Directory events that can change the set of manifests, and the watched path itself going
// away (it is watched again once it exists again).
constexpr uint32_t kWatchMask = IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
                                IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF;

// A directory entry that holds a manifest: *.yaml, *.yml or *.json, not hidden. Editors'
// backup and swap files ("pod.yaml~", ".pod.yaml.swp") are thereby left alone.
bool IsManifestName(std::string_view name) {
  if (name.empty() || name.front() == '.') return false;
  return name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json");
}

// strerror() is not thread-safe; the category's message is.
std::string ErrnoText(int err) { return std::generic_category().message(err); }

// Reads a regular file. Opened non-blocking and checked with fstat, so a FIFO or device put in
// the directory cannot hang the scan.
base::Result<std::string> ReadManifestFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return base::ErrnoError(errno, "opening " + path);
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return base::ErrnoError(errno, "reading " + path);
  if (!S_ISREG(st.st_mode)) return base::InvalidError("{}: not a regular file", path);
  if (static_cast<uint64_t>(st.st_size) > kMaxManifestBytes) {
    return base::InvalidError("{}: {} bytes, more than the {} bytes a manifest may have", path,
                              st.st_size, kMaxManifestBytes);
  }
  std::string content;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return base::ErrnoError(errno, "reading " + path);
    }
    content.append(buf, static_cast<size_t>(n));
    // The file may have grown since fstat.
    if (content.size() > kMaxManifestBytes) {
      return base::InvalidError("{}: more than the {} bytes a manifest may have", path,
                                kMaxManifestBytes);
    }
  }
  return content;
}

// The manifest files of `path` in name order (so a duplicate pod name always loses to the same
// file): the path itself when it is a file, its manifest entries when it is a directory.
std::vector<std::string> ManifestFiles(const std::string& path, base::Logger* logger) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (logger != nullptr) {
      // A missing path is normal (no static pods yet), anything else deserves a warning.
      logger->Log(err == ENOENT ? base::LogLevel::kDebug : base::LogLevel::kWarning,
                  "cannot read the static pod path", {{"path", path}, {"error", ErrnoText(err)}});
    }
    return {};
  }
  if (!S_ISDIR(st.st_mode)) return {path};

  std::vector<std::string> files;
  std::error_code ec;
  std::filesystem::directory_iterator it(path, ec);
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!IsManifestName(name)) continue;
    // Follows symlinks: a manifest may be a link to a file elsewhere.
    std::error_code type_ec;
    if (!it->is_regular_file(type_ec)) {
      if (logger != nullptr) {
        logger->Debug("ignoring a static pod path entry that is not a regular file",
                      {{"file", it->path().string()}});
      }
      continue;
    }
    files.push_back(it->path().string());
  }
  if (ec && logger != nullptr) {
    logger->Warning("cannot list the static pod directory",
                    {{"path", path}, {"error", ec.message()}});
  }
  std::sort(files.begin(), files.end());
  return files;
}

const std::string* Annotation(const api::Pod& pod, std::string_view key) {
  const auto it = pod.metadata.annotations.find(std::string(key));
  return it == pod.metadata.annotations.end() ? nullptr : &it->second;
}

}  // namespace

std::vector<api::Pod> ScanManifests(const std::string& path, const std::string& node_name,
                                    base::TimePoint seen, const std::vector<api::Pod>& previous,
                                    base::Logger* logger) {
  // config.seen is when the pod (its UID) was first seen, as the kubelet's pod config keeps it.
  std::map<std::string, std::string> seen_by_uid;
  for (const api::Pod& p : previous) {
    if (const std::string* s = Annotation(p, kConfigSeenAnnotation))
      seen_by_uid[p.metadata.uid] = *s;
  }

  std::vector<api::Pod> pods;
  std::set<std::string> uids;
  std::set<std::string> names;  // "<namespace>/<name>"
  for (const std::string& file : ManifestFiles(path, logger)) {
    base::Result<std::string> content = ReadManifestFile(file);
    base::Result<api::Pod> pod = content.ok()
                                     ? StaticPodFromManifest(file, *content, node_name, seen)
                                     : base::Result<api::Pod>(content.status());
    if (!pod.ok()) {
      if (logger != nullptr) {
        logger->Warning("skipping static pod manifest",
                        {{"file", file}, {"error", pod.status().message()}});
      }
      continue;
    }
    // Two manifests for one pod (the same name, or a UID copied between files): the first
    // file in name order wins, as the kubelet keeps the first of duplicate pods.
    const std::string full_name = pod->metadata.namespace_ + "/" + pod->metadata.name;
    if (uids.contains(pod->metadata.uid) || names.contains(full_name)) {
      if (logger != nullptr) {
        logger->Warning("skipping static pod manifest: another manifest defines the same pod",
                        {{"file", file}, {"pod", full_name}, {"uid", pod->metadata.uid}});
      }
      continue;
    }
    uids.insert(pod->metadata.uid);
    names.insert(full_name);
    if (auto it = seen_by_uid.find(pod->metadata.uid); it != seen_by_uid.end()) {
      pod->metadata.annotations[std::string(kConfigSeenAnnotation)] = it->second;
    }
    pods.push_back(std::move(*pod));
  }
  return pods;
}

// ---- ManifestWatcher ------------------------------------------------------------------------

struct ManifestWatcher::State {
  State(std::string manifest_path, std::string node, std::chrono::milliseconds scan_period,
        base::Clock* clk, base::Logger* log, OnChange callback)
      : path(std::move(manifest_path)),
        node_name(std::move(node)),
        period(scan_period > std::chrono::milliseconds::zero() ? scan_period : kDefaultPeriod),
        clock(clk),
        logger(log),
        on_change(std::move(callback)) {}
  ~State() {
    if (inotify_fd >= 0) ::close(inotify_fd);
    if (wake_fd >= 0) ::close(wake_fd);
  }

  void Scan();
  void WatchPath();
  bool DrainEvents();
  void Run();

  const std::string path;
  const std::string node_name;
  const std::chrono::milliseconds period;
  base::Clock* const clock;
  base::Logger* const logger;
  const OnChange on_change;

  // Held across a scan and its delivery, so deliveries never overlap and arrive in scan order
  // whichever thread (Start, the watcher, ScanNow) scanned.
  std::mutex scan_mu;
  bool delivered = false;      // guarded by scan_mu
  std::vector<api::Pod> last;  // guarded by scan_mu: the set last delivered

  // Start and Stop.
  std::mutex lifecycle_mu;
  bool started = false;  // guarded by lifecycle_mu
  std::thread thread;
  std::atomic<bool> stopping{false};
  int wake_fd = -1;  // eventfd written by Stop to end the poll

  // Owned by Start, then by the watcher thread.
  int inotify_fd = -1;  // -1: inotify unavailable, only the periodic rescan runs
  int wd = -1;          // the watch on `path`, -1 while the path is missing
  bool watch_failure_logged = false;
};

// on_change runs with scan_mu held (from Start's caller, the watcher thread or ScanNow's
// caller, one at a time); it must not call back into the watcher.
void ManifestWatcher::State::Scan() {
  std::lock_guard lock(scan_mu);
  std::vector<api::Pod> pods = ScanManifests(path, node_name, clock->Now(), last, logger);
  // Unchanged files keep their pods byte for byte (config.seen included), so equality means
  // nothing the agent cares about changed.
  if (delivered && pods == last) return;
  delivered = true;
  last = pods;
  on_change(std::move(pods));
}

// Watches `path` if it exists and is not watched yet. A missing path is retried on every
// rescan, which is how a directory created (or recreated) after Start gets its watch.
void ManifestWatcher::State::WatchPath() {
  if (inotify_fd < 0 || wd >= 0) return;
  wd = ::inotify_add_watch(inotify_fd, path.c_str(), kWatchMask);
  if (wd >= 0) {
    watch_failure_logged = false;
    return;
  }
  const int err = errno;
  // ENOENT: not there yet. Others (ENOSPC: fs.inotify.max_user_watches reached) are logged
  // once, not on every rescan.
  if (err != ENOENT && !watch_failure_logged && logger != nullptr) {
    logger->Warning("cannot watch the static pod path; changes are seen by the periodic rescan",
                    {{"path", path},
                     {"error", ErrnoText(err)},
                     {"period_ms", static_cast<int64_t>(period.count())}});
    watch_failure_logged = true;
  }
}

// Reads every pending inotify event; true when one of them may change the manifests.
bool ManifestWatcher::State::DrainEvents() {
  bool relevant = false;
  alignas(struct inotify_event) char buf[8192];
  for (;;) {
    const ssize_t n = ::read(inotify_fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EAGAIN: drained
    for (ssize_t off = 0; off < n;) {
      const auto* ev = reinterpret_cast<const struct inotify_event*>(buf + off);
      off += static_cast<ssize_t>(sizeof(struct inotify_event) + ev->len);
      if (ev->mask & IN_Q_OVERFLOW) {
        relevant = true;  // events were lost: only a rescan knows what changed
        continue;
      }
      if (ev->wd != wd) continue;  // a watch already given up
      if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
        // The watched path is gone (deleted, or renamed away: the watch would follow the old
        // inode). Watch whatever is at the path on the next rescan.
        if (!(ev->mask & IN_IGNORED)) ::inotify_rm_watch(inotify_fd, wd);
        wd = -1;
        relevant = true;
        continue;
      }
      // Events about a single watched file carry no name.
      relevant = relevant || ev->len == 0 || IsManifestName(ev->name);
    }
  }
  return relevant;
}

void ManifestWatcher::State::Run() {
  base::Duration next_scan = clock->Monotonic() + period;
  while (!stopping.load()) {
    const base::Duration remaining = std::max(next_scan - clock->Monotonic(), base::Duration{0});
    const auto timeout = std::chrono::ceil<std::chrono::milliseconds>(remaining).count();
    struct pollfd fds[2] = {{wake_fd, POLLIN, 0}, {inotify_fd, POLLIN, 0}};
    const nfds_t nfds = inotify_fd >= 0 ? 2 : 1;
    const int ready = ::poll(fds, nfds, static_cast<int>(std::min<int64_t>(timeout, INT_MAX)));
    if (ready < 0 && errno != EINTR) {
      // Only ENOMEM can get here; wait instead of spinning on the failure.
      if (logger != nullptr) {
        logger->Error("static pod watcher: poll failed", {{"error", ErrnoText(errno)}});
      }
      clock->SleepFor(std::chrono::seconds(1));
    }
    if (stopping.load()) break;
    bool rescan = ready > 0 && nfds == 2 && fds[1].revents != 0 && DrainEvents();
    if (clock->Monotonic() >= next_scan) {
      rescan = true;
      next_scan = clock->Monotonic() + period;
    }
    if (rescan) {
      WatchPath();  // before scanning, so a change right after the scan is not missed
      Scan();
    }
  }
}

ManifestWatcher::ManifestWatcher(std::string path, std::string node_name,
                                 std::chrono::milliseconds period, base::Clock* clock,
                                 base::Logger* logger, OnChange on_change)
    : state_(std::make_unique<State>(std::move(path), std::move(node_name), period, clock, logger,
                                     std::move(on_change))) {}

ManifestWatcher::~ManifestWatcher() { Stop(); }

base::Status ManifestWatcher::Start() {
  State& s = *state_;
  std::lock_guard lock(s.lifecycle_mu);
  if (s.started) {
    return base::InvalidError("the static pod watcher of {} was already started", s.path);
  }
  s.started = true;
  s.wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (s.wake_fd < 0) return base::ErrnoError(errno, "creating the static pod watcher's eventfd");
  s.inotify_fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (s.inotify_fd < 0 && s.logger != nullptr) {
    // EMFILE (fs.inotify.max_user_instances) is the usual cause; static pods still work.
    s.logger->Warning("inotify unavailable; static pod changes are seen by the periodic rescan",
                      {{"path", s.path},
                       {"error", ErrnoText(errno)},
                       {"period_ms", static_cast<int64_t>(s.period.count())}});
  }
  // Watch first, then scan: a change between the two is then an event, never lost.
  s.WatchPath();
  s.Scan();
  try {
    s.thread = std::thread([&s] { s.Run(); });
  } catch (const std::system_error& e) {
    return base::Status(base::Code::kResourceExhausted,
                        std::string("starting the static pod watcher thread: ") + e.what());
  }
  return base::Status::Ok();
}

void ManifestWatcher::Stop() {
  State& s = *state_;
  std::lock_guard lock(s.lifecycle_mu);
  if (!s.thread.joinable()) return;
  s.stopping.store(true);
  const uint64_t one = 1;
  // An eventfd write of 1 only fails when the counter would overflow, never here.
  [[maybe_unused]] const ssize_t n = ::write(s.wake_fd, &one, sizeof one);
  s.thread.join();
}

void ManifestWatcher::ScanNow() { state_->Scan(); }

}  // namespace cubelet::node

// Static pods: one manifest → one pod (StaticPodFromManifest), a manifest path → the set of
// pods (ScanManifests), and the watcher that keeps the set current (ManifestWatcher, with a
// real directory and real inotify).
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdlib.h>
#include <string>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "api/api.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/testing/fake_clock.h"
#include "base/time.h"
#include "node/node.h"
#include "node/static_pods.h"

namespace cubelet::node {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

const base::TimePoint kT0 = base::TimePoint(std::chrono::seconds(1704067200));  // 2024-01-01
constexpr char kPath[] = "/etc/kubernetes/manifests/web.yaml";

constexpr char kWebYaml[] = R"(apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
spec:
  containers:
  - name: nginx
    image: nginx:1.25
    ports:
    - containerPort: 80
)";

// The same pod written differently: other key order, flow style, comments, and the defaults
// the API would fill in spelled out.
constexpr char kWebYamlReformatted[] = R"(# the web server
kind: Pod
spec:
  restartPolicy: Always   # the default
  containers:
    - {image: "nginx:1.25", name: nginx, ports: [{containerPort: 80, protocol: TCP}]}
metadata: {labels: {app: web}, name: web}
apiVersion: v1
)";

constexpr char kWebJson[] = R"({
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {"name": "web", "labels": {"app": "web"}},
  "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25",
                           "ports": [{"containerPort": 80}]}]}
})";

// A minimal manifest for pod `name` running `image`.
std::string Manifest(const std::string& name, const std::string& image = "nginx:1.25") {
  return fmt::format(
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {}\nspec:\n  containers:\n  - name: c\n"
      "    image: {}\n",
      name, image);
}

api::Pod MustParse(const std::string& path, std::string_view content,
                   const std::string& node = "node-1", base::TimePoint seen = kT0) {
  base::Result<api::Pod> pod = StaticPodFromManifest(path, content, node, seen);
  EXPECT_TRUE(pod.ok()) << pod.status().ToString();
  return pod.ok() ? *pod : api::Pod{};
}

std::string ErrorOf(const std::string& path, std::string_view content) {
  base::Result<api::Pod> pod = StaticPodFromManifest(path, content, "node-1", kT0);
  EXPECT_FALSE(pod.ok()) << "accepted: " << content;
  return pod.ok() ? std::string() : pod.status().message();
}

std::string Md5Hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_md5(), nullptr);
  std::string out;
  for (unsigned int i = 0; i < len; ++i) out += fmt::format("{:02x}", md[i]);
  return out;
}

std::vector<std::string> Names(const std::vector<api::Pod>& pods) {
  std::vector<std::string> names;
  for (const api::Pod& p : pods) names.push_back(p.metadata.name);
  return names;
}

// ---- StaticPodFromManifest --------------------------------------------------------------------

TEST(StaticPodTest, AppliesTheFileSourceDefaults) {
  const base::TimePoint seen = kT0 + 1500ms;
  const api::Pod pod = MustParse(kPath, kWebYaml, "node-1", seen);

  EXPECT_EQ(pod.metadata.name, "web-node-1");
  EXPECT_EQ(pod.metadata.namespace_, "default");
  EXPECT_EQ(pod.spec.node_name, "node-1");
  EXPECT_THAT(pod.metadata.uid, ::testing::MatchesRegex("[0-9a-f]{32}"));
  EXPECT_EQ(pod.metadata.labels.at("app"), "web");
  const api::StringMap& a = pod.metadata.annotations;
  EXPECT_EQ(a.at(std::string(kConfigHashAnnotation)), pod.metadata.uid);
  EXPECT_EQ(a.at(std::string(kConfigSourceAnnotation)), "file");
  EXPECT_EQ(a.at(std::string(kConfigSeenAnnotation)), "2024-01-01T00:00:01.500000000Z");
  ASSERT_THAT(pod.spec.tolerations, SizeIs(1));
  EXPECT_EQ(pod.spec.tolerations[0].operator_, "Exists");
  EXPECT_EQ(pod.spec.tolerations[0].effect, "NoExecute");
  EXPECT_EQ(pod.spec.tolerations[0].key, "");
  EXPECT_EQ(pod.status.phase, "Pending");
  // The API's defaults were applied too.
  ASSERT_THAT(pod.spec.containers, SizeIs(1));
  EXPECT_EQ(pod.spec.containers[0].image_pull_policy, "IfNotPresent");
  EXPECT_EQ(pod.spec.restart_policy, "Always");
}

// Node names are lowercase DNS subdomains (the kubelet lowercases the hostname); a node named
// otherwise fails validation of spec.nodeName rather than producing a pod no API would accept.
TEST(StaticPodTest, MixedCaseNodeNameIsRefused) {
  base::Result<api::Pod> pod = StaticPodFromManifest("web.yaml", kWebYaml, "Node-1", kT0);
  ASSERT_FALSE(pod.ok());
  EXPECT_THAT(pod.status().message(),
              HasSubstr("web.yaml:7: spec.nodeName: Invalid value: \"Node-1\""));
}

TEST(StaticPodTest, KeepsTheManifestNamespaceAndTolerations) {
  const api::Pod pod = MustParse(kPath, R"(apiVersion: v1
kind: Pod
metadata:
  name: etcd
  namespace: kube-system
spec:
  tolerations:
  - operator: Exists
    effect: NoExecute
  - key: dedicated
    operator: Equal
    value: control-plane
    effect: NoSchedule
  containers:
  - name: etcd
    image: etcd:3.5
)");
  EXPECT_EQ(pod.metadata.name, "etcd-node-1");
  EXPECT_EQ(pod.metadata.namespace_, "kube-system");
  // The manifest's own NoExecute toleration is the one the kubelet adds: not repeated.
  ASSERT_THAT(pod.spec.tolerations, SizeIs(2));
  EXPECT_EQ(pod.spec.tolerations[0].effect, "NoExecute");
  EXPECT_EQ(pod.spec.tolerations[1].key, "dedicated");
}

// The documented hash: md5 of "host:<node>", "file:<path>" and the canonical JSON of the
// decoded, defaulted pod.
TEST(StaticPodTest, UidIsTheMd5OfNodePathAndCanonicalContent) {
  base::Result<std::vector<api::Object>> objects = api::DecodeManifests(kWebYaml, "web.yaml");
  ASSERT_TRUE(objects.ok()) << objects.status().ToString();
  api::Pod decoded = std::get<api::Pod>(objects->at(0));
  api::SetDefaults(decoded);
  const std::string want =
      Md5Hex(std::string("host:node-1") + "file:" + kPath + api::EncodeJson(decoded).dump());

  EXPECT_EQ(MustParse(kPath, kWebYaml).metadata.uid, want);
}

TEST(StaticPodTest, UidIgnoresFormattingYamlOrJsonAndSpelledOutDefaults) {
  const std::string uid = MustParse(kPath, kWebYaml).metadata.uid;
  EXPECT_EQ(MustParse(kPath, kWebYamlReformatted).metadata.uid, uid);
  EXPECT_EQ(MustParse(kPath, kWebJson).metadata.uid, uid);
}

TEST(StaticPodTest, UidChangesWithContentNodeOrPath) {
  const std::string uid = MustParse(kPath, kWebYaml).metadata.uid;
  std::string changed = kWebYaml;
  changed.replace(changed.find("nginx:1.25"), 10, "nginx:1.26");
  EXPECT_NE(MustParse(kPath, changed).metadata.uid, uid);
  EXPECT_NE(MustParse(kPath, kWebYaml, "node-2").metadata.uid, uid);
  EXPECT_NE(MustParse("/etc/kubernetes/manifests/web2.yaml", kWebYaml).metadata.uid, uid);
  // The seen time is not content.
  EXPECT_EQ(MustParse(kPath, kWebYaml, "node-1", kT0 + 1h).metadata.uid, uid);
}

// As in the kubelet, only an empty UID is generated.
TEST(StaticPodTest, KeepsAUidWrittenInTheManifest) {
  const api::Pod pod = MustParse(kPath, Manifest("web"));
  std::string with_uid = Manifest("web");
  with_uid.replace(with_uid.find("  name: web"), 11, "  name: web\n  uid: 1234-abcd");
  const api::Pod fixed = MustParse(kPath, with_uid);
  EXPECT_EQ(fixed.metadata.uid, "1234-abcd");
  EXPECT_EQ(fixed.metadata.annotations.at(std::string(kConfigHashAnnotation)), "1234-abcd");
  EXPECT_NE(pod.metadata.uid, "1234-abcd");
}

TEST(StaticPodTest, DecodesJson) {
  const api::Pod pod = MustParse("/m/web.json", kWebJson);
  EXPECT_EQ(pod.metadata.name, "web-node-1");
  ASSERT_THAT(pod.spec.containers, SizeIs(1));
  EXPECT_EQ(pod.spec.containers[0].image, "nginx:1.25");
  ASSERT_THAT(pod.spec.containers[0].ports, SizeIs(1));
  EXPECT_EQ(pod.spec.containers[0].ports[0].container_port, 80);
}

TEST(StaticPodTest, ValidationErrorsNameTheFileLineAndField) {
  // Line 7 is the container without an image.
  EXPECT_EQ(ErrorOf("m/web.yaml", R"(apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: nginx
)"),
            "m/web.yaml:7: spec.containers[0].image: Required value");
}

TEST(StaticPodTest, ValidationSeesTheGeneratedName) {
  // Valid on its own, but "<name>-<node>" is longer than the 253 characters a name may have.
  const std::string message = ErrorOf("web.yaml", Manifest(std::string(250, 'a')));
  EXPECT_THAT(message, HasSubstr("web.yaml:4: metadata.name: Invalid value"));
  EXPECT_THAT(message, HasSubstr("-node-1"));
}

TEST(StaticPodTest, DecodeErrorsNameTheFileAndLine) {
  std::string typo = Manifest("web");
  typo.replace(typo.find("    image:"), 10, "    imagee:");
  EXPECT_EQ(ErrorOf("web.yaml", typo), "web.yaml:8: unknown field \"spec.containers[0].imagee\"");
  EXPECT_THAT(ErrorOf("web.yaml", "apiVersion: v1\nkind: Pod\nmetadata: [\n"),
              HasSubstr("web.yaml:"));
}

TEST(StaticPodTest, RequiresAName) {
  EXPECT_EQ(ErrorOf("web.yaml", R"(apiVersion: v1
kind: Pod
metadata:
  generateName: web-
spec:
  containers:
  - name: c
    image: nginx
)"),
            "web.yaml:3: metadata.name: Required value: a static pod needs a name "
            "(generateName is not supported)");
}

TEST(StaticPodTest, RefusesOtherKindsAndLists) {
  EXPECT_EQ(ErrorOf("svc.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n"),
            "svc.yaml:2: kind \"Service\" (apiVersion \"v1\"): a static pod manifest holds one "
            "Pod (apiVersion: v1, kind: Pod)");
  EXPECT_THAT(ErrorOf("list.yaml",
                      "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n"
                      "  kind: Pod\n  metadata:\n    name: a\n"),
              HasSubstr("list.yaml:2: kind \"List\""));
  EXPECT_THAT(ErrorOf("dep.yaml", "apiVersion: apps/v1\nkind: Pod\nmetadata:\n  name: a\n"),
              HasSubstr("dep.yaml:2: kind \"Pod\" (apiVersion \"apps/v1\")"));
  EXPECT_THAT(ErrorOf("nokind.yaml", "metadata:\n  name: a\n"),
              HasSubstr("nokind.yaml:1: no kind: a static pod manifest holds one Pod"));
}

TEST(StaticPodTest, RefusesMultipleDocumentsAndEmptyFiles) {
  EXPECT_EQ(ErrorOf("two.yaml", Manifest("a") + "---\n" + Manifest("b")),
            "two.yaml: 2 documents: a static pod manifest holds exactly one Pod (one file per "
            "pod)");
  EXPECT_EQ(ErrorOf("empty.yaml", ""),
            "empty.yaml: no pod in the file: a static pod manifest holds one Pod");
}

// ---- ScanManifests ----------------------------------------------------------------------------

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "static_pod_test.XXXXXX").string();
    const char* made = ::mkdtemp(tmpl.data());
    EXPECT_NE(made, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::trunc);
  out << content;
  out.close();
  ASSERT_TRUE(out) << "writing " << path;
}

class ManifestScanTest : public ::testing::Test {
 protected:
  std::vector<api::Pod> Scan(base::TimePoint seen, const std::vector<api::Pod>& previous = {}) {
    return ScanManifests(dir_.path(), "node-1", seen, previous, &logger_);
  }

  TempDir dir_;
  base::FakeClock clock_;
  base::MemoryLogSink sink_;
  base::Logger logger_{sink_, clock_, base::LogLevel::kDebug};
};

TEST_F(ManifestScanTest, ReadsTheManifestsOfADirectoryInNameOrder) {
  WriteFile(dir_.File("c.json"), R"({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "c"},
    "spec": {"containers": [{"name": "c", "image": "nginx"}]}})");
  WriteFile(dir_.File("b.yml"), Manifest("b"));
  WriteFile(dir_.File("a.yaml"), Manifest("a"));
  // Not manifests: hidden, other extensions, editor leftovers, a directory.
  WriteFile(dir_.File(".hidden.yaml"), Manifest("hidden"));
  WriteFile(dir_.File("notes.txt"), Manifest("notes"));
  WriteFile(dir_.File("a.yaml~"), Manifest("backup"));
  std::filesystem::create_directory(dir_.File("sub.yaml"));
  WriteFile(dir_.File("sub.yaml/d.yaml"), Manifest("d"));

  const std::vector<api::Pod> pods = Scan(kT0);
  EXPECT_THAT(Names(pods), ElementsAre("a-node-1", "b-node-1", "c-node-1"));
  // The UID covers the file's path.
  ASSERT_THAT(pods, SizeIs(3));
  EXPECT_EQ(pods[0].metadata.uid, MustParse(dir_.File("a.yaml"), Manifest("a")).metadata.uid);
}

TEST_F(ManifestScanTest, SkipsAndLogsFilesThatDoNotDecode) {
  WriteFile(dir_.File("bad.yaml"), "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\n");
  WriteFile(dir_.File("good.yaml"), Manifest("good"));

  EXPECT_THAT(Names(Scan(kT0)), ElementsAre("good-node-1"));
  bool logged = false;
  for (const std::string& line : sink_.Lines()) {
    logged = logged || (line.find("bad.yaml") != std::string::npos &&
                        line.find("spec.containers: Required value") != std::string::npos);
  }
  EXPECT_TRUE(logged) << ::testing::PrintToString(sink_.Lines());
}

TEST_F(ManifestScanTest, MissingPathGivesNoPods) {
  EXPECT_THAT(ScanManifests(dir_.File("missing"), "node-1", kT0, {}, &logger_), SizeIs(0));
  EXPECT_THAT(ScanManifests(dir_.File("missing"), "node-1", kT0, {}, nullptr), SizeIs(0));
}

TEST_F(ManifestScanTest, ASingleFilePathIsReadWhateverItsName) {
  WriteFile(dir_.File("pod.manifest"), Manifest("single"));
  EXPECT_THAT(Names(ScanManifests(dir_.File("pod.manifest"), "node-1", kT0, {}, &logger_)),
              ElementsAre("single-node-1"));
}

TEST_F(ManifestScanTest, TwoManifestsOfOnePodKeepTheFirst) {
  WriteFile(dir_.File("a.yaml"), Manifest("web", "nginx:1"));
  WriteFile(dir_.File("b.yaml"), Manifest("web", "nginx:2"));
  const std::vector<api::Pod> pods = Scan(kT0);
  ASSERT_THAT(pods, SizeIs(1));
  EXPECT_EQ(pods[0].spec.containers[0].image, "nginx:1");
}

// Files added, changed and removed between scans; an unchanged file keeps its pod exactly,
// config.seen included.
TEST_F(ManifestScanTest, FollowsAddedChangedAndRemovedFiles) {
  const auto seen = [](const api::Pod& p) {
    return p.metadata.annotations.at(std::string(kConfigSeenAnnotation));
  };
  WriteFile(dir_.File("a.yaml"), Manifest("a"));
  const std::vector<api::Pod> first = Scan(kT0);
  ASSERT_THAT(Names(first), ElementsAre("a-node-1"));

  WriteFile(dir_.File("b.yaml"), Manifest("b"));
  const std::vector<api::Pod> second = Scan(kT0 + 1h, first);
  ASSERT_THAT(Names(second), ElementsAre("a-node-1", "b-node-1"));
  EXPECT_EQ(second[0], first[0]);
  EXPECT_EQ(seen(second[1]), base::FormatRfc3339(kT0 + 1h, 9));

  WriteFile(dir_.File("a.yaml"), Manifest("a", "nginx:1.26"));
  const std::vector<api::Pod> third = Scan(kT0 + 2h, second);
  ASSERT_THAT(Names(third), ElementsAre("a-node-1", "b-node-1"));
  EXPECT_NE(third[0].metadata.uid, first[0].metadata.uid);
  EXPECT_EQ(seen(third[0]), base::FormatRfc3339(kT0 + 2h, 9));
  EXPECT_EQ(third[1], second[1]);

  std::filesystem::remove(dir_.File("b.yaml"));
  EXPECT_THAT(Names(Scan(kT0 + 3h, third)), ElementsAre("a-node-1"));
}

// ---- ManifestWatcher --------------------------------------------------------------------------

// Collects what a watcher delivers; waits have a generous timeout that only a broken watcher
// reaches, and nothing asserts on how long a delivery took.
class Deliveries {
 public:
  ManifestWatcher::OnChange Callback() {
    return [this](std::vector<api::Pod> pods) {
      std::lock_guard lock(mu_);
      sets_.push_back(std::move(pods));
      cv_.notify_all();
    };
  }
  // Waits until the latest set satisfies `pred`; nullopt after the timeout.
  std::optional<std::vector<api::Pod>> WaitFor(
      const std::function<bool(const std::vector<api::Pod>&)>& pred) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, 60s, [&] { return !sets_.empty() && pred(sets_.back()); })) {
      return std::nullopt;
    }
    return sets_.back();
  }
  size_t count() const {
    std::lock_guard lock(mu_);
    return sets_.size();
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::vector<api::Pod>> sets_;
};

auto HasNames(std::vector<std::string> names) {
  return [names](const std::vector<api::Pod>& pods) { return Names(pods) == names; };
}

class ManifestWatcherTest : public ::testing::Test {
 protected:
  // A period no test outlives: whatever a test sees was delivered by inotify.
  static constexpr std::chrono::milliseconds kNoRescan = std::chrono::hours(1);

  std::unique_ptr<ManifestWatcher> Watch(const std::string& path, std::chrono::milliseconds period,
                                         base::Clock* clock = nullptr) {
    return std::make_unique<ManifestWatcher>(path, "node-1", period,
                                             clock != nullptr ? clock : real_clock_.get(), &logger_,
                                             deliveries_.Callback());
  }

  TempDir dir_;
  std::unique_ptr<base::Clock> real_clock_ = base::NewRealClock();
  base::MemoryLogSink sink_;
  base::Logger logger_{sink_, *real_clock_};
  Deliveries deliveries_;
};

TEST_F(ManifestWatcherTest, StartDeliversTheInitialSetEvenWhenEmpty) {
  auto watcher = Watch(dir_.path(), kNoRescan);
  ASSERT_TRUE(watcher->Start().ok());
  // Start scans in the caller's thread: the set is there when it returns.
  EXPECT_EQ(deliveries_.count(), 1u);
  EXPECT_TRUE(deliveries_.WaitFor(HasNames({})));
}

TEST_F(ManifestWatcherTest, InotifyDeliversAddedModifiedAndDeletedManifests) {
  WriteFile(dir_.File("a.yaml"), Manifest("a"));
  auto watcher = Watch(dir_.path(), kNoRescan);
  ASSERT_TRUE(watcher->Start().ok());
  std::optional<std::vector<api::Pod>> initial = deliveries_.WaitFor(HasNames({"a-node-1"}));
  ASSERT_TRUE(initial);

  WriteFile(dir_.File("b.yaml"), Manifest("b"));
  std::optional<std::vector<api::Pod>> added =
      deliveries_.WaitFor(HasNames({"a-node-1", "b-node-1"}));
  ASSERT_TRUE(added);
  EXPECT_EQ((*added)[0], (*initial)[0]);  // a unchanged, seen time included

  WriteFile(dir_.File("b.yaml"), Manifest("b", "nginx:1.26"));
  const std::string old_uid = (*added)[1].metadata.uid;
  std::optional<std::vector<api::Pod>> modified =
      deliveries_.WaitFor([&](const std::vector<api::Pod>& pods) {
        return pods.size() == 2 && pods[1].metadata.uid != old_uid;
      });
  ASSERT_TRUE(modified);
  EXPECT_EQ((*modified)[1].spec.containers[0].image, "nginx:1.26");

  // A rename into the directory (how editors and config tools replace files atomically).
  WriteFile(dir_.File(".c.yaml.tmp"), Manifest("c"));
  std::filesystem::rename(dir_.File(".c.yaml.tmp"), dir_.File("c.yaml"));
  EXPECT_TRUE(deliveries_.WaitFor(HasNames({"a-node-1", "b-node-1", "c-node-1"})));

  std::filesystem::remove(dir_.File("a.yaml"));
  std::filesystem::remove(dir_.File("b.yaml"));
  std::filesystem::remove(dir_.File("c.yaml"));
  EXPECT_TRUE(deliveries_.WaitFor(HasNames({})));
}

TEST_F(ManifestWatcherTest, WatchesASingleFile) {
  const std::string path = dir_.File("pod.yaml");
  WriteFile(path, Manifest("single"));
  auto watcher = Watch(path, kNoRescan);
  ASSERT_TRUE(watcher->Start().ok());
  std::optional<std::vector<api::Pod>> initial = deliveries_.WaitFor(HasNames({"single-node-1"}));
  ASSERT_TRUE(initial);

  WriteFile(path, Manifest("single", "nginx:1.26"));
  EXPECT_TRUE(deliveries_.WaitFor([&](const std::vector<api::Pod>& pods) {
    return pods.size() == 1 && pods[0].metadata.uid != (*initial)[0].metadata.uid;
  }));
}

// A directory that does not exist at Start has no watch; the periodic rescan finds it and
// its manifests once it appears, and again after it was removed and recreated.
TEST_F(ManifestWatcherTest, PeriodicRescanFindsADirectoryCreatedAfterStart) {
  const std::string path = dir_.File("manifests");
  auto watcher = Watch(path, 200ms);
  ASSERT_TRUE(watcher->Start().ok());
  ASSERT_TRUE(deliveries_.WaitFor(HasNames({})));

  std::filesystem::create_directory(path);
  WriteFile(path + "/a.yaml", Manifest("a"));
  EXPECT_TRUE(deliveries_.WaitFor(HasNames({"a-node-1"})));

  std::filesystem::remove_all(path);
  EXPECT_TRUE(deliveries_.WaitFor(HasNames({})));
  std::filesystem::create_directory(path);
  WriteFile(path + "/b.yaml", Manifest("b"));
  EXPECT_TRUE(deliveries_.WaitFor(HasNames({"b-node-1"})));
}

// Deleting the watched directory is an inotify event too (no periodic rescan here).
TEST_F(ManifestWatcherTest, RemovedDirectoryDeliversAnEmptySet) {
  const std::string path = dir_.File("manifests");
  std::filesystem::create_directory(path);
  WriteFile(path + "/a.yaml", Manifest("a"));
  auto watcher = Watch(path, kNoRescan);
  ASSERT_TRUE(watcher->Start().ok());
  ASSERT_TRUE(deliveries_.WaitFor(HasNames({"a-node-1"})));

  std::filesystem::remove_all(path);
  EXPECT_TRUE(deliveries_.WaitFor(HasNames({})));
}

// Rescans that find what was already delivered deliver nothing, and unchanged pods keep the
// time they were first seen while new ones get the current time.
TEST_F(ManifestWatcherTest, UnchangedSetIsNotDeliveredAgain) {
  base::FakeClock clock(kT0);
  WriteFile(dir_.File("a.yaml"), Manifest("a"));
  auto watcher = Watch(dir_.path(), kNoRescan, &clock);
  ASSERT_TRUE(watcher->Start().ok());
  ASSERT_EQ(deliveries_.count(), 1u);

  clock.Advance(2h);
  watcher->ScanNow();
  watcher->ScanNow();
  EXPECT_EQ(deliveries_.count(), 1u);

  WriteFile(dir_.File("b.yaml"), Manifest("b"));
  watcher->ScanNow();  // races with the inotify-triggered scan; either delivers the same set
  std::optional<std::vector<api::Pod>> pods =
      deliveries_.WaitFor(HasNames({"a-node-1", "b-node-1"}));
  ASSERT_TRUE(pods);
  EXPECT_EQ((*pods)[0].metadata.annotations.at(std::string(kConfigSeenAnnotation)),
            base::FormatRfc3339(kT0, 9));
  EXPECT_EQ((*pods)[1].metadata.annotations.at(std::string(kConfigSeenAnnotation)),
            base::FormatRfc3339(kT0 + 2h, 9));
  EXPECT_EQ(deliveries_.count(), 2u);
}

TEST_F(ManifestWatcherTest, StopIsIdempotentAndAWatcherStartsOnce) {
  auto watcher = Watch(dir_.path(), kNoRescan);
  ASSERT_TRUE(watcher->Start().ok());
  base::Status again = watcher->Start();
  EXPECT_FALSE(again.ok());
  EXPECT_THAT(again.message(), HasSubstr(dir_.path()));
  watcher->Stop();
  watcher->Stop();
  // Without its thread the watcher still scans on request.
  WriteFile(dir_.File("a.yaml"), Manifest("a"));
  watcher->ScanNow();
  EXPECT_TRUE(deliveries_.WaitFor(HasNames({"a-node-1"})));
}

}  // namespace
}  // namespace cubelet::node

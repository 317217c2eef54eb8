#include "runtime/testing/fake_runtime.h"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/testing/fake_clock.h"

namespace cubelet::runtime {
namespace {

using base::Code;
using base::Status;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

SandboxConfig Pod(const std::string& name) {
  SandboxConfig c;
  c.name = name;
  c.namespace_ = "default";
  c.uid = "uid-" + name;
  c.labels = {{"app", name}};
  return c;
}

ContainerConfig Ctr(const std::string& name) {
  ContainerConfig c;
  c.name = name;
  c.image.ref = "busybox:1.36";
  c.image.id = "sha256:abc";
  c.image.cmd = {"sh"};
  c.labels = {{"io.kubernetes.container.name", name}};
  return c;
}

class FakeRuntimeTest : public ::testing::Test {
 protected:
  // A sandbox with one container, created and started.
  std::pair<std::string, std::string> RunningPod(const std::string& name) {
    auto sb = rt_.RunPodSandbox(Pod(name));
    EXPECT_TRUE(sb.ok()) << sb.status().ToString();
    auto c = rt_.CreateContainer(*sb, Ctr("main"));
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    EXPECT_TRUE(rt_.StartContainer(*c).ok());
    return {*sb, *c};
  }
  ContainerStatus StatusOf(const std::string& id) {
    auto s = rt_.GetContainerStatus(id);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : ContainerStatus{};
  }

  base::FakeClock clock_;
  FakeRuntime rt_{&clock_};
};

TEST_F(FakeRuntimeTest, SandboxLifecycle) {
  const base::TimePoint t0 = clock_.Now();
  SandboxConfig config = Pod("web");
  config.hostname = "web-host";
  config.attempt = 2;
  auto id = rt_.RunPodSandbox(config);
  ASSERT_TRUE(id.ok()) << id.status().ToString();

  auto s = rt_.PodSandboxStatus(*id);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->id, *id);
  EXPECT_EQ(s->name, "web");
  EXPECT_EQ(s->namespace_, "default");
  EXPECT_EQ(s->uid, "uid-web");
  EXPECT_EQ(s->attempt, 2u);
  EXPECT_EQ(s->state, SandboxState::kReady);
  EXPECT_EQ(s->created_at, t0);
  EXPECT_EQ(s->hostname, "web-host");
  EXPECT_GT(s->supervisor_pid, 0);
  EXPECT_THAT(s->netns_path, HasSubstr("/ns/net"));
  EXPECT_THAT(s->log_directory, HasSubstr("default_web_uid-web"));
  EXPECT_THAT(s->labels, ElementsAre(std::pair<const std::string, std::string>("app", "web")));

  ASSERT_TRUE(rt_.StopPodSandbox(*id).ok());
  s = rt_.PodSandboxStatus(*id);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->state, SandboxState::kNotReady);
  EXPECT_EQ(s->supervisor_pid, 0);
  EXPECT_EQ(s->netns_path, "");

  ASSERT_TRUE(rt_.RemovePodSandbox(*id).ok());
  EXPECT_EQ(rt_.PodSandboxStatus(*id).status().code(), Code::kNotFound);
  EXPECT_FALSE(rt_.SandboxConfigOf(*id).has_value());
}

TEST_F(FakeRuntimeTest, HostnameDefaultsToThePodName) {
  auto id = rt_.RunPodSandbox(Pod("web"));
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(rt_.PodSandboxStatus(*id)->hostname, "web");
}

TEST_F(FakeRuntimeTest, RunPodSandboxValidatesLikeTheRealOne) {
  SandboxConfig no_uid = Pod("web");
  no_uid.uid.clear();
  EXPECT_EQ(rt_.RunPodSandbox(no_uid).status().code(), Code::kInvalid);
  EXPECT_EQ(rt_.RunPodSandbox(Pod("a/b")).status().code(), Code::kInvalid);
  auto list = rt_.ListPodSandboxes();
  ASSERT_TRUE(list.ok());
  EXPECT_THAT(*list, IsEmpty());
}

TEST_F(FakeRuntimeTest, StopAndRemoveSandboxAreIdempotent) {
  EXPECT_TRUE(rt_.StopPodSandbox("never-existed").ok());
  EXPECT_TRUE(rt_.RemovePodSandbox("never-existed").ok());
  auto id = rt_.RunPodSandbox(Pod("web"));
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(rt_.StopPodSandbox(*id).ok());
  EXPECT_TRUE(rt_.StopPodSandbox(*id).ok());
  EXPECT_TRUE(rt_.RemovePodSandbox(*id).ok());
  EXPECT_TRUE(rt_.RemovePodSandbox(*id).ok());
  EXPECT_TRUE(rt_.StopPodSandbox(*id).ok());
}

TEST_F(FakeRuntimeTest, ListsInCreationOrderWithDistinctIds) {
  auto a = rt_.RunPodSandbox(Pod("a"));
  clock_.Advance(seconds(1));
  auto b = rt_.RunPodSandbox(Pod("b"));
  auto c = rt_.RunPodSandbox(Pod("c"));  // same timestamp as b
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_NE(*a, *b);
  EXPECT_NE(*b, *c);
  auto list = rt_.ListPodSandboxes();
  ASSERT_TRUE(list.ok());
  std::vector<std::string> names;
  for (const auto& s : *list) names.push_back(s.name);
  EXPECT_THAT(names, ElementsAre("a", "b", "c"));
}

TEST_F(FakeRuntimeTest, ContainerLifecycleWithClockTimestamps) {
  auto sb = rt_.RunPodSandbox(Pod("web"));
  ASSERT_TRUE(sb.ok());
  const base::TimePoint t0 = clock_.Now();
  ContainerConfig config = Ctr("main");
  config.attempt = 3;
  auto id = rt_.CreateContainer(*sb, config);
  ASSERT_TRUE(id.ok()) << id.status().ToString();

  ContainerStatus s = StatusOf(*id);
  EXPECT_EQ(s.state, ContainerState::kCreated);
  EXPECT_EQ(s.sandbox_id, *sb);
  EXPECT_EQ(s.name, "main");
  EXPECT_EQ(s.attempt, 3u);
  EXPECT_EQ(s.image_ref, "busybox:1.36");
  EXPECT_EQ(s.image_id, "sha256:abc");
  EXPECT_EQ(s.created_at, t0);
  EXPECT_EQ(s.started_at, base::TimePoint());
  EXPECT_THAT(s.log_path, HasSubstr("default_web_uid-web/main/3.log"));
  EXPECT_EQ(s.labels.at("io.kubernetes.container.name"), "main");

  clock_.Advance(seconds(2));
  ASSERT_TRUE(rt_.StartContainer(*id).ok());
  s = StatusOf(*id);
  EXPECT_EQ(s.state, ContainerState::kRunning);
  EXPECT_EQ(s.started_at, t0 + seconds(2));
  EXPECT_GT(s.pid, 0);
  EXPECT_EQ(s.finished_at, base::TimePoint());

  clock_.Advance(seconds(3));
  ASSERT_TRUE(rt_.SetExited(*id, 0).ok());
  s = StatusOf(*id);
  EXPECT_EQ(s.state, ContainerState::kExited);
  EXPECT_EQ(s.finished_at, t0 + seconds(5));
  EXPECT_EQ(s.exit_code, 0);
  EXPECT_EQ(s.reason, "Completed");
  EXPECT_EQ(s.pid, 0);

  ASSERT_TRUE(rt_.RemoveContainer(*id).ok());
  EXPECT_EQ(rt_.GetContainerStatus(*id).status().code(), Code::kNotFound);
  EXPECT_TRUE(rt_.RemoveContainer(*id).ok());  // idempotent
}

TEST_F(FakeRuntimeTest, SetExitedReasonAndMessage) {
  auto [sb, id] = RunningPod("web");
  ASSERT_TRUE(rt_.SetExited(id, 3, "", "config missing").ok());
  ContainerStatus s = StatusOf(id);
  EXPECT_EQ(s.exit_code, 3);
  EXPECT_EQ(s.reason, "Error");
  EXPECT_EQ(s.message, "config missing");
  // Only a running container can exit.
  EXPECT_EQ(rt_.SetExited(id, 1).code(), Code::kConflict);
  EXPECT_EQ(rt_.SetExited("nope", 1).code(), Code::kNotFound);
}

TEST_F(FakeRuntimeTest, SetOomKilled) {
  auto [sb, id] = RunningPod("web");
  ASSERT_TRUE(rt_.SetOomKilled(id).ok());
  ContainerStatus s = StatusOf(id);
  EXPECT_EQ(s.state, ContainerState::kExited);
  EXPECT_EQ(s.exit_code, 137);
  EXPECT_EQ(s.signal, 9);
  EXPECT_EQ(s.reason, "OOMKilled");
  EXPECT_EQ(rt_.SetOomKilled(id).code(), Code::kConflict);
}

TEST_F(FakeRuntimeTest, StartTwiceIsAConflict) {
  auto [sb, id] = RunningPod("web");
  Status again = rt_.StartContainer(id);
  EXPECT_EQ(again.code(), Code::kConflict);
  EXPECT_THAT(again.message(), HasSubstr("already started"));
  ASSERT_TRUE(rt_.SetExited(id, 0).ok());
  EXPECT_EQ(rt_.StartContainer(id).code(), Code::kConflict);  // a restart is a new container
}

TEST_F(FakeRuntimeTest, StopContainerExitCodesFollowTheGracePeriod) {
  auto sb = rt_.RunPodSandbox(Pod("web"));
  ASSERT_TRUE(sb.ok());
  auto graceful = rt_.CreateContainer(*sb, Ctr("a"));
  auto killed = rt_.CreateContainer(*sb, Ctr("b"));
  ASSERT_TRUE(graceful.ok() && killed.ok());
  ASSERT_TRUE(rt_.StartContainer(*graceful).ok());
  ASSERT_TRUE(rt_.StartContainer(*killed).ok());

  ASSERT_TRUE(rt_.StopContainer(*graceful, seconds(30)).ok());
  ASSERT_TRUE(rt_.StopContainer(*killed, milliseconds(0)).ok());
  ContainerStatus g = StatusOf(*graceful);
  ContainerStatus k = StatusOf(*killed);
  EXPECT_EQ(g.state, ContainerState::kExited);
  EXPECT_EQ(g.exit_code, 143);
  EXPECT_EQ(g.signal, 15);
  EXPECT_EQ(g.reason, "Error");
  EXPECT_EQ(k.exit_code, 137);
  EXPECT_EQ(k.signal, 9);

  // Stopping what is not running leaves it as it is.
  ASSERT_TRUE(rt_.StopContainer(*graceful, milliseconds(0)).ok());
  EXPECT_EQ(StatusOf(*graceful).exit_code, 143);
  auto created = rt_.CreateContainer(*sb, Ctr("c"));
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(rt_.StopContainer(*created, seconds(1)).ok());
  EXPECT_EQ(StatusOf(*created).state, ContainerState::kCreated);
}

TEST_F(FakeRuntimeTest, UnknownIdsAreNotFound) {
  EXPECT_EQ(rt_.PodSandboxStatus("x").status().code(), Code::kNotFound);
  EXPECT_EQ(rt_.CreateContainer("x", Ctr("main")).status().code(), Code::kNotFound);
  EXPECT_EQ(rt_.StartContainer("x").code(), Code::kNotFound);
  EXPECT_EQ(rt_.StopContainer("x", seconds(1)).code(), Code::kNotFound);
  EXPECT_EQ(rt_.GetContainerStatus("x").status().code(), Code::kNotFound);
  EXPECT_EQ(rt_.ExecSync("x", {"true"}, seconds(1)).status().code(), Code::kNotFound);
  EXPECT_EQ(rt_.Exec("x", {"true"}, ExecIo{}).status().code(), Code::kNotFound);
  EXPECT_EQ(rt_.SetSandboxNotReady("x").code(), Code::kNotFound);
  EXPECT_THAT(rt_.GetContainerStatus("x").status().message(), HasSubstr("\"x\""));
}

TEST_F(FakeRuntimeTest, CreateContainerChecksLikeTheRealOne) {
  auto sb = rt_.RunPodSandbox(Pod("web"));
  ASSERT_TRUE(sb.ok());
  ContainerConfig no_command = Ctr("main");
  no_command.image.cmd.clear();
  auto r = rt_.CreateContainer(*sb, no_command);
  EXPECT_EQ(r.status().code(), Code::kInvalid);
  EXPECT_THAT(r.status().message(), HasSubstr("creating container main"));

  ContainerConfig bad_signal = Ctr("main");
  bad_signal.image.stop_signal = "SIGNOPE";
  EXPECT_EQ(rt_.CreateContainer(*sb, bad_signal).status().code(), Code::kInvalid);
  EXPECT_EQ(rt_.CreateContainer(*sb, Ctr("")).status().code(), Code::kInvalid);

  ASSERT_TRUE(rt_.StopPodSandbox(*sb).ok());
  EXPECT_EQ(rt_.CreateContainer(*sb, Ctr("main")).status().code(), Code::kConflict);
  auto list = rt_.ListContainers();
  ASSERT_TRUE(list.ok());
  EXPECT_THAT(*list, IsEmpty());
}

TEST_F(FakeRuntimeTest, StopPodSandboxKillsRunningContainers) {
  auto [sb, running] = RunningPod("web");
  auto created = rt_.CreateContainer(sb, Ctr("side"));
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(rt_.StopPodSandbox(sb).ok());
  ContainerStatus r = StatusOf(running);
  EXPECT_EQ(r.state, ContainerState::kExited);
  EXPECT_EQ(r.exit_code, 137);
  EXPECT_EQ(StatusOf(*created).state, ContainerState::kCreated);
  // Nothing starts in a stopped sandbox.
  EXPECT_EQ(rt_.StartContainer(*created).code(), Code::kConflict);
}

TEST_F(FakeRuntimeTest, RemovePodSandboxRemovesItsContainersOnly) {
  auto [sb1, c1] = RunningPod("a");
  auto [sb2, c2] = RunningPod("b");
  ASSERT_TRUE(rt_.RemovePodSandbox(sb1).ok());
  EXPECT_EQ(rt_.GetContainerStatus(c1).status().code(), Code::kNotFound);
  EXPECT_EQ(StatusOf(c2).state, ContainerState::kRunning);
  auto all = rt_.ListContainers();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].id, c2);
}

TEST_F(FakeRuntimeTest, ListContainersFiltersBySandbox) {
  auto [sb1, c1] = RunningPod("a");
  auto [sb2, c2] = RunningPod("b");
  auto c3 = rt_.CreateContainer(sb1, Ctr("second"));
  ASSERT_TRUE(c3.ok());
  auto of1 = rt_.ListContainers(sb1);
  ASSERT_TRUE(of1.ok());
  std::vector<std::string> ids;
  for (const auto& c : *of1) ids.push_back(c.id);
  EXPECT_THAT(ids, ElementsAre(c1, *c3));
  auto none = rt_.ListContainers(std::string("unknown"));
  ASSERT_TRUE(none.ok());
  EXPECT_THAT(*none, IsEmpty());
  EXPECT_EQ(rt_.ListContainers()->size(), 3u);
}

TEST_F(FakeRuntimeTest, SandboxNotReadyMakesRunningContainersUnknown) {
  auto [sb, id] = RunningPod("web");
  ASSERT_TRUE(rt_.SetSandboxNotReady(sb).ok());
  EXPECT_EQ(rt_.PodSandboxStatus(sb)->state, SandboxState::kNotReady);
  ContainerStatus s = StatusOf(id);
  EXPECT_EQ(s.state, ContainerState::kUnknown);
  EXPECT_EQ(s.reason, "ContainerStatusUnknown");
  EXPECT_EQ(s.exit_code, 137);
  // Stop and remove still clean up after a dead supervisor.
  EXPECT_TRUE(rt_.StopPodSandbox(sb).ok());
  EXPECT_TRUE(rt_.RemovePodSandbox(sb).ok());
  EXPECT_EQ(rt_.GetContainerStatus(id).status().code(), Code::kNotFound);
}

TEST_F(FakeRuntimeTest, RecordsEveryCallInOrderWithArguments) {
  auto sb = rt_.RunPodSandbox(Pod("web"));
  ASSERT_TRUE(sb.ok());
  auto id = rt_.CreateContainer(*sb, Ctr("main"));
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(rt_.StartContainer(*id).ok());
  (void)rt_.GetContainerStatus(*id);
  (void)rt_.ExecSync(*id, {"cat", "/tmp/ready"}, seconds(1));
  (void)rt_.ListContainers(*sb);
  ASSERT_TRUE(rt_.StopContainer(*id, milliseconds(2500)).ok());
  ASSERT_TRUE(rt_.StartContainer("bogus").code() == Code::kNotFound);  // failures count too
  ASSERT_TRUE(rt_.RemoveContainer(*id).ok());
  ASSERT_TRUE(rt_.StopPodSandbox(*sb).ok());
  ASSERT_TRUE(rt_.RemovePodSandbox(*sb).ok());

  EXPECT_THAT(
      rt_.Calls(),
      ElementsAre(FakeCall{"RunPodSandbox", {"default/web", "uid-web", "0"}},
                  FakeCall{"CreateContainer", {*sb, "main", "0"}},
                  FakeCall{"StartContainer", {*id}}, FakeCall{"GetContainerStatus", {*id}},
                  FakeCall{"ExecSync", {*id, "1000", "cat", "/tmp/ready"}},
                  FakeCall{"ListContainers", {*sb}}, FakeCall{"StopContainer", {*id, "2500"}},
                  FakeCall{"StartContainer", {"bogus"}}, FakeCall{"RemoveContainer", {*id}},
                  FakeCall{"StopPodSandbox", {*sb}}, FakeCall{"RemovePodSandbox", {*sb}}));
  EXPECT_THAT(
      rt_.ActionNames(),
      ElementsAre("RunPodSandbox", "CreateContainer", "StartContainer", "ExecSync", "StopContainer",
                  "StartContainer", "RemoveContainer", "StopPodSandbox", "RemovePodSandbox"));
  EXPECT_EQ(rt_.CallCount("StartContainer"), 2);
  EXPECT_THAT(rt_.CallsTo("StopContainer"), ElementsAre(FakeCall{"StopContainer", {*id, "2500"}}));
  EXPECT_EQ(rt_.CallNames().size(), 11u);
  EXPECT_EQ(FakeCall({"StopContainer", {"c", "30"}}).ToString(), "StopContainer(c, 30)");

  rt_.ClearCalls();
  EXPECT_THAT(rt_.Calls(), IsEmpty());
  (void)rt_.ListPodSandboxes();
  EXPECT_THAT(rt_.CallNames(), ElementsAre("ListPodSandboxes"));
  EXPECT_THAT(rt_.ActionNames(), IsEmpty());
}

TEST_F(FakeRuntimeTest, InjectedErrorFailsTheNextCallOnlyAndChangesNothing) {
  auto sb = rt_.RunPodSandbox(Pod("web"));
  ASSERT_TRUE(sb.ok());
  auto id = rt_.CreateContainer(*sb, Ctr("main"));
  ASSERT_TRUE(id.ok());

  rt_.InjectError("StartContainer", base::Status(Code::kUnavailable, "supervisor busy"));
  Status first = rt_.StartContainer(*id);
  EXPECT_EQ(first.code(), Code::kUnavailable);
  EXPECT_EQ(first.message(), "supervisor busy");
  EXPECT_EQ(StatusOf(*id).state, ContainerState::kCreated);
  EXPECT_TRUE(rt_.StartContainer(*id).ok());
  EXPECT_EQ(StatusOf(*id).state, ContainerState::kRunning);
  EXPECT_EQ(rt_.CallCount("StartContainer"), 2);  // the failed call is recorded
}

TEST_F(FakeRuntimeTest, InjectedErrorsQueuePerMethod) {
  rt_.InjectError("RunPodSandbox", base::Status(Code::kInternal, "one"));
  rt_.InjectError("RunPodSandbox", base::Status(Code::kTimeout, "two"));
  rt_.InjectError("ListPodSandboxes", base::Status(Code::kInternal, "list"));
  EXPECT_EQ(rt_.RunPodSandbox(Pod("a")).status().message(), "one");
  EXPECT_EQ(rt_.RunPodSandbox(Pod("a")).status().code(), Code::kTimeout);
  EXPECT_TRUE(rt_.RunPodSandbox(Pod("a")).ok());
  EXPECT_FALSE(rt_.ListPodSandboxes().ok());
  auto list = rt_.ListPodSandboxes();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 1u);  // the failed runs made nothing

  // Idempotent calls fail too when told to, and clearing forgets pending injections.
  rt_.InjectError("RemovePodSandbox", base::Status(Code::kInternal, "busy"));
  rt_.InjectError("StopContainer", base::Status(Code::kInternal, "x"));
  EXPECT_EQ(rt_.RemovePodSandbox("unknown").code(), Code::kInternal);
  rt_.ClearInjectedErrors();
  EXPECT_EQ(rt_.StopContainer("unknown", seconds(1)).code(), Code::kNotFound);
}

TEST_F(FakeRuntimeTest, FailNextStartBehavesLikeAFailedExec) {
  auto sb = rt_.RunPodSandbox(Pod("web"));
  ASSERT_TRUE(sb.ok());
  rt_.FailNextStart("main", "exec: \"sh\": executable file not found in $PATH");
  auto other = rt_.CreateContainer(*sb, Ctr("side"));
  auto id = rt_.CreateContainer(*sb, Ctr("main"));
  ASSERT_TRUE(other.ok() && id.ok());
  EXPECT_TRUE(rt_.StartContainer(*other).ok());  // another name is unaffected

  Status s = rt_.StartContainer(*id);
  EXPECT_EQ(s.code(), Code::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("failed to start container \"main\""));
  ContainerStatus st = StatusOf(*id);
  EXPECT_EQ(st.state, ContainerState::kExited);
  EXPECT_EQ(st.reason, "StartError");
  EXPECT_EQ(st.exit_code, 128);
  EXPECT_THAT(st.message, HasSubstr("executable file not found"));

  // Only the next start: the replacement container runs.
  auto retry = rt_.CreateContainer(*sb, Ctr("main"));
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE(rt_.StartContainer(*retry).ok());
}

TEST_F(FakeRuntimeTest, ExecSyncUsesTheHandler) {
  auto [sb, id] = RunningPod("web");
  auto defaulted = rt_.ExecSync(id, {"true"}, seconds(1));
  ASSERT_TRUE(defaulted.ok());
  EXPECT_EQ(defaulted->exit_code, 0);
  EXPECT_EQ(defaulted->output, "");

  std::vector<std::string> seen_argv;
  milliseconds seen_timeout{0};
  rt_.SetExecHandler([&](const ContainerStatus& c, const std::vector<std::string>& argv,
                         milliseconds timeout) -> base::Result<ExecResult> {
    seen_argv = argv;
    seen_timeout = timeout;
    if (argv[0] == "fail") return base::Status(Code::kUnavailable, "broken pipe");
    ExecResult r;
    r.exit_code = c.name == "main" ? 1 : 0;
    r.output = "not ready\n";
    return r;
  });
  auto r = rt_.ExecSync(id, {"check", "--ready"}, seconds(3));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 1);
  EXPECT_EQ(r->output, "not ready\n");
  EXPECT_THAT(seen_argv, ElementsAre("check", "--ready"));
  EXPECT_EQ(seen_timeout, seconds(3));
  EXPECT_EQ(rt_.ExecSync(id, {"fail"}, seconds(1)).status().code(), Code::kUnavailable);
  EXPECT_EQ(rt_.ExecSync(id, {}, seconds(1)).status().code(), Code::kInvalid);

  ASSERT_TRUE(rt_.SetExited(id, 0).ok());
  auto exited = rt_.ExecSync(id, {"check"}, seconds(1));
  EXPECT_EQ(exited.status().code(), Code::kConflict);
  EXPECT_THAT(exited.status().message(), HasSubstr("not running"));
}

TEST_F(FakeRuntimeTest, ExecWritesOutputToTheCallersFd) {
  auto [sb, id] = RunningPod("web");
  rt_.SetExecHandler([](const ContainerStatus&, const std::vector<std::string>& argv,
                        milliseconds) -> base::Result<ExecResult> {
    ExecResult r;
    r.output = "hello " + argv.back();
    r.exit_code = 7;
    return r;
  });
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  ExecIo io;
  io.stdout_fd = fds[1];
  auto code = rt_.Exec(id, {"echo", "world"}, io);
  close(fds[1]);
  ASSERT_TRUE(code.ok()) << code.status().ToString();
  EXPECT_EQ(*code, 7);
  char buf[64] = {};
  ssize_t n = read(fds[0], buf, sizeof buf - 1);
  close(fds[0]);
  EXPECT_EQ(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0), "hello world");
}

TEST_F(FakeRuntimeTest, HandlerMayCallBackIntoTheFake) {
  auto [sb, id] = RunningPod("web");
  // A probe whose command kills the container: the handler runs without the fake's lock.
  rt_.SetExecHandler([this, id = id](const ContainerStatus&, const std::vector<std::string>&,
                                     milliseconds) -> base::Result<ExecResult> {
    EXPECT_TRUE(rt_.SetExited(id, 2).ok());
    return ExecResult{};
  });
  ASSERT_TRUE(rt_.ExecSync(id, {"kill"}, seconds(1)).ok());
  EXPECT_EQ(StatusOf(id).state, ContainerState::kExited);
}

TEST_F(FakeRuntimeTest, ConfigsAreKeptForAssertions) {
  auto sb = rt_.RunPodSandbox(Pod("web"));
  ASSERT_TRUE(sb.ok());
  ContainerConfig config = Ctr("main");
  config.env = {{"A", "1"}};
  auto id = rt_.CreateContainer(*sb, config);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(rt_.ContainerConfigOf(*id).has_value());
  EXPECT_EQ(rt_.ContainerConfigOf(*id)->env, config.env);
  EXPECT_EQ(rt_.SandboxConfigOf(*sb)->uid, "uid-web");
  EXPECT_FALSE(rt_.ContainerConfigOf("nope").has_value());
}

TEST_F(FakeRuntimeTest, CallHookCanHoldACallerWhileOthersProceed) {
  auto [sb, id] = RunningPod("web");
  std::atomic<bool> release{false};
  std::atomic<bool> entered{false};
  rt_.SetCallHook([&](const FakeCall& call) {
    if (call.method != "StopContainer") return;
    entered = true;
    while (!release) std::this_thread::yield();
  });
  std::thread stopper([&] { EXPECT_TRUE(rt_.StopContainer(id, seconds(30)).ok()); });
  while (!entered) std::this_thread::yield();
  // The blocked stop holds no lock: reads and other calls go on.
  EXPECT_EQ(StatusOf(id).state, ContainerState::kRunning);
  EXPECT_TRUE(rt_.ListPodSandboxes().ok());
  release = true;
  stopper.join();
  EXPECT_EQ(StatusOf(id).state, ContainerState::kExited);
}

TEST_F(FakeRuntimeTest, ConcurrentCallsAreSafe) {
  auto sb = rt_.RunPodSandbox(Pod("web"));
  ASSERT_TRUE(sb.ok());
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto id = rt_.CreateContainer(*sb, Ctr("c" + std::to_string(t)));
        ASSERT_TRUE(id.ok());
        ASSERT_TRUE(rt_.StartContainer(*id).ok());
        ASSERT_TRUE(rt_.ListContainers(*sb).ok());
        ASSERT_TRUE(rt_.StopContainer(*id, milliseconds(0)).ok());
        ASSERT_TRUE(rt_.RemoveContainer(*id).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(rt_.CallCount("CreateContainer"), kThreads * kPerThread);
  EXPECT_EQ(static_cast<int>(rt_.Calls().size()), 1 + 5 * kThreads * kPerThread);
  EXPECT_THAT(*rt_.ListContainers(), IsEmpty());
}

}  // namespace
}  // namespace cubelet::runtime

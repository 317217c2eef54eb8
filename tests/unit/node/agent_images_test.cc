// imagePullPolicy × image presence, pull failures and the image pull back-off.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent_harness.h"

namespace cubelet::node::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

struct PullCase {
  std::string policy;
  bool present;
  bool pulls;
  std::string waiting;  // "" when the container starts
  std::vector<std::string> events;
};

TEST_F(AgentTest, PullPolicyAgainstPresence) {
  const std::string img = "registry.test/app:1";
  const PullCase cases[] = {
      {"Always",
       true,
       true,
       "",
       {"Pulling: Pulling image \"registry.test/app:1\"",
        "Pulled: Successfully pulled image \"registry.test/app:1\" in 0s (0s including waiting). "
        "Image size: 0 bytes."}},
      {"Always", false, true, "", {}},
      {"IfNotPresent",
       true,
       false,
       "",
       {"Pulled: Container image \"registry.test/app:1\" already present on machine"}},
      {"IfNotPresent", false, true, "", {"Pulling: Pulling image \"registry.test/app:1\""}},
      {"Never",
       true,
       false,
       "",
       {"Pulled: Container image \"registry.test/app:1\" already present on machine"}},
      {"Never",
       false,
       false,
       "ErrImageNeverPull",
       {"ErrImageNeverPull: Container image \"registry.test/app:1\" is not present with pull "
        "policy of Never"}},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.policy + (tc.present ? " present" : " absent"));
    image::FakeImageService fresh_images;
    runtime::FakeRuntime fresh_rt(&clock_);
    RecordingEvents fresh_events;
    if (tc.present) fresh_images.AddImage(img);
    fresh_images.AddRemote(img);
    AgentOptions o = Options();
    o.images = &fresh_images;
    o.runtime = &fresh_rt;
    o.events = &fresh_events;
    Start(o);
    api::Pod pod = MakePod("p", {MakeContainer("app", {"sleep", "1d"}, img)});
    pod.spec.containers[0].image_pull_policy = tc.policy;
    agent_->UpdatePod("api", pod);
    Step();
    EXPECT_EQ(fresh_images.PullCount(), tc.pulls ? 1 : 0);
    api::PodStatus st = Status("uid-p");
    if (tc.waiting.empty()) {
      EXPECT_TRUE(st.container_statuses[0].state.running.has_value());
      EXPECT_EQ(st.container_statuses[0].image_id.rfind("registry.test/app@sha256:", 0), 0u)
          << st.container_statuses[0].image_id;
    } else {
      ASSERT_TRUE(st.container_statuses[0].state.waiting.has_value());
      EXPECT_EQ(st.container_statuses[0].state.waiting->reason, tc.waiting);
    }
    auto texts = fresh_events.Texts();
    for (const auto& e : tc.events) EXPECT_THAT(texts, ::testing::Contains(e));
    agent_.reset();
  }
}

TEST_F(AgentTest, FailedPullsBackOffAsImagePullBackOff) {
  const std::string img = "registry.test/missing:1";
  Start();
  agent_->UpdatePod("api", MakePod("p", {MakeContainer("app", {"sleep", "1d"}, img)}));
  Step();
  api::PodStatus st = Status("uid-p");
  EXPECT_EQ(st.container_statuses[0].state.waiting->reason, "ErrImagePull");
  EXPECT_EQ(st.phase, "Pending");
  EXPECT_THAT(events_.Texts(),
              ::testing::IsSupersetOf(
                  {"Pulling: Pulling image \"registry.test/missing:1\"",
                   "Failed: Failed to pull image \"registry.test/missing:1\": failed to pull "
                   "registry.test/missing:1: manifest unknown",
                   "Failed: Error: ErrImagePull"}));
  // Within the 10 s back-off no pull is attempted.
  Run(5);
  EXPECT_EQ(images_.PullCount(), 1);
  st = Status("uid-p");
  EXPECT_EQ(st.container_statuses[0].state.waiting->reason, "ImagePullBackOff");
  EXPECT_EQ(st.container_statuses[0].state.waiting->message,
            "Back-off pulling image \"registry.test/missing:1\"");
  const api::Event* backoff = events_.Find("BackOff");
  ASSERT_NE(backoff, nullptr);
  EXPECT_EQ(backoff->type, "Normal") << "image back-off is a Normal event";
  Run(5);
  EXPECT_EQ(images_.PullCount(), 2) << "retried after 10 s";
  Run(19);
  EXPECT_EQ(images_.PullCount(), 2) << "then after 20 s";
  images_.AddRemote(img);
  Run(1);
  EXPECT_EQ(images_.PullCount(), 3);
  EXPECT_TRUE(Status("uid-p").container_statuses[0].state.running.has_value());
}

TEST_F(AgentTest, MissingConfigMapIsCreateContainerConfigError) {
  Start();
  api::Pod pod = MakePod("p", {MakeContainer("app", {"sleep", "1d"})});
  api::EnvVar env;
  env.name = "MODE";
  env.value_from = api::EnvVarSource{};
  env.value_from->config_map_key_ref = api::KeySelector{"settings", "mode", std::nullopt};
  pod.spec.containers[0].env.push_back(env);
  agent_->UpdatePod("api", pod);
  Step();
  api::PodStatus st = Status("uid-p");
  EXPECT_EQ(st.container_statuses[0].state.waiting->reason, "CreateContainerConfigError");
  EXPECT_EQ(st.container_statuses[0].state.waiting->message, "configmap \"settings\" not found");
  EXPECT_TRUE(rt_.CallsTo("CreateContainer").empty());
  api::ConfigMap cm;
  cm.metadata.name = "settings";
  cm.metadata.namespace_ = "default";
  cm.data["mode"] = "fast";
  objects_.Put(cm);
  Run(10);
  auto created = rt_.CallsTo("CreateContainer");
  ASSERT_EQ(created.size(), 1u);
  auto config = rt_.ContainerConfigOf(Latest("app")->id);
  ASSERT_TRUE(config.has_value());
  EXPECT_THAT(config->env,
              ::testing::Contains(std::make_pair(std::string("MODE"), std::string("fast"))));
}

TEST_F(AgentTest, StartErrorIsReportedAndRetried) {
  Start();
  rt_.FailNextStart("app", "exec: \"nope\": executable file not found in $PATH");
  agent_->UpdatePod("api", MakePod("p", {MakeContainer("app", {"nope"})}));
  Step();
  api::PodStatus st = Status("uid-p");
  ASSERT_TRUE(st.container_statuses[0].state.waiting.has_value());
  EXPECT_EQ(st.container_statuses[0].state.waiting->reason, "RunContainerError");
  EXPECT_THAT(events_.Texts(), ::testing::Contains(::testing::HasSubstr("Failed: Error: ")));
  Step();  // the failed instance exited with StartError: restarted at once (first crash)
  st = Status("uid-p");
  EXPECT_EQ(st.container_statuses[0].last_state.terminated->reason, "StartError");
  EXPECT_EQ(st.container_statuses[0].last_state.terminated->exit_code, 128);
}

}  // namespace
}  // namespace cubelet::node::testing

#include <gtest/gtest.h>

#include "api/api.h"

namespace cubelet::api {
namespace {

constexpr const char* kDigest =
    "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

TEST(ImageReferenceTest, Normalizes) {
  struct Case {
    std::string in, want, familiar;
  };
  const Case cases[] = {
      {"busybox", "docker.io/library/busybox", "busybox"},
      {"busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36"},
      {"library/busybox", "docker.io/library/busybox", "busybox"},
      {"docker.io/busybox", "docker.io/library/busybox", "busybox"},
      {"index.docker.io/library/nginx:1.25", "docker.io/library/nginx:1.25", "nginx:1.25"},
      {"bitnami/nginx:latest", "docker.io/bitnami/nginx:latest", "bitnami/nginx:latest"},
      {"localhost:5000/x", "localhost:5000/x", "localhost:5000/x"},
      {"localhost/x:1", "localhost/x:1", "localhost/x:1"},
      {"host.example.com/proj/app:tag", "host.example.com/proj/app:tag",
       "host.example.com/proj/app:tag"},
      {"127.0.0.1:5000/a/b/c:v1.2-rc_3", "127.0.0.1:5000/a/b/c:v1.2-rc_3",
       "127.0.0.1:5000/a/b/c:v1.2-rc_3"},
      {"[::1]:5000/app", "[::1]:5000/app", "[::1]:5000/app"},
      {std::string("nginx@") + kDigest, std::string("docker.io/library/nginx@") + kDigest,
       std::string("nginx@") + kDigest},
      {std::string("nginx:1.25@") + kDigest, std::string("docker.io/library/nginx:1.25@") + kDigest,
       std::string("nginx:1.25@") + kDigest},
      {"a__b/c-----d.e", "docker.io/a__b/c-----d.e", "a__b/c-----d.e"},
  };
  for (const Case& c : cases) {
    auto ref = ParseImageReference(c.in);
    ASSERT_TRUE(ref.ok()) << c.in << ": " << ref.status().message();
    EXPECT_EQ(ref->String(), c.want) << c.in;
    EXPECT_EQ(ref->Familiar(), c.familiar) << c.in;
  }
}

TEST(ImageReferenceTest, DefaultTag) {
  EXPECT_EQ(ParseImageReference("busybox")->WithDefaultTag(), "docker.io/library/busybox:latest");
  EXPECT_EQ(ParseImageReference("busybox:1")->WithDefaultTag(), "docker.io/library/busybox:1");
  EXPECT_EQ(ParseImageReference(std::string("b@") + kDigest)->WithDefaultTag(),
            std::string("docker.io/library/b@") + kDigest);
}

TEST(ImageReferenceTest, RejectsInvalid) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "invalid reference format"},
      {"UPPER", "invalid reference format: repository name (library/UPPER) must be lowercase"},
      {"a/B", "invalid reference format: repository name (a/B) must be lowercase"},
      {"nginx:", "invalid reference format"},
      {"nginx:-bad", "invalid reference format"},
      {"-nginx", "invalid reference format"},
      {"nginx__", "invalid reference format"},
      {"a//b", "invalid reference format"},
      {"host:port/x", "invalid reference format"},
      {"nginx@sha256:abc", "invalid reference format"},  // fewer than 32 hex digits
      {"nginx@sha256:0123456789abcdef0123456789abcdef01234567", "invalid checksum digest length"},
      {"nginx@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
       "invalid checksum digest format"},
      {"nginx@md5:0123456789abcdef0123456789abcdef", "unsupported digest algorithm"},
      {std::string(64, 'a'), "invalid repository name (" + std::string(64, 'a') +
                                 "), cannot specify 64-byte hexadecimal strings"},
      {"x/" + std::string(260, 'a'), "repository name must not be more than 255 characters"},
      {"nginx:" + std::string(129, 't'), "invalid reference format"},
  };
  for (const auto& [in, msg] : cases) {
    auto ref = ParseImageReference(in);
    ASSERT_FALSE(ref.ok()) << in;
    EXPECT_EQ(ref.status().code(), base::Code::kInvalid);
    EXPECT_EQ(ref.status().message(), msg) << in;
  }
}

TEST(ImageReferenceTest, DefaultPullPolicy) {
  // Kubernetes: Always for :latest or no tag (and no digest), IfNotPresent otherwise.
  const std::pair<std::string, std::string> cases[] = {
      {"nginx", "Always"},
      {"nginx:latest", "Always"},
      {"localhost:5000/nginx", "Always"},
      {"localhost:5000/nginx:latest", "Always"},
      {"nginx:1.25", "IfNotPresent"},
      {"nginx:1.15.4", "IfNotPresent"},
      {std::string("nginx@") + kDigest, "IfNotPresent"},
      {std::string("nginx:latest@") + kDigest, "Always"},
      {std::string("nginx:1.25@") + kDigest, "IfNotPresent"},
      {"registry.example.com:443/team/app:v2", "IfNotPresent"},
      {"NotValid", "IfNotPresent"},
      {"", "IfNotPresent"},
  };
  for (const auto& [image, policy] : cases) EXPECT_EQ(DefaultPullPolicy(image), policy) << image;
}

}  // namespace
}  // namespace cubelet::api

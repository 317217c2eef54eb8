// Image references by the distribution reference grammar (the one Docker, containerd and the
// kubelet use): "busybox" is docker.io/library/busybox:latest, "localhost:5000/x:1",
// "name@sha256:<64 hex>", "name:tag@sha256:...". It lives in src/api because the API server's
// defaulting already needs it (imagePullPolicy depends on the tag); src/image builds on it.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace cubelet::api {

struct ImageReference {
  std::string domain;  // "docker.io", "localhost:5000", "[::1]:5000"
  std::string path;    // "library/busybox"
  std::string tag;     // empty when none was given
  std::string digest;  // "sha256:..." or empty

  // "docker.io/library/busybox"
  std::string Name() const { return domain + "/" + path; }
  // The normalized reference: Name() with ":tag" and/or "@digest" as given.
  std::string String() const;
  // As String(), but with ":latest" added when neither tag nor digest was given (what the
  // kubelet hands to the runtime).
  std::string WithDefaultTag() const;
  // The shortest form a user would write: "busybox:1.36" for docker.io/library/busybox:1.36.
  std::string Familiar() const;
  bool operator==(const ImageReference&) const = default;
};

// Parses and normalizes a reference. Errors are Invalid with the grammar's reason:
// "invalid reference format", "invalid reference format: repository name (library/Foo) must
// be lowercase", "invalid checksum digest length", ...
base::Result<ImageReference> ParseImageReference(std::string_view text);

// The pull policy the API server gives a container whose imagePullPolicy is empty: Always for
// ":latest" or no tag and no digest, IfNotPresent otherwise (also for references that do not
// parse, as Kubernetes does).
std::string DefaultPullPolicy(std::string_view image);

}  // namespace cubelet::api

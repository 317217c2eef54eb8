// Platform matching for image indexes, as containerd's platforms package does it: names are
// normalized (x86_64 → amd64, aarch64 → arm64, armhf → arm/v7) and a host accepts entries it
// can run (amd64 also runs 386; arm64 runs entries with or without the v8 variant).
#include <algorithm>
#include <sys/utsname.h>

#include "image/image.h"

namespace cubelet::image {
namespace {

Platform Normalize(Platform p) {
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
  };
  p.os = lower(p.os);
  p.architecture = lower(p.architecture);
  p.variant = lower(p.variant);
  if (p.architecture == "x86_64" || p.architecture == "x86-64") {
    p.architecture = "amd64";
    if (p.variant == "v1") p.variant.clear();
  } else if (p.architecture == "amd64" && p.variant == "v1") {
    p.variant.clear();
  } else if (p.architecture == "aarch64" || p.architecture == "arm64") {
    p.architecture = "arm64";
    if (p.variant == "8" || p.variant == "v8" || p.variant == "v8.0") p.variant.clear();
  } else if (p.architecture == "armhf") {
    p.architecture = "arm";
    p.variant = "v7";
  } else if (p.architecture == "armel") {
    p.architecture = "arm";
    p.variant = "v6";
  } else if (p.architecture == "arm") {
    if (p.variant.empty() || p.variant == "7") p.variant = "v7";
    if (p.variant == "6") p.variant = "v6";
    if (p.variant == "5") p.variant = "v5";
    if (p.variant == "8") p.variant = "v8";
  } else if (p.architecture == "i386" || p.architecture == "i686") {
    p.architecture = "386";
  }
  return p;
}

// The platforms `host` can run, best first.
std::vector<Platform> Compatible(const Platform& host) {
  std::vector<Platform> out{host};
  if (host.architecture == "amd64") {
    out.push_back({host.os, "386", ""});
  } else if (host.architecture == "arm64") {
    out.push_back({host.os, "arm", "v8"});
    out.push_back({host.os, "arm", "v7"});
    out.push_back({host.os, "arm", "v6"});
    out.push_back({host.os, "arm", "v5"});
  } else if (host.architecture == "arm") {
    static const char* kOrder[] = {"v8", "v7", "v6", "v5"};
    bool on = false;
    for (const char* v : kOrder) {
      if (host.variant == v) on = true;
      if (on && host.variant != v) out.push_back({host.os, "arm", v});
    }
  }
  return out;
}

bool IsAttestation(const Descriptor& d) {
  auto it = d.annotations.find("vnd.docker.reference.type");
  if (it != d.annotations.end() && it->second == "attestation-manifest") return true;
  return d.platform && d.platform->os == "unknown" && d.platform->architecture == "unknown";
}

}  // namespace

Platform HostPlatform() {
  struct utsname u {};
  ::uname(&u);
  Platform p{"linux", u.machine, ""};
  if (p.architecture == "armv7l") p = {"linux", "arm", "v7"};
  if (p.architecture == "armv6l") p = {"linux", "arm", "v6"};
  return Normalize(p);
}

base::Result<Descriptor> SelectPlatform(const Index& index, const Platform& platform) {
  const Platform host = Normalize(platform);
  for (const Platform& want : Compatible(host)) {
    for (const Descriptor& d : index.manifests) {
      if (!media::IsManifest(d.media_type) && !media::IsIndex(d.media_type)) continue;
      if (IsAttestation(d)) continue;
      if (!d.platform) return d;  // platform-independent entries fit everyone
      if (Normalize(*d.platform) == want) return d;
    }
  }
  std::string name = host.os + "/" + host.architecture;
  if (!host.variant.empty()) name += "/" + host.variant;
  return base::NotFoundError("no matching manifest for {} in the manifest list entries", name);
}

}  // namespace cubelet::image

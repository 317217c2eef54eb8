#include "cli/services.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace cubelet::cli {

base::Result<std::unique_ptr<image::ImageService>> OpenImageService(
    const std::string& data_dir, const std::string& registry_config, image::HttpTransport& http,
    base::Clock& clock) {
  image::ImageServiceOptions so;
  so.root = data_dir + "/images";
  so.http = &http;
  so.clock = &clock;
  if (!registry_config.empty()) {
    ASSIGN_OR_RETURN(so.registries, image::LoadRegistries(registry_config));
  }
  return image::NewImageService(so);
}

runtime::ImageSpec ImageSpecOf(const image::ImageService& images, const image::ImageRecord& r) {
  runtime::ImageSpec spec;
  spec.ref = r.name;
  spec.id = r.config_digest;
  spec.layer_dirs = images.LayerDirs(r);
  spec.entrypoint = r.config.entrypoint;
  spec.cmd = r.config.cmd;
  spec.env = r.config.env;
  spec.working_dir = r.config.working_dir;
  spec.user = r.config.user;
  spec.stop_signal = r.config.stop_signal;
  return spec;
}

base::Result<std::unique_ptr<runtime::Runtime>> OpenRuntime(
    const std::string& data_dir, const std::string& cgroup_parent, base::Clock& clock,
    std::optional<runtime::ImageSpec> infra) {
  runtime::RuntimeOptions ro;
  if (infra) ro.infra_image.emplace(std::move(*infra));
  ro.root = data_dir + "/runtime";
  ro.pods_log_root = data_dir + "/pods";
  ro.cgroup_parent = cgroup_parent;
  ro.clock = &clock;
  return runtime::NewRuntime(ro);
}

// The address this machine reaches the outside from (the source of the default route): the
// node's InternalIP. A UDP connect sends nothing; it only makes the kernel pick a route.
std::string DefaultRouteAddress() {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "127.0.0.1";
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(9);
  inet_pton(AF_INET, "192.0.2.1", &to.sin_addr);  // TEST-NET-1: never answered
  std::string ip = "127.0.0.1";
  if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0) {
    sockaddr_in me{};
    socklen_t len = sizeof me;
    char buf[INET_ADDRSTRLEN];
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&me), &len) == 0 &&
        inet_ntop(AF_INET, &me.sin_addr, buf, sizeof buf) != nullptr) {
      ip = buf;
    }
  }
  close(fd);
  return ip;
}

std::string Hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  std::string name = buf;
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return name;
}

}  // namespace cubelet::cli

#include "cli/services.h"

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

}  // namespace cubelet::cli

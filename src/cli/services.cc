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

base::Result<std::unique_ptr<runtime::Runtime>> OpenRuntime(const std::string& data_dir,
                                                            const std::string& cgroup_parent,
                                                            base::Clock& clock) {
  runtime::RuntimeOptions ro;
  ro.root = data_dir + "/runtime";
  ro.pods_log_root = data_dir + "/pods";
  ro.cgroup_parent = cgroup_parent;
  ro.clock = &clock;
  return runtime::NewRuntime(ro);
}

}  // namespace cubelet::cli

// The services the CLI verbs open on a data directory (private to the cli module).
#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "image/image.h"
#include "runtime/runtime.h"

namespace cubelet::cli {

// <data-dir>/images, with the registries file when one is given.
base::Result<std::unique_ptr<image::ImageService>> OpenImageService(
    const std::string& data_dir, const std::string& registry_config, image::HttpTransport& http,
    base::Clock& clock);

// What the runtime needs of a pulled image.
runtime::ImageSpec ImageSpecOf(const image::ImageService& images, const image::ImageRecord& r);

// <data-dir>/runtime and <data-dir>/pods; `infra` is the --pod-infra-container-image, if any.
base::Result<std::unique_ptr<runtime::Runtime>> OpenRuntime(
    const std::string& data_dir, const std::string& cgroup_parent, base::Clock& clock,
    std::optional<runtime::ImageSpec> infra = std::nullopt);

// The address this machine reaches the outside from (the source of its default route): the
// node's InternalIP. 127.0.0.1 when there is no route.
std::string DefaultRouteAddress();
// The host name, lower-cased (the default node name, as the kubelet's).
std::string Hostname();

}  // namespace cubelet::cli

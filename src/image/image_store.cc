#include "image/image_store.h"

#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace cubelet::image {
namespace {

using Json = nlohmann::json;

Json ToJson(const ImageRecord& r) {
  const ImageConfig& c = r.config;
  return Json{{"name", r.name},
              {"repoDigest", r.repo_digest},
              {"manifestDigest", r.manifest_digest},
              {"configDigest", r.config_digest},
              {"layers", r.layers},
              {"chainIDs", r.chain_ids},
              {"size", r.size},
              {"pulledAt", r.pulled_at_unix},
              {"config",
               {{"os", c.os},
                {"architecture", c.architecture},
                {"variant", c.variant},
                {"entrypoint", c.entrypoint},
                {"cmd", c.cmd},
                {"env", c.env},
                {"workingDir", c.working_dir},
                {"user", c.user},
                {"exposedPorts", c.exposed_ports},
                {"stopSignal", c.stop_signal},
                {"labels", c.labels},
                {"diffIDs", c.diff_ids}}}};
}

base::Result<ImageRecord> FromJson(const Json& j) {
  try {
    ImageRecord r;
    r.name = j.at("name").get<std::string>();
    r.repo_digest = j.at("repoDigest").get<std::string>();
    r.manifest_digest = j.at("manifestDigest").get<std::string>();
    r.config_digest = j.at("configDigest").get<std::string>();
    r.layers = j.at("layers").get<std::vector<std::string>>();
    r.chain_ids = j.at("chainIDs").get<std::vector<std::string>>();
    r.size = j.at("size").get<int64_t>();
    r.pulled_at_unix = j.at("pulledAt").get<int64_t>();
    const Json& c = j.at("config");
    r.config.os = c.at("os").get<std::string>();
    r.config.architecture = c.at("architecture").get<std::string>();
    r.config.variant = c.at("variant").get<std::string>();
    r.config.entrypoint = c.at("entrypoint").get<std::vector<std::string>>();
    r.config.cmd = c.at("cmd").get<std::vector<std::string>>();
    r.config.env = c.at("env").get<std::vector<std::string>>();
    r.config.working_dir = c.at("workingDir").get<std::string>();
    r.config.user = c.at("user").get<std::string>();
    r.config.exposed_ports = c.at("exposedPorts").get<std::vector<std::string>>();
    r.config.stop_signal = c.at("stopSignal").get<std::string>();
    r.config.labels = c.at("labels").get<std::map<std::string, std::string>>();
    r.config.diff_ids = c.at("diffIDs").get<std::vector<std::string>>();
    return r;
  } catch (const Json::exception& e) {
    return base::InvalidError("image record: {}", e.what());
  }
}

}  // namespace

ImageStore::ImageStore(std::string dir) : dir_(std::move(dir)) {}

base::Status ImageStore::Init() const {
  if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) {
    return base::ErrnoError(errno, "mkdir " + dir_);
  }
  return {};
}

std::string ImageStore::PathFor(const std::string& name) const {
  // Names hold '/' and ':'; the file is named by their hash.
  return dir_ + "/" + Sha256Digest(name).substr(7) + ".json";
}

base::Status ImageStore::Put(const ImageRecord& record) const {
  const std::string path = PathFor(record.name);
  const std::string tmp = path + ".tmp";
  const std::string text = ToJson(record).dump(2) + "\n";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return base::ErrnoError(errno, "create " + tmp);
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return base::ErrnoError(err, "write " + tmp);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    return base::ErrnoError(err, "fsync " + tmp);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return base::ErrnoError(errno, "rename " + tmp);
  return {};
}

base::Result<std::optional<ImageRecord>> ImageStore::Get(const std::string& name) const {
  std::ifstream in(PathFor(name));
  if (!in) return std::optional<ImageRecord>();
  std::stringstream ss;
  ss << in.rdbuf();
  Json j = Json::parse(ss.str(), nullptr, false);
  if (j.is_discarded()) return base::InvalidError("image record for {} is corrupt", name);
  ASSIGN_OR_RETURN(ImageRecord r, FromJson(j));
  return std::optional<ImageRecord>(std::move(r));
}

base::Result<std::vector<ImageRecord>> ImageStore::List() const {
  std::vector<ImageRecord> out;
  DIR* d = ::opendir(dir_.c_str());
  if (d == nullptr)
    return errno == ENOENT
               ? out
               : base::Result<std::vector<ImageRecord>>(base::ErrnoError(errno, "open " + dir_));
  std::vector<std::string> files;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() == 64 + 5 && name.ends_with(".json")) files.push_back(dir_ + "/" + name);
  }
  ::closedir(d);
  for (const std::string& f : files) {
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    Json j = Json::parse(ss.str(), nullptr, false);
    if (j.is_discarded()) continue;  // a corrupt record hides one image, not the list
    auto r = FromJson(j);
    if (r.ok()) out.push_back(std::move(*r));
  }
  std::sort(out.begin(), out.end(),
            [](const ImageRecord& a, const ImageRecord& b) { return a.name < b.name; });
  return out;
}

base::Status ImageStore::Remove(const std::string& name) const {
  if (::unlink(PathFor(name).c_str()) != 0 && errno != ENOENT) {
    return base::ErrnoError(errno, "remove image record " + name);
  }
  return {};
}

}  // namespace cubelet::image

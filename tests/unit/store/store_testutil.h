// Helpers shared by the store tests: temporary directories, object builders, and a factory
// per backend so one typed suite runs against every Store implementation.
#pragma once

#include <filesystem>
#include <memory>
#include <stdlib.h>
#include <string>

#include <gtest/gtest.h>

#include "api/api.h"
#include "store/store.h"

namespace cubelet::store::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "store-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline api::Pod MakePod(std::string ns, std::string name, api::StringMap labels = {},
                        std::string node = "") {
  api::Pod pod;
  pod.metadata.namespace_ = std::move(ns);
  pod.metadata.name = std::move(name);
  pod.metadata.labels = std::move(labels);
  pod.metadata.uid = "uid-" + pod.metadata.name;
  pod.spec.node_name = std::move(node);
  api::Container c;
  c.name = "c";
  c.image = "busybox";
  pod.spec.containers.push_back(c);
  return pod;
}

inline api::ConfigMap MakeConfigMap(std::string ns, std::string name) {
  api::ConfigMap cm;
  cm.metadata.namespace_ = std::move(ns);
  cm.metadata.name = std::move(name);
  return cm;
}

inline const std::string& RvOf(const api::Object& obj) { return api::MetaOf(obj).resource_version; }
inline int64_t RvNum(const api::Object& obj) { return std::stoll(RvOf(obj)); }
inline std::string NameOf(const api::Object& obj) { return api::MetaOf(obj).name; }

inline ObjectKey PodKey(std::string ns, std::string name) {
  return ObjectKey{"pods", std::move(ns), std::move(name)};
}

// Every store a factory opens is new and empty.
struct MemoryStoreFactory {
  static constexpr const char* kName = "memory";
  std::unique_ptr<Store> Open(const StoreOptions& opts = {}) { return NewMemoryStore(opts); }
};

struct SqliteStoreFactory {
  static constexpr const char* kName = "sqlite";
  std::unique_ptr<Store> Open(const StoreOptions& opts = {}) {
    const std::string path = (dir.path() / ("store-" + std::to_string(++count) + ".db")).string();
    auto store = OpenSqliteStore(path, opts);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }
  TempDir dir;
  int count = 0;
};

}  // namespace cubelet::store::testing

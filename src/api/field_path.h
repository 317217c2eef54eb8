// FieldPath names a field inside an object the way Kubernetes error messages do:
// "spec.containers[0].image", "metadata.labels[app]". Decoding, validation and the YAML source
// map all build paths with this one class, so an error path can be looked up to a line.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cubelet::api {

class FieldPath {
 public:
  FieldPath() = default;
  explicit FieldPath(std::string_view root) : path_(root) {}

  FieldPath Child(std::string_view name) const {
    if (path_.empty()) return FieldPath(name);
    std::string p = path_;
    p += '.';
    p += name;
    return FieldPath(std::move(p), 0);
  }
  FieldPath Index(size_t i) const { return FieldPath(path_ + "[" + std::to_string(i) + "]", 0); }
  FieldPath Key(std::string_view key) const {
    std::string p = path_;
    p += '[';
    p += key;
    p += ']';
    return FieldPath(std::move(p), 0);
  }

  const std::string& str() const { return path_; }
  bool empty() const { return path_.empty(); }
  bool operator==(const FieldPath&) const = default;

 private:
  FieldPath(std::string&& p, int /*tag*/) : path_(std::move(p)) {}
  std::string path_;
};

}  // namespace cubelet::api

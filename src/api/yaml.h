// YAML manifests in and out (private to src/api; api.h exposes what users of the module need).
//
// In: multi-document YAML (JSON is YAML too) becomes JSON the way Kubernetes' sigs.k8s.io/yaml
// turns it into JSON (YAML 1.1 scalar resolution of go-yaml v2: `yes`/`on` are booleans, 0755
// is octal, merge keys `<<` work), plus a SourceMap from field paths to line numbers so decode
// and validation errors can say "pod.yaml:14:". Duplicate keys are errors, as with strict
// decoding; anchors are expanded with a budget so a "billion laughs" document is refused.
//
// Out: JSON rendered as YAML the way `kubectl get -o yaml` prints it: keys sorted, sequences
// not indented under their key, strings that would read back as another type double-quoted.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/types/values.h"
#include "base/status.h"

namespace cubelet::api {

// Field path → 1-based line in the source file. Copies share the table, so a view of one item
// of a list (WithPrefix("items[2]")) is cheap.
class SourceMap {
 public:
  SourceMap() = default;
  SourceMap(std::string file, int doc_line)
      : file_(std::move(file)),
        doc_line_(doc_line),
        lines_(std::make_shared<std::unordered_map<std::string, int>>()) {}

  void Add(const std::string& path, int line) { lines_->emplace(path, line); }
  // The line of `path`, or of its nearest recorded ancestor ("spec.containers[0].image" falls
  // back to "spec.containers[0]"), or the document's first line; 0 when unknown.
  int LineFor(std::string_view path) const;
  // "file:line" for a path; just "file" when there is no line.
  std::string Locate(std::string_view path) const;
  // A view in which every path is taken relative to `prefix` (an item of a List document).
  SourceMap WithPrefix(std::string_view prefix) const;
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  int doc_line_ = 0;
  std::string prefix_;
  std::shared_ptr<std::unordered_map<std::string, int>> lines_;
};

struct YamlDocument {
  Json json;
  SourceMap lines;
};

// Parses every non-empty document of `text`. Errors name the file and line:
// "pod.yaml:7: yaml: ...".
base::Result<std::vector<YamlDocument>> ParseYamlDocuments(std::string_view text,
                                                           std::string_view file_name);

// Renders one JSON value as a YAML document (no leading "---"), ending in a newline.
std::string EmitYaml(const Json& value);

}  // namespace cubelet::api

// Manifest files: YAML/JSON documents → typed objects, with errors located by file and line.
#include <fmt/format.h>

#include "api/api.h"

namespace cubelet::api {
namespace {

bool IsListKind(const Json& json) {
  const auto kd = json.find("kind");
  if (kd == json.end() || !kd->is_string()) return false;
  const std::string& kind = kd->get_ref<const std::string&>();
  return kind == "List" || (kind.size() > 4 && kind.ends_with("List") && json.contains("items"));
}

// Appends the objects of one JSON document (a single object, or a list's items, recursively).
void ReadDocument(const Json& json, const SourceMap& lines, std::vector<Manifest>& out) {
  if (json.is_object() && IsListKind(json)) {
    const auto found = json.find("items");
    if (found == json.end() || found->is_null()) return;  // an empty list
    const Json& items = *found;
    if (!items.is_array()) {
      out.push_back(
          Manifest{std::nullopt, lines, {TypeInvalid(FieldPath("items"), "", "expected array")}});
      return;
    }
    for (size_t i = 0; i < items.size(); ++i) {
      ReadDocument(items[i], lines.WithPrefix(FieldPath("items").Index(i).str()), out);
    }
    return;
  }
  Manifest m{std::nullopt, lines, {}};
  Object obj;
  m.errors = DecodeObject(json, &obj);
  // DecodeObject leaves `obj` untouched only when it could not tell the kind.
  const bool kind_known =
      json.is_object() && json.contains("kind") && json["kind"].is_string() &&
      json.contains("apiVersion") && json["apiVersion"].is_string() &&
      FindKind(json["apiVersion"].get<std::string>(), json["kind"].get<std::string>()) != nullptr;
  if (kind_known) m.object = std::move(obj);
  out.push_back(std::move(m));
}

// True when `path` is `prefix` or lies under it.
bool Under(const std::string& path, const std::string& prefix) {
  if (!path.starts_with(prefix)) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '.' || path[prefix.size()] == '[';
}

}  // namespace

std::string FormatAt(const SourceMap& lines, const FieldError& err) {
  const std::string where = lines.Locate(err.field);
  return where.empty() ? err.ToString() : where + ": " + err.ToString();
}

base::Result<std::vector<Manifest>> ReadManifests(std::string_view text,
                                                  std::string_view file_name) {
  ASSIGN_OR_RETURN(std::vector<YamlDocument> docs, ParseYamlDocuments(text, file_name));
  std::vector<Manifest> out;
  for (const YamlDocument& doc : docs) ReadDocument(doc.json, doc.lines, out);
  return out;
}

base::Result<std::vector<Object>> DecodeManifests(std::string_view text,
                                                  std::string_view file_name) {
  ASSIGN_OR_RETURN(std::vector<Manifest> manifests, ReadManifests(text, file_name));
  std::vector<Object> out;
  std::string message;
  for (Manifest& m : manifests) {
    for (const FieldError& e : m.errors) {
      if (!message.empty()) message += '\n';
      message += FormatAt(m.lines, e);
    }
    if (m.errors.empty() && m.object) out.push_back(std::move(*m.object));
  }
  if (!message.empty()) return base::Status(base::Code::kInvalid, std::move(message));
  return out;
}

FieldErrors CheckManifest(Manifest& manifest) {
  FieldErrors errs = manifest.errors;
  if (!manifest.object) return errs;
  SetDefaults(*manifest.object);
  for (FieldError& e : Validate(*manifest.object)) {
    bool redundant = false;
    for (const FieldError& d : manifest.errors) {
      redundant = redundant || (d.type != FieldErrorType::kUnknownField && Under(e.field, d.field));
    }
    if (!redundant) errs.push_back(std::move(e));
  }
  return errs;
}

}  // namespace cubelet::api

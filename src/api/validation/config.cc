// ConfigMap and Secret: keys usable as file names, size limits, type-specific Secret keys.
#include "api/validation/validation.h"

namespace cubelet::api::validation {
namespace {

// etcd's request limit bounds every stored object; Kubernetes keeps data under 1 MiB.
constexpr size_t kMaxSecretSize = 1024 * 1024;

// The error encoding/json's Unmarshal into map[string]interface{} would give, or "" when the
// bytes are a JSON object (or null).
std::string JsonObjectError(const std::string& data) {
  const size_t first = data.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "unexpected end of JSON input";
  Json doc;
  try {
    doc = Json::parse(data);
  } catch (const nlohmann::json::parse_error& e) {
    if (e.byte >= data.size()) return "unexpected end of JSON input";
    const char c = data[e.byte > 0 ? e.byte - 1 : 0];
    return std::string("invalid character '") + c + "' looking for beginning of value";
  }
  if (doc.is_object() || doc.is_null()) return "";
  std::string type = "number";
  if (doc.is_array()) type = "array";
  if (doc.is_string()) type = "string";
  if (doc.is_boolean()) type = "bool";
  return "json: cannot unmarshal " + type + " into Go value of type map[string]interface {}";
}

}  // namespace

FieldErrors ValidateConfigMap(const ConfigMap& cm) {
  FieldErrors errs =
      ValidateObjectMeta(cm.metadata, true, NameIsDNSSubdomain, FieldPath("metadata"));
  size_t total = 0;
  const FieldPath data("data");
  for (const auto& [key, value] : cm.data) {
    AppendInvalid(errs, data.Key(key), key, IsConfigMapKey(key));
    // Both maps become files of one directory.
    if (cm.binary_data.contains(key)) {
      errs.push_back(Invalid(data.Key(key), key, "duplicate of key present in binaryData"));
    }
    total += value.size();
  }
  const FieldPath binary("binaryData");
  for (const auto& [key, value] : cm.binary_data) {
    AppendInvalid(errs, binary.Key(key), key, IsConfigMapKey(key));
    total += value.data.size();
  }
  // Kubernetes reports the size at the root path, which prints as "[]".
  if (total > kMaxSecretSize) errs.push_back(TooLong(FieldPath("[]"), kMaxSecretSize));
  return errs;
}

FieldErrors ValidateSecret(const Secret& secret) {
  FieldErrors errs =
      ValidateObjectMeta(secret.metadata, true, NameIsDNSSubdomain, FieldPath("metadata"));
  // Kubernetes merges stringData into data before validating; do the same so a key given in
  // either form is checked once, under data.
  std::map<std::string, std::string> data;
  for (const auto& [k, v] : secret.data) data[k] = v.data;
  for (const auto& [k, v] : secret.string_data) data[k] = v;
  const FieldPath data_path("data");
  size_t total = 0;
  for (const auto& [key, value] : data) {
    AppendInvalid(errs, data_path.Key(key), key, IsConfigMapKey(key));
    total += value.size();
  }
  if (total > kMaxSecretSize) errs.push_back(TooLong(data_path, kMaxSecretSize));

  const std::string& type = secret.type;
  auto require_json = [&](const std::string& key) {
    auto it = data.find(key);
    if (it == data.end()) {
      errs.push_back(Required(data_path.Key(key)));
      return;
    }
    const std::string err = JsonObjectError(it->second);
    if (!err.empty())
      errs.push_back(Invalid(data_path.Key(key), "<secret contents redacted>", err));
  };
  if (type == "kubernetes.io/service-account-token") {
    // The token controller fills in the rest; the account name must come from the user.
    const auto it = secret.metadata.annotations.find("kubernetes.io/service-account.name");
    if (it == secret.metadata.annotations.end() || it->second.empty()) {
      errs.push_back(Required(
          FieldPath("metadata").Child("annotations").Key("kubernetes.io/service-account.name")));
    }
  } else if (type == "kubernetes.io/dockercfg") {
    require_json(".dockercfg");
  } else if (type == "kubernetes.io/dockerconfigjson") {
    require_json(".dockerconfigjson");
  } else if (type == "kubernetes.io/basic-auth") {
    // Either may be empty, but at least one field must be present.
    if (!data.contains("username") && !data.contains("password")) {
      errs.push_back(Required(data_path.Key("username")));
      errs.push_back(Required(data_path.Key("password")));
    }
  } else if (type == "kubernetes.io/ssh-auth") {
    auto it = data.find("ssh-privatekey");
    if (it == data.end() || it->second.empty()) {
      errs.push_back(Required(data_path.Key("ssh-privatekey")));
    }
  } else if (type == "kubernetes.io/tls") {
    if (!data.contains("tls.crt")) errs.push_back(Required(data_path.Key("tls.crt")));
    if (!data.contains("tls.key")) errs.push_back(Required(data_path.Key("tls.key")));
  }
  return errs;
}

}  // namespace cubelet::api::validation

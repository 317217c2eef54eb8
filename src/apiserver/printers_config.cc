// The kinds printed as a name, a count or phase, and an age: Namespace, ConfigMap, Secret and
// ServiceAccount.
#include <array>
#include <cstdint>

#include "apiserver/printers.h"

namespace cubelet::apiserver {
namespace {

constexpr std::array kNamespaceColumns = {
    ColumnDefinition{"Name", "string", "name", kNameDescription, 0},
    ColumnDefinition{"Status", "string", "", "The status of the namespace", 0},
    ColumnDefinition{"Age", "string", "", kAgeDescription, 0},
};

constexpr std::array kConfigMapColumns = {
    ColumnDefinition{"Name", "string", "name", kNameDescription, 0},
    ColumnDefinition{"Data", "string", "",
                     "Data contains the configuration data. Each key must consist of "
                     "alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte "
                     "sequences must use the BinaryData field. The keys stored in Data must not "
                     "overlap with the keys in the BinaryData field, this is enforced during "
                     "validation process.",
                     0},
    ColumnDefinition{"Age", "string", "", kAgeDescription, 0},
};

constexpr std::array kSecretColumns = {
    ColumnDefinition{"Name", "string", "name", kNameDescription, 0},
    ColumnDefinition{"Type", "string", "",
                     "Used to facilitate programmatic handling of secret data. More info: "
                     "https://kubernetes.io/docs/concepts/configuration/secret/#secret-types",
                     0},
    ColumnDefinition{"Data", "string", "",
                     "Data contains the secret data. Each key must consist of alphanumeric "
                     "characters, '-', '_' or '.'. The serialized form of the secret data is a "
                     "base64 encoded string, representing the arbitrary (possibly non-string) "
                     "data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
                     0},
    ColumnDefinition{"Age", "string", "", kAgeDescription, 0},
};

constexpr std::array kServiceAccountColumns = {
    ColumnDefinition{"Name", "string", "name", kNameDescription, 0},
    ColumnDefinition{
        "Secrets", "string", "",
        "Secrets is a list of the secrets in the same namespace that pods running using this "
        "ServiceAccount are allowed to use. Pods are only limited to this list if this service "
        "account has a \"kubernetes.io/enforce-mountable-secrets\" annotation set to \"true\". "
        "This field should not be used to find auto-generated service account token secrets for "
        "use outside of pods. Instead, tokens can be requested directly using the TokenRequest "
        "API, or service account token secrets can be manually created. More info: "
        "https://kubernetes.io/docs/concepts/configuration/secret",
        0},
    ColumnDefinition{"Age", "string", "", kAgeDescription, 0},
};

}  // namespace

std::span<const ColumnDefinition> NamespaceColumns() { return kNamespaceColumns; }
std::span<const ColumnDefinition> ConfigMapColumns() { return kConfigMapColumns; }
std::span<const ColumnDefinition> SecretColumns() { return kSecretColumns; }
std::span<const ColumnDefinition> ServiceAccountColumns() { return kServiceAccountColumns; }

api::Json Cells(const api::Namespace& ns, base::TimePoint now) {
  return api::Json::array(
      {ns.metadata.name, ns.status.phase, Age(ns.metadata.creation_timestamp, now)});
}

// The counts are integers in the cells although the columns say "string", as in Kubernetes.
api::Json Cells(const api::ConfigMap& cm, base::TimePoint now) {
  const auto keys = static_cast<int64_t>(cm.data.size() + cm.binary_data.size());
  return api::Json::array({cm.metadata.name, keys, Age(cm.metadata.creation_timestamp, now)});
}

api::Json Cells(const api::Secret& secret, base::TimePoint now) {
  // stringData is merged into data when a Secret is read into the server (the store never
  // holds it, but a key may be in both).
  int64_t keys = static_cast<int64_t>(secret.data.size());
  for (const auto& entry : secret.string_data) {
    if (!secret.data.contains(entry.first)) ++keys;
  }
  return api::Json::array(
      {secret.metadata.name, secret.type, keys, Age(secret.metadata.creation_timestamp, now)});
}

api::Json Cells(const api::ServiceAccount& sa, base::TimePoint now) {
  return api::Json::array({sa.metadata.name, static_cast<int64_t>(sa.secrets.size()),
                           Age(sa.metadata.creation_timestamp, now)});
}

}  // namespace cubelet::apiserver

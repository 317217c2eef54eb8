// Container environment: env (names and valueFrom sources) and envFrom.
#include "api/validation/validation.h"

namespace cubelet::api::validation {
namespace {

// Downward-API paths an environment variable may read (validEnvDownwardAPIFieldPathExpressions),
// sorted as Kubernetes lists them. Whole label/annotation maps only fit in volume files.
const std::initializer_list<std::string_view> kEnvFieldPaths = {"metadata.name",
                                                                "metadata.namespace",
                                                                "metadata.uid",
                                                                "spec.nodeName",
                                                                "spec.serviceAccountName",
                                                                "status.hostIP",
                                                                "status.hostIPs",
                                                                "status.podIP",
                                                                "status.podIPs"};

FieldErrors ValidateKeySelector(const KeySelector& s, const FieldPath& path) {
  // Kubernetes checks the name even when empty, which yields the subdomain message.
  FieldErrors errs;
  AppendInvalid(errs, path.Child("name"), s.name, NameIsDNSSubdomain(s.name, false));
  if (s.key.empty()) {
    errs.push_back(Required(path.Child("key")));
  } else {
    AppendInvalid(errs, path.Child("key"), s.key, IsConfigMapKey(s.key));
  }
  return errs;
}

FieldErrors ValidateValueFrom(const EnvVar& ev, const FieldPath& path) {
  FieldErrors errs;
  if (!ev.value_from) return errs;
  const EnvVarSource& src = *ev.value_from;
  int num_sources = 0;
  if (src.field_ref) {
    ++num_sources;
    Append(errs,
           ValidateObjectFieldSelector(*src.field_ref, kEnvFieldPaths, path.Child("fieldRef")));
  }
  if (src.resource_field_ref) {
    ++num_sources;
    Append(errs, ValidateContainerResourceFieldSelector(*src.resource_field_ref,
                                                        path.Child("resourceFieldRef"), false));
  }
  if (src.config_map_key_ref) {
    ++num_sources;
    Append(errs, ValidateKeySelector(*src.config_map_key_ref, path.Child("configMapKeyRef")));
  }
  if (src.secret_key_ref) {
    ++num_sources;
    Append(errs, ValidateKeySelector(*src.secret_key_ref, path.Child("secretKeyRef")));
  }
  if (num_sources == 0) {
    errs.push_back(Invalid(path, "",
                           "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` "
                           "or `secretKeyRef`"));
  } else if (!ev.value.empty()) {
    errs.push_back(Invalid(path, "", "may not be specified when `value` is not empty"));
  } else if (num_sources > 1) {
    errs.push_back(Invalid(path, "", "may not have more than one field specified at a time"));
  }
  return errs;
}

FieldErrors ValidateEnvSourceName(const ConfigMapEnvSource& s, const FieldPath& path) {
  if (s.name.empty()) return {Required(path.Child("name"))};
  FieldErrors errs;
  // Kubernetes validates these names as generateName prefixes (a trailing '-' passes).
  AppendInvalid(errs, path.Child("name"), s.name, NameIsDNSSubdomain(s.name, true));
  return errs;
}

}  // namespace

FieldErrors ValidateEnv(const std::vector<EnvVar>& env, const FieldPath& path) {
  FieldErrors errs;
  for (size_t i = 0; i < env.size(); ++i) {
    const EnvVar& ev = env[i];
    const FieldPath idx = path.Index(i);
    if (ev.name.empty()) {
      errs.push_back(Required(idx.Child("name")));
    } else {
      AppendInvalid(errs, idx.Child("name"), ev.name, IsRelaxedEnvVarName(ev.name));
    }
    Append(errs, ValidateValueFrom(ev, idx.Child("valueFrom")));
  }
  return errs;
}

FieldErrors ValidateEnvFrom(const std::vector<EnvFromSource>& env_from, const FieldPath& path) {
  FieldErrors errs;
  for (size_t i = 0; i < env_from.size(); ++i) {
    const EnvFromSource& ev = env_from[i];
    const FieldPath idx = path.Index(i);
    if (!ev.prefix.empty()) {
      AppendInvalid(errs, idx.Child("prefix"), ev.prefix, IsRelaxedEnvVarName(ev.prefix));
    }
    int num_sources = 0;
    if (ev.config_map_ref) {
      ++num_sources;
      Append(errs, ValidateEnvSourceName(*ev.config_map_ref, idx.Child("configMapRef")));
    }
    if (ev.secret_ref) {
      ++num_sources;
      Append(errs, ValidateEnvSourceName(*ev.secret_ref, idx.Child("secretRef")));
    }
    // Kubernetes reports these two at the envFrom list's path.
    if (num_sources == 0) {
      errs.push_back(Invalid(path, "", "must specify one of: `configMapRef` or `secretRef`"));
    } else if (num_sources > 1) {
      errs.push_back(Invalid(path, "", "may not have more than one field specified at a time"));
    }
  }
  return errs;
}

}  // namespace cubelet::api::validation

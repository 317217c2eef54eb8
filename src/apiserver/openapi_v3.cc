// /openapi/v3: the index and one document per group-version, derived from the resource table
// the way kube-apiserver's installer derives its routes from a storage's verbs. Operation ids,
// tags, descriptions and x-kubernetes-action values are the installer's, so tools that key on
// them (client generators, kubectl's query-parameter check) see the familiar names.
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "apiserver/openapi.h"
#include "apiserver/resources.h"

namespace cubelet::apiserver {
namespace {

// The REST actions of the installer: which HTTP method on which path a verb becomes.
enum class Action { kList, kCreate, kGet, kUpdate, kPatch, kDelete, kDeleteCollection };

struct ActionInfo {
  std::string_view method;  // the key in the path item: "get", "post", ...
  std::string_view name;    // x-kubernetes-action
  std::string_view op;      // the operationId prefix
};

ActionInfo InfoOf(Action action) {
  switch (action) {
    case Action::kList:
      return {"get", "list", "list"};
    case Action::kCreate:
      return {"post", "post", "create"};
    case Action::kGet:
      return {"get", "get", "read"};
    case Action::kUpdate:
      return {"put", "put", "replace"};
    case Action::kPatch:
      return {"patch", "patch", "patch"};
    case Action::kDelete:
      return {"delete", "delete", "delete"};
    case Action::kDeleteCollection:
      break;
  }
  return {"delete", "deletecollection", "delete"};
}

// What one path acts on.
struct Target {
  const ResourceInfo& resource;
  const SubresourceInfo* sub = nullptr;  // nullptr: the object or collection itself
  bool namespaced_path = false;          // the path has a {namespace} segment
  bool all_namespaces = false;           // /api/v1/pods: every namespace's list
};

// go-openapi's ToValidOperationID: drops characters that are not letters or digits and
// capitalises the letter after each ("rbac.authorization" -> "rbacAuthorization").
std::string ValidOperationId(std::string_view s, bool capitalize_first) {
  std::string out;
  bool capitalize = capitalize_first;
  for (char c : s) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum) {
      capitalize = true;
      continue;
    }
    out += (capitalize && c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    capitalize = false;
  }
  return out;
}

// The group as operation ids and tags name it: "core" for the legacy group, without the
// ".k8s.io" suffix otherwise.
std::string_view GroupName(std::string_view group) {
  if (group.empty()) return "core";
  constexpr std::string_view kSuffix = ".k8s.io";
  if (group.size() > kSuffix.size() && group.ends_with(kSuffix)) {
    group.remove_suffix(kSuffix.size());
  }
  return group;
}

// The installer's GetArticleForNoun: plurals ("Endpoints") take no article.
std::string_view Article(std::string_view noun) {
  if (noun.ends_with("s") && !noun.ends_with("ss")) return " ";
  bool vowel =
      !noun.empty() && std::string_view("AEIOUaeiou").find(noun[0]) != std::string_view::npos;
  return vowel ? " an " : " a ";
}

std::string Description(Action action, const Target& t) {
  std::string_view kind = t.resource.kind;
  std::string of = t.sub != nullptr ? fmt::format("{} of ", t.sub->name) : "";
  switch (action) {
    case Action::kList:
      return fmt::format("list or watch {}objects of kind {}", of, kind);
    case Action::kCreate:
      if (t.sub != nullptr) {
        return fmt::format("create {} of{}{}", t.sub->name, Article(kind), kind);
      }
      return fmt::format("create{}{}", Article(kind), kind);
    case Action::kGet:
      return fmt::format("read {}the specified {}", of, kind);
    case Action::kUpdate:
      return fmt::format("replace {}the specified {}", of, kind);
    case Action::kPatch:
      return fmt::format("partially update {}the specified {}", of, kind);
    case Action::kDelete:
      return fmt::format("delete{}{}", Article(kind), kind);
    case Action::kDeleteCollection:
      break;
  }
  return fmt::format("delete collection of {}", kind);
}

// "readCoreV1NamespacedPodStatus", "listAppsV1DeploymentForAllNamespaces",
// "deleteCoreV1CollectionNamespacedPod".
std::string OperationId(Action action, const Target& t) {
  const ResourceInfo& r = t.resource;
  std::string id =
      fmt::format("{}{}{}", InfoOf(action).op, ValidOperationId(GroupName(r.group), true),
                  ValidOperationId(r.version, true));
  if (action == Action::kDeleteCollection) id += "Collection";
  if (t.namespaced_path) id += "Namespaced";
  id += r.kind;
  if (t.sub != nullptr) id += ValidOperationId(t.sub->name, true);
  if (t.all_namespaces) id += "ForAllNamespaces";
  return id;
}

api::Json Tags(const ResourceInfo& r) {
  return api::Json::array({fmt::format("{}_{}", ValidOperationId(GroupName(r.group), false),
                                       ValidOperationId(r.version, false))});
}

// x-kubernetes-group-version-kind of the object the operation reads or writes. Keys in Go's
// map order (sorted), as kube-apiserver encodes them.
api::Json Gvk(const Target& t) {
  std::string_view group = t.resource.group;
  std::string_view version = t.resource.version;
  std::string_view kind = t.resource.kind;
  if (t.sub != nullptr) {
    kind = t.sub->kind;
    if (!t.sub->group.empty() || !t.sub->version.empty()) {
      group = t.sub->group;
      version = t.sub->version;
    }
  }
  return api::Json{{"group", group}, {"kind", kind}, {"version", version}};
}

api::Json QueryParam(std::string_view name, std::string_view type) {
  return api::Json{{"name", name},
                   {"in", "query"},
                   {"schema", api::Json{{"type", type}, {"uniqueItems", true}}}};
}

api::Json PathParam(std::string_view name, std::string_view description) {
  return api::Json{{"name", name},
                   {"in", "path"},
                   {"description", description},
                   {"required", true},
                   {"schema", api::Json{{"type", "string"}, {"uniqueItems", true}}}};
}

// The query parameters of each action (metav1.ListOptions, CreateOptions, ...).
api::Json OperationParams(Action action, const Target& t) {
  api::Json params = api::Json::array();
  auto add = [&](std::string_view name, std::string_view type) {
    params.push_back(QueryParam(name, type));
  };
  switch (action) {
    case Action::kList:
      add("allowWatchBookmarks", "boolean");
      add("continue", "string");
      add("fieldSelector", "string");
      add("labelSelector", "string");
      add("limit", "integer");
      add("resourceVersion", "string");
      add("resourceVersionMatch", "string");
      add("sendInitialEvents", "boolean");
      add("timeoutSeconds", "integer");
      add("watch", "boolean");
      break;
    case Action::kCreate:
    case Action::kUpdate:
    case Action::kPatch:
      // kubectl 1.27+ sends fieldValidation=Strict only where the patch operation lists it.
      add("dryRun", "string");
      add("fieldManager", "string");
      add("fieldValidation", "string");
      if (action == Action::kPatch) add("force", "boolean");
      break;
    case Action::kGet:
      if (t.sub != nullptr && t.sub->name == "log") {  // PodLogOptions
        add("container", "string");
        add("follow", "boolean");
        add("limitBytes", "integer");
        add("previous", "boolean");
        add("sinceSeconds", "integer");
        add("tailLines", "integer");
        add("timestamps", "boolean");
      }
      break;
    case Action::kDelete:
      add("dryRun", "string");
      add("gracePeriodSeconds", "integer");
      add("propagationPolicy", "string");
      break;
    case Action::kDeleteCollection:
      add("continue", "string");
      add("dryRun", "string");
      add("fieldSelector", "string");
      add("gracePeriodSeconds", "integer");
      add("labelSelector", "string");
      add("limit", "integer");
      add("propagationPolicy", "string");
      add("resourceVersion", "string");
      add("resourceVersionMatch", "string");
      add("sendInitialEvents", "boolean");
      add("timeoutSeconds", "integer");
      break;
  }
  return params;
}

api::Json Responses(Action action) {
  api::Json responses{{"200", {{"description", "OK"}}}};
  if (action == Action::kCreate || action == Action::kUpdate || action == Action::kPatch) {
    responses["201"] = {{"description", "Created"}};
  }
  if (action == Action::kCreate || action == Action::kDelete) {
    responses["202"] = {{"description", "Accepted"}};
  }
  responses["401"] = {{"description", "Unauthorized"}};
  return responses;
}

// No schemas: a body is described by its media types only.
api::Json RequestBody(Action action) {
  api::Json content = api::Json::object();
  if (action == Action::kPatch) {
    content["application/json-patch+json"] = api::Json::object();
    content["application/merge-patch+json"] = api::Json::object();
    content["application/strategic-merge-patch+json"] = api::Json::object();
  } else {
    content["application/json"] = api::Json::object();
  }
  return api::Json{{"content", std::move(content)}, {"required", true}};
}

api::Json Operation(Action action, const Target& t) {
  api::Json op{{"tags", Tags(t.resource)},
               {"description", Description(action, t)},
               {"operationId", OperationId(action, t)}};
  if (api::Json params = OperationParams(action, t); !params.empty()) {
    op["parameters"] = std::move(params);
  }
  if (action == Action::kCreate || action == Action::kUpdate || action == Action::kPatch) {
    op["requestBody"] = RequestBody(action);
  }
  op["responses"] = Responses(action);
  op["x-kubernetes-action"] = InfoOf(action).name;
  op["x-kubernetes-group-version-kind"] = Gvk(t);
  return op;
}

// Which part of a resource a path addresses.
enum class PathKind { kCollection, kObject, kSubresource };

// The actions a verb list enables on a path. "create" is a collection's POST, except on a
// subresource, which is POSTed at the object (pods/{name}/binding).
std::vector<Action> Actions(std::span<const std::string_view> verbs, PathKind kind) {
  std::vector<Action> out;
  for (std::string_view verb : verbs) {
    if (kind == PathKind::kCollection) {
      if (verb == "list") out.push_back(Action::kList);
      if (verb == "create") out.push_back(Action::kCreate);
      if (verb == "deletecollection") out.push_back(Action::kDeleteCollection);
      continue;
    }
    if (verb == "get") out.push_back(Action::kGet);
    if (verb == "update") out.push_back(Action::kUpdate);
    if (verb == "patch") out.push_back(Action::kPatch);
    if (verb == "delete") out.push_back(Action::kDelete);
    if (verb == "create" && kind == PathKind::kSubresource) out.push_back(Action::kCreate);
  }
  return out;
}

// A path item: its operations in OpenAPI's field order, then the path-level parameters.
api::Json PathItem(const Target& t, const std::vector<Action>& actions, bool item) {
  api::Json path = api::Json::object();
  for (std::string_view method : {"get", "put", "post", "delete", "patch"}) {
    for (Action a : actions) {
      if (InfoOf(a).method == method) path[std::string(method)] = Operation(a, t);
    }
  }
  if (path.empty()) return path;
  api::Json params = api::Json::array();
  if (item) params.push_back(PathParam("name", fmt::format("name of the {}", t.resource.kind)));
  if (t.namespaced_path) {
    params.push_back(
        PathParam("namespace", "object name and auth scope, such as for teams and projects"));
  }
  params.push_back(QueryParam("pretty", "string"));
  path["parameters"] = std::move(params);
  return path;
}

void AddResourcePaths(const ResourceInfo& r, std::string_view prefix,
                      std::map<std::string, api::Json>& paths) {
  auto add = [&](std::string path, const Target& t, std::vector<Action> actions, bool item) {
    api::Json path_item = PathItem(t, actions, item);
    if (!path_item.empty()) paths[std::move(path)] = std::move(path_item);
  };
  std::string collection = r.namespaced
                               ? fmt::format("{}/namespaces/{{namespace}}/{}", prefix, r.resource)
                               : fmt::format("{}/{}", prefix, r.resource);
  std::string item = collection + "/{name}";
  add(collection, Target{r, nullptr, r.namespaced, false}, Actions(r.verbs, PathKind::kCollection),
      false);
  add(item, Target{r, nullptr, r.namespaced, false}, Actions(r.verbs, PathKind::kObject), true);
  for (const SubresourceInfo& s : r.subresources) {
    add(fmt::format("{}/{}", item, s.name), Target{r, &s, r.namespaced, false},
        Actions(s.verbs, PathKind::kSubresource), true);
  }
  if (r.namespaced && r.HasVerb("list")) {
    add(fmt::format("{}/{}", prefix, r.resource), Target{r, nullptr, false, true}, {Action::kList},
        false);
  }
}

}  // namespace

std::optional<api::Json> OpenApiV3Document(std::string_view path) {
  for (const GroupVersion& gv : GroupVersions()) {
    if (gv.Path() != path) continue;
    // Go encodes the paths map with sorted keys; std::map gives the same order.
    std::map<std::string, api::Json> paths;
    std::string prefix = "/" + gv.Path();
    for (const ResourceInfo& r : Resources()) {
      if (r.group == gv.group && r.version == gv.version) AddResourcePaths(r, prefix, paths);
    }
    api::Json paths_json = api::Json::object();
    for (auto& [key, value] : paths) paths_json[key] = std::move(value);
    return api::Json{{"openapi", "3.0.0"},
                     {"info", {{"title", "Kubernetes"}, {"version", kKubernetesVersion}}},
                     {"paths", std::move(paths_json)},
                     {"components", {{"schemas", api::Json::object()}}}};
  }
  return std::nullopt;
}

api::Json OpenApiV3Index() {
  api::Json paths = api::Json::object();
  for (const GroupVersion& gv : GroupVersions()) {
    std::string path = gv.Path();
    std::optional<api::Json> doc = OpenApiV3Document(path);
    paths[path] = {
        {"serverRelativeURL", fmt::format("/openapi/v3/{}?hash={}", path, OpenApiV3Hash(*doc))}};
  }
  return api::Json{{"paths", std::move(paths)}};
}

std::string OpenApiV3Hash(const api::Json& document) {
  uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a 64 offset basis
  for (unsigned char c : document.dump()) {
    hash ^= c;
    hash *= 0x100000001b3ULL;  // FNV-1a 64 prime
  }
  return fmt::format("{:016X}", hash);
}

}  // namespace cubelet::apiserver

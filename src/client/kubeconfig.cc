// Reading a kubeconfig file (clientcmd's v1.Config) into a ClientConfig.
//
// The YAML goes through api's converter, which resolves scalars as sigs.k8s.io/yaml does (the
// library client-go reads kubeconfigs with) and remembers lines, so errors point into the file.
#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/yaml.h"
#include "base/encoding.h"
#include "client/client.h"
#include "client/wire.h"

namespace cubelet::client {
namespace {

base::Result<std::string> ReadWholeFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return base::ErrnoError(errno, fmt::format("reading {} {}", what, path));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return base::ErrnoError(errno, fmt::format("reading {} {}", what, path));
  return ss.str();
}

class Reader {
 public:
  Reader(std::string path, api::YamlDocument doc) : path_(std::move(path)), doc_(std::move(doc)) {
    const size_t slash = path_.rfind('/');
    dir_ = slash == std::string::npos ? "." : path_.substr(0, slash == 0 ? 1 : slash);
  }

  base::Result<ClientConfig> Read() {
    const api::Json& root = doc_.json;
    if (!root.is_object()) return Fail("", "the file is not a kubeconfig (expected a mapping)");
    const std::string current = StringField(root, "current-context");
    if (current.empty()) return Fail("current-context", "not set");

    std::string ctx_path;
    ASSIGN_OR_RETURN(const api::Json* ctx, Find("contexts", current, "context", &ctx_path));
    if (ctx == nullptr) {
      return Fail("current-context",
                  fmt::format("context {} not found in contexts", api::GoQuote(current)));
    }
    ClientConfig config;
    if (std::string ns = StringField(*ctx, "namespace"); !ns.empty()) config.namespace_ = ns;

    const std::string cluster_name = StringField(*ctx, "cluster");
    if (cluster_name.empty()) return Fail(ctx_path + ".cluster", "Required value");
    std::string cluster_path;
    ASSIGN_OR_RETURN(const api::Json* cluster,
                     Find("clusters", cluster_name, "cluster", &cluster_path));
    if (cluster == nullptr) {
      return Fail(ctx_path + ".cluster",
                  fmt::format("cluster {} not found in clusters", api::GoQuote(cluster_name)));
    }
    RETURN_IF_ERROR(ReadCluster(*cluster, cluster_path, &config));

    // A context without a user (or with `user: {}`) talks to the server anonymously.
    const std::string user_name = StringField(*ctx, "user");
    if (!user_name.empty()) {
      std::string user_path;
      ASSIGN_OR_RETURN(const api::Json* user, Find("users", user_name, "user", &user_path));
      if (user == nullptr) {
        return Fail(ctx_path + ".user",
                    fmt::format("user {} not found in users", api::GoQuote(user_name)));
      }
      RETURN_IF_ERROR(ReadUser(*user, user_path, &config));
    }
    return config;
  }

 private:
  base::Status ReadCluster(const api::Json& cluster, const std::string& at, ClientConfig* out) {
    out->server = StringField(cluster, "server");
    if (out->server.empty()) return Fail(at + ".server", "Required value");
    if (!out->server.starts_with("http://") && !out->server.starts_with("https://")) {
      return Fail(at + ".server", fmt::format("{}: expected an http:// or https:// URL",
                                              api::GoQuote(out->server)));
    }
    if (auto it = cluster.find("insecure-skip-tls-verify"); it != cluster.end()) {
      if (!it->is_boolean()) return Fail(at + ".insecure-skip-tls-verify", "expected a boolean");
      out->insecure_skip_tls_verify = it->get<bool>();
    }
    return Material(cluster, at, "certificate-authority", &out->certificate_authority_pem);
  }

  base::Status ReadUser(const api::Json& user, const std::string& at, ClientConfig* out) {
    for (const char* unsupported : {"exec", "auth-provider", "username"}) {
      if (user.contains(unsupported)) {
        return base::Status(
            base::Code::kUnimplemented,
            fmt::format("{}: {}.{}: not supported by cubelet; use a token or a "
                        "client certificate",
                        doc_.lines.Locate(at + "." + unsupported), at, unsupported));
      }
    }
    out->bearer_token = StringField(user, "token");
    if (const std::string file = StringField(user, "tokenFile");
        out->bearer_token.empty() && !file.empty()) {
      ASSIGN_OR_RETURN(std::string token, ReadWholeFile(Resolve(file), "token file"));
      // Token files usually end with a newline; the header must not.
      while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) {
        token.pop_back();
      }
      out->bearer_token = std::move(token);
    }
    RETURN_IF_ERROR(Material(user, at, "client-certificate", &out->client_certificate_pem));
    return Material(user, at, "client-key", &out->client_key_pem);
  }

  // A PEM given inline as base64 ("<field>-data", preferred, as in client-go) or as a file.
  base::Status Material(const api::Json& obj, const std::string& at, const std::string& field,
                        std::string* out) {
    if (const std::string data = StringField(obj, field + "-data"); !data.empty()) {
      auto pem = base::Base64Decode(data);
      if (!pem.ok()) return Fail(at + "." + field + "-data", pem.status().message());
      *out = std::move(pem).value();
      return base::Status::Ok();
    }
    if (const std::string file = StringField(obj, field); !file.empty()) {
      ASSIGN_OR_RETURN(*out, ReadWholeFile(Resolve(file), field));
    }
    return base::Status::Ok();
  }

  // The `inner` mapping of the entry of list `list` named `name` (contexts[i].context), or null
  // when no entry has that name; its field path goes to `path`.
  base::Result<const api::Json*> Find(const std::string& list, const std::string& name,
                                      const std::string& inner, std::string* path) {
    auto it = doc_.json.find(list);
    if (it == doc_.json.end() || it->is_null()) return static_cast<const api::Json*>(nullptr);
    if (!it->is_array()) return Fail(list, "expected a list");
    for (size_t i = 0; i < it->size(); ++i) {
      const api::Json& entry = (*it)[i];
      if (StringField(entry, "name") != name) continue;
      *path = fmt::format("{}[{}].{}", list, i, inner);
      auto body = entry.find(inner);
      if (body == entry.end() || body->is_null()) {
        static const api::Json kEmpty = api::Json::object();
        return &kEmpty;
      }
      if (!body->is_object()) return Fail(*path, "expected a mapping");
      return &*body;
    }
    return static_cast<const api::Json*>(nullptr);
  }

  std::string Resolve(const std::string& file) const {
    return file.starts_with('/') ? file : dir_ + "/" + file;
  }

  base::Status Fail(const std::string& field, std::string_view problem) const {
    const std::string where = doc_.lines.Locate(field);
    return base::InvalidError("{}: {}{}{}", where.empty() ? path_ : where, field,
                              field.empty() ? "" : ": ", problem);
  }

  const std::string path_;
  std::string dir_;
  const api::YamlDocument doc_;
};

}  // namespace

base::Result<ClientConfig> LoadKubeconfig(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path, "kubeconfig"));
  ASSIGN_OR_RETURN(std::vector<api::YamlDocument> docs, api::ParseYamlDocuments(text, path));
  if (docs.size() != 1) {
    return base::InvalidError("{}: expected one kubeconfig document, found {}", path, docs.size());
  }
  return Reader(path, std::move(docs[0])).Read();
}

}  // namespace cubelet::client

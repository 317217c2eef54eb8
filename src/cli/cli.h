// The cubelet command line: one binary, subcommands (validate, version; later server, agent,
// image ...). Each verb is a thin layer that parses flags and calls the module doing the work.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace cubelet::cli {

// Runs the CLI on argv; returns the process exit code. Output goes to `out`, diagnostics to
// `err` (tests pass string streams).
int Main(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

struct ValidateOptions {
  std::vector<std::string> files;  // files, directories, or "-" for standard input
  bool recursive = false;          // descend into subdirectories of directories
  std::string output;              // "" (summary lines), "yaml", "json" or "name"
  std::string namespace_ = "default";
};

// `cubelet validate`: decode, default and validate manifests; print the defaulted objects or
// every error located by file and line. Returns 0 when everything is valid, 1 otherwise.
int Validate(const ValidateOptions& options, std::ostream& out, std::ostream& err);

struct ImageOptions {
  std::string verb;       // pull, ls, rm, prune
  std::string reference;  // for pull and rm
  std::string data_dir = "/var/lib/cubelet";
  std::string registry_config;  // registries.yaml (mirrors, auth, TLS)
  std::string docker_config;    // a docker config.json with credentials (pull)
  std::string platform;         // os/arch[/variant] (pull)
};

// `cubelet image ...`: pull with a progress bar per layer (plain lines when not a terminal),
// list, remove, prune. Returns the exit code.
int Image(const ImageOptions& options, std::ostream& out, std::ostream& err);

struct RuntimeCliOptions {
  std::string verb;  // run, pods, ps, logs, exec, stop, rm, stopp, rmp
  std::string data_dir = "/var/lib/cubelet";
  std::string registry_config;
  std::string cgroup_parent = "cubelet";
  std::string infra_image;        // --pod-infra-container-image
  std::string file;               // run -f
  std::vector<std::string> ids;   // container or pod IDs (unique prefixes) or pod names
  std::vector<std::string> argv;  // exec
  bool all = false;               // ps -a, rmp -a
  bool timestamps = false;        // logs
  int64_t tail = -1;              // logs
  int64_t timeout_seconds = 30;   // stop: grace period
  bool quiet = false;             // print IDs only
};

// `cubelet runtime ...`: the runtime layer by hand, like crictl (and `run`, like
// `podman kube play`: a Pod manifest's images pulled, init containers run in order, then the
// containers started). Returns the exit code (exec: the command's).
int RuntimeCli(const RuntimeCliOptions& options, std::ostream& out, std::ostream& err);

struct AgentCliOptions {
  std::string data_dir = "/var/lib/cubelet";
  std::string pod_manifest_path = "/etc/kubernetes/manifests";
  std::string node_name;  // default: the host name, lower-cased
  std::string registry_config;
  std::string cgroup_parent = "cubelet";
  std::string infra_image;
};

// `cubelet agent`: the node agent running the static pods of a manifest directory until
// SIGTERM or SIGINT (pods keep running after it stops). Prints status changes and events.
int Agent(const AgentCliOptions& options, std::ostream& out, std::ostream& err);

struct ServerCliOptions {
  std::string data_dir = "/var/lib/cubelet";
  std::string listen_address = "127.0.0.1";
  int port = 6443;
  std::string pod_manifest_path = "/etc/kubernetes/manifests";
  std::string node_name;  // default: the host name, lower-cased
  std::string registry_config;
  std::string cgroup_parent = "cubelet";
  std::string infra_image;
  std::string service_cidr = "10.43.0.0/16";
};

// `cubelet server`: the store, the API server and the node agent in one process until SIGTERM
// or SIGINT (pods keep running after it stops). Writes <data-dir>/kubeconfig.yaml.
int Server(const ServerCliOptions& options, std::ostream& out, std::ostream& err);

// "cubelet v0.1.0 (Kubernetes API v1.33)".
std::string VersionString();

}  // namespace cubelet::cli

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/cli.h"

namespace cubelet::cli {

std::string VersionString() { return "cubelet v0.1.0 (Kubernetes API v1.33)"; }

int Main(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"cubelet runs Kubernetes Pods on one machine from one binary.", "cubelet"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");

  CLI::App* version = app.add_subcommand("version", "Print the version of cubelet");

  ServerCliOptions sopts;
  CLI::App* server = app.add_subcommand(
      "server", "Run cubelet: the Kubernetes API, its store and the node agent in one process");
  server->add_option("--data-dir", sopts.data_dir, "Where cubelet keeps its state")
      ->capture_default_str();
  server->add_option("--listen-address", sopts.listen_address, "Address the API listens on")
      ->capture_default_str();
  server->add_option("--port", sopts.port, "Port the API listens on (0: any free port)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  server->add_option("--pod-manifest-path", sopts.pod_manifest_path, "Static pod manifests")
      ->capture_default_str();
  server->add_option("--node-name", sopts.node_name, "This node's name (default: the host name)");
  server->add_option("--registry-config", sopts.registry_config, "Registries file for pulls");
  server->add_option("--cgroup-parent", sopts.cgroup_parent, "Parent cgroup of every pod")
      ->capture_default_str();
  server->add_option("--pod-infra-container-image", sopts.infra_image,
                     "Image whose entrypoint holds each pod's namespaces (default: none, the "
                     "pod's supervisor does)");
  server
      ->add_option("--service-cluster-ip-range", sopts.service_cidr,
                   "The CIDR Service ClusterIPs come from")
      ->capture_default_str();

  ValidateOptions vopts;
  CLI::App* validate = app.add_subcommand(
      "validate",
      "Decode, default and validate manifests offline, as the API server would on create");
  validate
      ->add_option("-f,--filename", vopts.files,
                   "A manifest file, a directory of .yaml/.yml/.json files, or - for stdin")
      ->required();
  validate->add_flag("-R,--recursive", vopts.recursive, "Descend into subdirectories of -f DIR");
  validate->add_option("-o,--output", vopts.output,
                       "Print the defaulted objects: yaml, json or name");
  validate->add_option("-n,--namespace", vopts.namespace_,
                       "Namespace given to namespaced objects that set none");

  ImageOptions iopts;
  CLI::App* image = app.add_subcommand("image", "Pull, list and remove images");
  image->require_subcommand(1);
  image->add_option("--data-dir", iopts.data_dir, "Where cubelet keeps its state")
      ->capture_default_str();
  image->add_option("--registry-config", iopts.registry_config,
                    "Registries file (mirrors, auth, TLS) in the k3s registries.yaml format");
  CLI::App* pull = image->add_subcommand("pull", "Pull an image");
  pull->add_option("reference", iopts.reference, "Image reference, e.g. busybox:1.36")->required();
  pull->add_option("--docker-config", iopts.docker_config,
                   "A docker config.json holding registry credentials");
  pull->add_option("--platform", iopts.platform, "os/arch[/variant] (default: this machine)");
  image->add_subcommand("ls", "List images");
  CLI::App* rm = image->add_subcommand("rm", "Remove an image and the layers only it uses");
  rm->add_option("reference", iopts.reference, "Image reference")->required();
  image->add_subcommand("prune", "Remove images no container uses");

  AgentCliOptions aopts;
  CLI::App* agent = app.add_subcommand(
      "agent", "Run the node agent: the static pods of a manifest directory (standalone mode)");
  agent->add_option("--data-dir", aopts.data_dir, "Where cubelet keeps its state")
      ->capture_default_str();
  agent
      ->add_option("--pod-manifest-path", aopts.pod_manifest_path,
                   "Directory (or file) of static pod manifests: .yaml, .yml, .json")
      ->capture_default_str();
  agent->add_option("--node-name", aopts.node_name, "This node's name (default: the host name)");
  agent->add_option("--registry-config", aopts.registry_config, "Registries file for image pulls");
  agent->add_option("--cgroup-parent", aopts.cgroup_parent, "Parent cgroup of every pod")
      ->capture_default_str();
  agent->add_option("--pod-infra-container-image", aopts.infra_image,
                    "Run this image (e.g. a pause image) as each pod's infra container");

  RuntimeCliOptions ropts;
  CLI::App* rt = app.add_subcommand(
      "runtime", "Run and inspect pod sandboxes and containers directly (crictl-like)");
  rt->require_subcommand(1);
  rt->add_option("--data-dir", ropts.data_dir, "Where cubelet keeps its state")
      ->capture_default_str();
  rt->add_option("--registry-config", ropts.registry_config, "Registries file for image pulls");
  rt->add_option("--cgroup-parent", ropts.cgroup_parent, "Parent cgroup of every pod")
      ->capture_default_str();
  rt->add_option("--pod-infra-container-image", ropts.infra_image,
                 "Run this image (e.g. a pause image) as each new pod's infra container instead "
                 "of the built-in infra process");
  CLI::App* run = rt->add_subcommand(
      "run", "Run the pods of a manifest: pull images, run init containers, start containers");
  run->add_option("-f,--filename", ropts.file, "A Pod manifest, or - for stdin")->required();
  run->add_flag("-q,--quiet", ropts.quiet, "Print only the pod sandbox IDs");
  CLI::App* pods = rt->add_subcommand("pods", "List pod sandboxes");
  pods->add_flag("-q,--quiet", ropts.quiet, "Print only IDs");
  CLI::App* ps = rt->add_subcommand("ps", "List containers");
  ps->add_flag("-a,--all", ropts.all, "Show exited and created containers too");
  ps->add_flag("-q,--quiet", ropts.quiet, "Print only IDs");
  ps->add_option("--pod", ropts.ids, "Only the containers of this pod sandbox");
  CLI::App* logs = rt->add_subcommand("logs", "Print a container's log");
  logs->add_option("id", ropts.ids, "Container ID (or unique prefix)")->required();
  logs->add_flag("-t,--timestamps", ropts.timestamps, "Show timestamps");
  logs->add_option("--tail", ropts.tail, "Lines from the end (default: all)");
  CLI::App* exec = rt->add_subcommand("exec", "Run a command in a running container");
  std::string exec_id;
  exec->add_option("id", exec_id, "Container ID (or unique prefix)")->required();
  // The command comes after "--" and is taken verbatim (its own flags included).
  exec->prefix_command();
  CLI::App* stop = rt->add_subcommand("stop", "Stop containers (stop signal, then SIGKILL)");
  stop->add_option("ids", ropts.ids, "Container IDs")->required();
  stop->add_option("--timeout", ropts.timeout_seconds, "Grace period in seconds")
      ->capture_default_str();
  CLI::App* crm = rt->add_subcommand("rm", "Remove containers");
  crm->add_option("ids", ropts.ids, "Container IDs")->required();
  CLI::App* stopp = rt->add_subcommand("stopp", "Stop pod sandboxes");
  stopp->add_option("ids", ropts.ids, "Pod sandbox IDs or pod names")->required();
  CLI::App* rmp = rt->add_subcommand("rmp", "Remove pod sandboxes with their containers");
  rmp->add_option("ids", ropts.ids, "Pod sandbox IDs or pod names");
  rmp->add_flag("-a,--all", ropts.all, "Remove every pod sandbox");

  // `runtime exec ID -- CMD...`: CLI11 sends everything after "--" to positionals, which the
  // container ID already took; the command is collected as the remaining arguments instead,
  // so the separator is dropped (prefix_command keeps the command's own flags verbatim).
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "runtime" && std::find(args.begin() + i, args.end(), "exec") != args.end()) {
      auto sep = std::find(args.begin() + i, args.end(), "--");
      if (sep != args.end()) args.erase(sep);
      break;
    }
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes the arguments in reverse order

  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints help and errors itself; route them to our streams.
    std::ostream& to = e.get_exit_code() == 0 ? out : err;
    return app.exit(e, to, to);
  }
  if (version->parsed()) {
    out << VersionString() << "\n";
    return 0;
  }
  if (validate->parsed()) return Validate(vopts, out, err);
  if (image->parsed()) {
    iopts.verb = image->get_subcommands().front()->get_name();
    return Image(iopts, out, err);
  }
  if (agent->parsed()) return Agent(aopts, out, err);
  if (server->parsed()) return Server(sopts, out, err);
  if (rt->parsed()) {
    ropts.verb = rt->get_subcommands().front()->get_name();
    if (ropts.verb == "exec") {
      ropts.ids = {exec_id};
      ropts.argv = exec->remaining();
      if (!ropts.argv.empty() && ropts.argv.front() == "--") ropts.argv.erase(ropts.argv.begin());
      if (ropts.argv.empty()) {
        err << "error: usage: cubelet runtime exec CONTAINER-ID -- COMMAND [ARG...]\n";
        return 2;
      }
    }
    return RuntimeCli(ropts, out, err);
  }
  return 1;
}

}  // namespace cubelet::cli

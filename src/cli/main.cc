#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/cli.h"

namespace cubelet::cli {

std::string VersionString() { return "cubelet v0.1.0 (Kubernetes API v1.33)"; }

int Main(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"cubelet runs Kubernetes Pods on one machine from one binary.", "cubelet"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");

  CLI::App* version = app.add_subcommand("version", "Print the version of cubelet");

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

  try {
    app.parse(argc, argv);
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
  return 1;
}

}  // namespace cubelet::cli

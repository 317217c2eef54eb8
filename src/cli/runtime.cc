// `cubelet runtime ...`: pod sandboxes and containers by hand, in crictl's vocabulary, plus
// `run` for a Pod manifest (what `podman kube play` does for podman users).
#include "runtime/runtime.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>

#include "api/api.h"
#include "base/time.h"
#include "cli/cli.h"
#include "cli/services.h"

namespace cubelet::cli {
namespace {

using base::Code;
using base::Result;
using base::Status;

std::string Short(const std::string& id) { return id.substr(0, 13); }

std::string Ago(base::Clock& clock, base::TimePoint t) {
  if (t.time_since_epoch().count() == 0) return "-";
  return base::HumanDuration(clock.Now() - t) + " ago";
}

std::string RandomUid() {
  // A version 4 UUID, as the API server gives every object.
  std::ifstream in("/proc/sys/kernel/random/uuid");
  std::string uuid;
  std::getline(in, uuid);
  return uuid;
}

Result<std::string> ReadInput(const std::string& file) {
  std::stringstream ss;
  if (file == "-") {
    ss << std::cin.rdbuf();
    return ss.str();
  }
  std::ifstream in(file);
  if (!in) return Status(Code::kNotFound, fmt::format("cannot read {}", file));
  ss << in.rdbuf();
  return ss.str();
}

Result<std::string> ResolveContainer(runtime::Runtime& rt, const std::string& id) {
  ASSIGN_OR_RETURN(auto all, rt.ListContainers());
  std::vector<std::string> matches;
  for (const auto& c : all) {
    if (c.id == id) return c.id;
    if (c.id.rfind(id, 0) == 0) matches.push_back(c.id);
  }
  if (matches.size() == 1) return matches[0];
  if (matches.empty()) return Status(Code::kNotFound, fmt::format("no container \"{}\"", id));
  return Status(Code::kInvalid, fmt::format("container ID prefix \"{}\" is ambiguous", id));
}

// Pod sandbox IDs by ID, unique ID prefix or pod name (every sandbox of that name).
Result<std::vector<std::string>> ResolvePods(runtime::Runtime& rt, const std::string& key) {
  ASSIGN_OR_RETURN(auto all, rt.ListPodSandboxes());
  std::vector<std::string> by_prefix, by_name;
  for (const auto& s : all) {
    if (s.id == key) return std::vector<std::string>{s.id};
    if (s.id.rfind(key, 0) == 0) by_prefix.push_back(s.id);
    if (s.name == key) by_name.push_back(s.id);
  }
  if (by_prefix.size() == 1) return by_prefix;
  if (by_prefix.size() > 1) {
    return Status(Code::kInvalid, fmt::format("pod ID prefix \"{}\" is ambiguous", key));
  }
  if (!by_name.empty()) return by_name;
  return Status(Code::kNotFound, fmt::format("no pod sandbox \"{}\"", key));
}

Result<runtime::ContainerStatus> WaitExited(runtime::Runtime& rt, const std::string& id) {
  // Status is a file read: polling at 1 ms costs little and keeps init containers quick.
  while (true) {
    ASSIGN_OR_RETURN(auto s, rt.GetContainerStatus(id));
    if (s.state == runtime::ContainerState::kExited ||
        s.state == runtime::ContainerState::kUnknown) {
      return s;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

class PodRunner {
 public:
  PodRunner(runtime::Runtime& rt, image::ImageService& images, std::ostream& out)
      : rt_(rt), images_(images), out_(out) {}

  // Returns the sandbox ID; a failure after the sandbox exists leaves it for inspection and
  // names it in the message.
  Result<std::string> Run(api::Pod& pod) {
    if (pod.metadata.uid.empty()) pod.metadata.uid = RandomUid();
    std::map<std::string, runtime::ImageSpec> images;
    for (const auto* list : {&pod.spec.init_containers, &pod.spec.containers}) {
      for (const api::Container& c : *list) {
        image::PullOptions po;
        po.policy = c.image_pull_policy.empty() ? "IfNotPresent" : c.image_pull_policy;
        auto ensured = images_.Ensure(c.image, po);
        if (!ensured.ok()) {
          return Status(ensured.status().code(), fmt::format("container {}: {}: {}", c.name,
                                                             image::FailureReason(ensured.status()),
                                                             ensured.status().message()));
        }
        images[c.name] = ImageSpecOf(images_, ensured->image);
      }
    }
    runtime::PodSources sources;
    sources.node_memory_bytes = runtime::HostMemoryBytes();
    ASSIGN_OR_RETURN(runtime::SandboxConfig sc, runtime::SandboxConfigForPod(pod, sources));
    ASSIGN_OR_RETURN(std::string sandbox, rt_.RunPodSandbox(sc));
    auto fail = [&](const Status& s) {
      return Status(s.code(), fmt::format("{} (pod sandbox {} is left for inspection; "
                                          "`cubelet runtime rmp {}` removes it)",
                                          s.message(), Short(sandbox), pod.metadata.name));
    };
    for (const api::Container& c : pod.spec.init_containers) {
      auto id = Start(pod, c, images[c.name], sandbox, sources);
      if (!id.ok()) return fail(id.status());
      // A restartable init container is a sidecar: it keeps running beside the others.
      if (c.restart_policy.value_or("") == "Always") continue;
      auto s = WaitExited(rt_, *id);
      if (!s.ok()) return fail(s.status());
      if (s->exit_code != 0) {
        return fail(
            Status(Code::kInternal, fmt::format("init container {} failed: exit code {} ({})",
                                                c.name, s->exit_code, s->reason)));
      }
    }
    for (const api::Container& c : pod.spec.containers) {
      auto id = Start(pod, c, images[c.name], sandbox, sources);
      if (!id.ok()) return fail(id.status());
    }
    return sandbox;
  }

 private:
  Result<std::string> Start(const api::Pod& pod, const api::Container& c,
                            const runtime::ImageSpec& image, const std::string& sandbox,
                            const runtime::PodSources& sources) {
    ASSIGN_OR_RETURN(runtime::ContainerConfig cc,
                     runtime::ContainerConfigForPod(pod, c, 0, image, sources));
    ASSIGN_OR_RETURN(std::string id, rt_.CreateContainer(sandbox, cc));
    RETURN_IF_ERROR(rt_.StartContainer(id));
    return id;
  }

  runtime::Runtime& rt_;
  image::ImageService& images_;
  std::ostream& out_;
};

int RunManifest(const RuntimeCliOptions& o, runtime::Runtime& rt, base::Clock& clock,
                std::ostream& out, std::ostream& err) {
  auto text = ReadInput(o.file);
  if (!text.ok()) {
    err << "error: " << text.status().message() << "\n";
    return 1;
  }
  std::string name = o.file == "-" ? "STDIN" : o.file;
  auto manifests = api::ReadManifests(*text, name);
  if (!manifests.ok()) {
    err << "error: " << manifests.status().message() << "\n";
    return 1;
  }
  std::vector<api::Pod> pods;
  bool bad = false;
  for (api::Manifest& m : *manifests) {
    if (m.object) {
      // As the API server does for a request without a namespace.
      api::ObjectMeta& meta = api::MetaOf(*m.object);
      if (api::KindOf(*m.object).namespaced && meta.namespace_.empty()) meta.namespace_ = "default";
    }
    api::FieldErrors errs = api::CheckManifest(m);
    for (const api::FieldError& e : errs) err << api::FormatAt(m.lines, e) << "\n";
    if (!errs.empty()) {
      bad = true;
      continue;
    }
    auto* pod = std::get_if<api::Pod>(&*m.object);
    if (pod == nullptr) {
      err << fmt::format(
          "{}: kind {}: `cubelet runtime run` runs Pods only (apply other kinds "
          "to the server)\n",
          name, api::KindOf(*m.object).kind);
      bad = true;
      continue;
    }
    pods.push_back(std::move(*pod));
  }
  if (bad) return 1;
  auto http = image::NewCurlTransport();
  auto images = OpenImageService(o.data_dir, o.registry_config, *http, clock);
  if (!images.ok()) {
    err << "error: " << images.status().message() << "\n";
    return 1;
  }
  PodRunner runner(rt, **images, out);
  for (api::Pod& pod : pods) {
    auto sandbox = runner.Run(pod);
    if (!sandbox.ok()) {
      err << "error: pod " << pod.metadata.name << ": " << sandbox.status().message() << "\n";
      return 1;
    }
    if (o.quiet) {
      out << *sandbox << "\n";
    } else {
      out << "pod/" << pod.metadata.name << " running, sandbox " << Short(*sandbox) << "\n";
    }
  }
  return 0;
}

int ListPods(const RuntimeCliOptions& o, runtime::Runtime& rt, base::Clock& clock,
             std::ostream& out, std::ostream& err) {
  auto list = rt.ListPodSandboxes();
  if (!list.ok()) {
    err << "error: " << list.status().message() << "\n";
    return 1;
  }
  if (!o.quiet) {
    out << fmt::format("{:<14} {:<16} {:<9} {:<28} {:<16} {}\n", "POD ID", "CREATED", "STATE",
                       "NAME", "NAMESPACE", "ATTEMPT");
  }
  for (const auto& s : *list) {
    if (o.quiet) {
      out << s.id << "\n";
      continue;
    }
    out << fmt::format("{:<14} {:<16} {:<9} {:<28} {:<16} {}\n", Short(s.id),
                       Ago(clock, s.created_at),
                       s.state == runtime::SandboxState::kReady ? "Ready" : "NotReady", s.name,
                       s.namespace_, s.attempt);
  }
  return 0;
}

int ListContainers(const RuntimeCliOptions& o, runtime::Runtime& rt, base::Clock& clock,
                   std::ostream& out, std::ostream& err) {
  std::optional<std::string> pod;
  if (!o.ids.empty()) {
    auto ids = ResolvePods(rt, o.ids[0]);
    if (!ids.ok() || ids->size() != 1) {
      err << "error: " << (ids.ok() ? "pod name matches several sandboxes" : ids.status().message())
          << "\n";
      return 1;
    }
    pod = (*ids)[0];
  }
  auto list = rt.ListContainers(pod);
  auto pods = rt.ListPodSandboxes();
  if (!list.ok() || !pods.ok()) {
    err << "error: " << (list.ok() ? pods.status() : list.status()).message() << "\n";
    return 1;
  }
  std::map<std::string, std::string> pod_names;
  for (const auto& s : *pods) pod_names[s.id] = s.name;
  if (!o.quiet) {
    out << fmt::format("{:<14} {:<40} {:<16} {:<8} {:<20} {:<8} {:<14} {}\n", "CONTAINER", "IMAGE",
                       "CREATED", "STATE", "NAME", "ATTEMPT", "POD ID", "POD");
  }
  for (const auto& c : *list) {
    if (!o.all && c.state != runtime::ContainerState::kRunning) continue;
    if (o.quiet) {
      out << c.id << "\n";
      continue;
    }
    out << fmt::format("{:<14} {:<40} {:<16} {:<8} {:<20} {:<8} {:<14} {}\n", Short(c.id),
                       c.image_ref, Ago(clock, c.created_at), runtime::ContainerStateName(c.state),
                       c.name, c.attempt, Short(c.sandbox_id), pod_names[c.sandbox_id]);
  }
  return 0;
}

int Logs(const RuntimeCliOptions& o, runtime::Runtime& rt, std::ostream& out, std::ostream& err) {
  auto id = ResolveContainer(rt, o.ids.at(0));
  auto status =
      id.ok() ? rt.GetContainerStatus(*id) : Result<runtime::ContainerStatus>(id.status());
  if (!status.ok()) {
    err << "error: " << status.status().message() << "\n";
    return 1;
  }
  runtime::LogReadOptions ro;
  ro.timestamps = o.timestamps;
  if (o.tail >= 0) ro.tail_lines = o.tail;
  Status s = runtime::ReadContainerLog(status->log_path, ro, [&out](std::string_view text) {
    out << text;
    return true;
  });
  if (!s.ok()) {
    err << "error: " << s.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int RuntimeCli(const RuntimeCliOptions& o, std::ostream& out, std::ostream& err) {
  auto clock = base::NewRealClock();
  std::optional<runtime::ImageSpec> infra;
  if (!o.infra_image.empty()) {
    auto http = image::NewCurlTransport();
    auto images = OpenImageService(o.data_dir, o.registry_config, *http, *clock);
    auto ensured = images.ok() ? (*images)->Ensure(o.infra_image, image::PullOptions{})
                               : base::Result<image::EnsureResult>(images.status());
    if (!ensured.ok()) {
      err << "error: --pod-infra-container-image " << o.infra_image << ": "
          << ensured.status().message() << "\n";
      return 1;
    }
    infra = ImageSpecOf(**images, ensured->image);
  }
  auto opened = OpenRuntime(o.data_dir, o.cgroup_parent, *clock, infra);
  if (!opened.ok()) {
    err << "error: " << opened.status().message() << "\n";
    return 1;
  }
  runtime::Runtime& rt = **opened;
  if (o.verb == "run") return RunManifest(o, rt, *clock, out, err);
  if (o.verb == "pods") return ListPods(o, rt, *clock, out, err);
  if (o.verb == "ps") return ListContainers(o, rt, *clock, out, err);
  if (o.verb == "logs") return Logs(o, rt, out, err);
  if (o.verb == "exec") {
    auto id = ResolveContainer(rt, o.ids.at(0));
    auto code =
        id.ok() ? rt.Exec(*id, o.argv, runtime::ExecIo{STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO})
                : Result<int>(id.status());
    if (!code.ok()) {
      err << "error: " << code.status().message() << "\n";
      return 126;
    }
    return *code;
  }
  int rc = 0;
  if (o.verb == "stop" || o.verb == "rm") {
    for (const std::string& key : o.ids) {
      auto id = ResolveContainer(rt, key);
      Status s = !id.ok()         ? id.status()
                 : o.verb == "rm" ? rt.RemoveContainer(*id)
                                  : rt.StopContainer(*id, std::chrono::seconds(o.timeout_seconds));
      if (!s.ok()) {
        err << "error: " << key << ": " << s.message() << "\n";
        rc = 1;
      } else {
        out << *id << "\n";
      }
    }
    return rc;
  }
  if (o.verb == "stopp" || o.verb == "rmp") {
    std::vector<std::string> ids;
    if (o.all) {
      auto all = rt.ListPodSandboxes();
      if (!all.ok()) {
        err << "error: " << all.status().message() << "\n";
        return 1;
      }
      for (const auto& s : *all) ids.push_back(s.id);
    }
    for (const std::string& key : o.ids) {
      auto resolved = ResolvePods(rt, key);
      if (!resolved.ok()) {
        err << "error: " << resolved.status().message() << "\n";
        rc = 1;
        continue;
      }
      ids.insert(ids.end(), resolved->begin(), resolved->end());
    }
    for (const std::string& id : ids) {
      Status s = o.verb == "rmp" ? rt.RemovePodSandbox(id) : rt.StopPodSandbox(id);
      if (!s.ok()) {
        err << "error: " << Short(id) << ": " << s.message() << "\n";
        rc = 1;
      } else if (!o.quiet) {
        out << (o.verb == "rmp" ? "Removed sandbox " : "Stopped sandbox ") << id << "\n";
      }
    }
    return rc;
  }
  err << "error: unknown runtime command " << o.verb << "\n";
  return 1;
}

}  // namespace cubelet::cli

// `cubelet agent`: the node agent on its own, running the static pods of a manifest
// directory (the kubelet's standalone mode). With #6 it also takes pods from an API server.
#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <mutex>
#include <netinet/in.h>
#include <ostream>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/time.h"
#include "cli/cli.h"
#include "cli/services.h"
#include "node/node.h"

namespace cubelet::cli {
namespace {

// Status changes and events as lines on the agent's output, for someone watching it.
class PrintingSinks final : public node::StatusSink, public node::EventSink {
 public:
  PrintingSinks(std::ostream& out, base::Clock& clock) : out_(out), clock_(clock) {}
  void PodStatusChanged(const api::Pod& pod) override {
    int ready = 0;
    int restarts = 0;
    for (const auto& c : pod.status.container_statuses) {
      ready += c.ready ? 1 : 0;
      restarts += c.restart_count;
    }
    Line(fmt::format("pod {}/{} {} ready {}/{} restarts {}", pod.metadata.namespace_,
                     pod.metadata.name, pod.status.phase, ready, pod.spec.containers.size(),
                     restarts));
  }
  void PodTerminated(const api::Pod& pod) override {
    Line(fmt::format("pod {}/{} terminated", pod.metadata.namespace_, pod.metadata.name));
  }
  void Publish(const api::Event& e) override {
    std::string what = e.involved_object.name;
    if (!e.involved_object.field_path.empty()) what += " " + e.involved_object.field_path;
    Line(fmt::format("event {}/{} {} {}: {}{}", e.involved_object.namespace_, what, e.type,
                     e.reason, e.message, e.count > 1 ? fmt::format(" (x{})", e.count) : ""));
  }

 private:
  void Line(const std::string& text) {
    std::lock_guard lock(mu_);
    out_ << base::FormatRfc3339(clock_.Now()) << " " << text << std::endl;
  }
  std::mutex mu_;
  std::ostream& out_;
  base::Clock& clock_;
};

}  // namespace

int Agent(const AgentCliOptions& options, std::ostream& out, std::ostream& err) {
  auto clock = base::NewRealClock();
  auto http = image::NewCurlTransport();
  auto images = OpenImageService(options.data_dir, options.registry_config, *http, *clock);
  if (!images.ok()) {
    err << "error: " << images.status().message() << "\n";
    return 1;
  }
  std::optional<runtime::ImageSpec> infra;
  if (!options.infra_image.empty()) {
    auto r = (*images)->Ensure(options.infra_image, image::PullOptions{});
    if (!r.ok()) {
      err << "error: --pod-infra-container-image: " << r.status().message() << "\n";
      return 1;
    }
    infra = ImageSpecOf(**images, r->image);
  }
  auto rt = OpenRuntime(options.data_dir, options.cgroup_parent, *clock, infra);
  if (!rt.ok()) {
    err << "error: " << rt.status().message() << "\n";
    return 1;
  }
  base::StderrLogSink log_sink;
  base::Logger logger(log_sink, *clock);
  PrintingSinks sinks(out, *clock);

  node::AgentOptions ao;
  ao.node_name = options.node_name.empty() ? Hostname() : options.node_name;
  ao.node.host_ip = DefaultRouteAddress();
  ao.node.memory_bytes = runtime::HostMemoryBytes();
  ao.node.cpu_milli = sysconf(_SC_NPROCESSORS_ONLN) * 1000;
  ao.state_dir = options.data_dir + "/node";
  ao.runtime = rt->get();
  ao.images = images->get();
  image::ImageService* svc = images->get();
  ao.image_spec = [svc](const image::ImageRecord& r) { return ImageSpecOf(*svc, r); };
  ao.status = &sinks;
  ao.events = &sinks;
  ao.clock = clock.get();
  ao.logger = &logger;
  ao.pod_manifest_path = options.pod_manifest_path;

  // Termination signals are taken synchronously by this thread; the agent's threads inherit
  // the blocked mask, so none of them is interrupted.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  auto agent = node::StartAgent(std::move(ao));
  if (!agent.ok()) {
    err << "error: " << agent.status().message() << "\n";
    return 1;
  }
  out << base::FormatRfc3339(clock->Now()) << " agent running static pods from "
      << options.pod_manifest_path << std::endl;
  int sig = 0;
  sigwait(&stop_signals, &sig);
  out << base::FormatRfc3339(clock->Now()) << " stopping on signal " << sig << "; pods keep running"
      << std::endl;
  (*agent)->Stop();
  return 0;
}

}  // namespace cubelet::cli

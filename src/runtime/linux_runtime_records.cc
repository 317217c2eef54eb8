#include <cstdlib>

#include "runtime/linux_runtime.h"

namespace cubelet::runtime {
namespace {

void AddMap(wire::Message* m, std::string_view key, const std::map<std::string, std::string>& map) {
  for (const auto& [k, v] : map) m->Add(key, wire::Join({k, v}));
}

std::map<std::string, std::string> GetMap(const wire::Message& m, std::string_view key) {
  std::map<std::string, std::string> out;
  for (const auto& v : m.GetAll(key)) {
    auto f = wire::Split(v);
    if (f.size() == 2) out[f[0]] = f[1];
  }
  return out;
}

}  // namespace

wire::Message EncodeSandbox(const SandboxRecord& r) {
  wire::Message m;
  m.Add("id", r.id);
  m.Add("name", r.name);
  m.Add("namespace", r.namespace_);
  m.Add("uid", r.uid);
  m.AddInt("attempt", r.attempt);
  m.Add("hostname", r.hostname);
  m.AddBool("share_pid", r.share_pid);
  AddMap(&m, "label", r.labels);
  AddMap(&m, "annotation", r.annotations);
  m.AddInt("created_ns", r.created_ns);
  m.AddInt("supervisor_pid", r.supervisor_pid);
  m.Add("supervisor_start", std::to_string(r.supervisor_start));
  m.AddBool("stopped", r.stopped);
  m.Add("log_directory", r.log_directory);
  m.Add("pod_cgroup", r.pod_cgroup);
  if (!r.infra_container.empty()) m.Add("infra_container", r.infra_container);
  if (r.infra_pid != 0) m.AddInt("infra_pid", r.infra_pid);
  for (const auto& v : r.volumes) {
    m.Add("volume", wire::Join({v.name, v.path, v.read_only ? "ro" : "rw"}));
  }
  return m;
}

SandboxRecord DecodeSandbox(const wire::Message& m) {
  SandboxRecord r;
  r.id = m.Get("id");
  r.name = m.Get("name");
  r.namespace_ = m.Get("namespace");
  r.uid = m.Get("uid");
  r.attempt = static_cast<uint32_t>(m.GetInt("attempt"));
  r.hostname = m.Get("hostname");
  r.share_pid = m.GetBool("share_pid");
  r.labels = GetMap(m, "label");
  r.annotations = GetMap(m, "annotation");
  r.created_ns = m.GetInt("created_ns");
  r.supervisor_pid = static_cast<int>(m.GetInt("supervisor_pid"));
  r.supervisor_start = std::strtoull(m.Get("supervisor_start").c_str(), nullptr, 10);
  r.stopped = m.GetBool("stopped");
  r.log_directory = m.Get("log_directory");
  r.pod_cgroup = m.Get("pod_cgroup");
  r.infra_container = m.Get("infra_container");
  r.infra_pid = static_cast<int>(m.GetInt("infra_pid"));
  for (const auto& v : m.GetAll("volume")) {
    auto f = wire::Split(v);
    if (f.size() == 3) r.volumes.push_back(HostVolume{f[0], f[1], f[2] == "ro"});
  }
  return r;
}

wire::Message EncodeMeta(const ContainerMeta& c) {
  wire::Message m;
  m.Add("id", c.id);
  m.Add("sandbox_id", c.sandbox_id);
  m.Add("name", c.name);
  m.AddInt("attempt", c.attempt);
  m.Add("image_ref", c.image_ref);
  m.Add("image_id", c.image_id);
  m.AddInt("created_ns", c.created_ns);
  m.Add("log_path", c.log_path);
  m.Add("stop_signal", c.stop_signal);
  m.Add("termination_file", c.termination_file);
  m.AddBool("fallback_to_logs", c.fallback_to_logs);
  m.Add("cgroup", c.cgroup);
  AddMap(&m, "label", c.labels);
  AddMap(&m, "annotation", c.annotations);
  return m;
}

ContainerMeta DecodeMeta(const wire::Message& m) {
  ContainerMeta c;
  c.id = m.Get("id");
  c.sandbox_id = m.Get("sandbox_id");
  c.name = m.Get("name");
  c.attempt = static_cast<uint32_t>(m.GetInt("attempt"));
  c.image_ref = m.Get("image_ref");
  c.image_id = m.Get("image_id");
  c.created_ns = m.GetInt("created_ns");
  c.log_path = m.Get("log_path");
  c.stop_signal = m.Get("stop_signal");
  c.termination_file = m.Get("termination_file");
  c.fallback_to_logs = m.GetBool("fallback_to_logs");
  c.cgroup = m.Get("cgroup");
  c.labels = GetMap(m, "label");
  c.annotations = GetMap(m, "annotation");
  return c;
}

}  // namespace cubelet::runtime

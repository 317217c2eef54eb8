#include "runtime/shared/spec.h"

#include <cstdlib>

namespace cubelet::runtime {
namespace {

uint64_t ParseU64(const std::string& s) { return std::strtoull(s.c_str(), nullptr, 10); }

}  // namespace

wire::Message EncodeSpec(const ContainerSpec& spec) {
  wire::Message m;
  m.Add("id", spec.id);
  m.Add("rootfs", spec.rootfs);
  m.AddBool("new_pid_ns", spec.new_pid_ns);
  if (!spec.join_pid_ns.empty()) m.Add("join_pid_ns", spec.join_pid_ns);
  for (const MountSpec& mount : spec.mounts) {
    m.Add("mount", wire::Join({mount.source, mount.target, mount.type, std::to_string(mount.flags),
                               mount.data, mount.file ? "file" : "dir"}));
  }
  for (const DeviceSpec& dev : spec.devices) {
    m.Add("device", wire::Join({dev.path, std::to_string(dev.major), std::to_string(dev.minor),
                                std::to_string(dev.mode)}));
  }
  for (const auto& p : spec.masked_paths) m.Add("masked", p);
  for (const auto& p : spec.readonly_paths) m.Add("readonly", p);
  m.AddBool("readonly_rootfs", spec.readonly_rootfs);
  for (const auto& a : spec.argv) m.Add("arg", a);
  for (const auto& e : spec.env) m.Add("env", e);
  m.Add("cwd", spec.cwd);
  m.AddInt("uid", spec.uid);
  m.AddInt("gid", spec.gid);
  for (uint32_t g : spec.groups) m.AddInt("group", g);
  m.Add("caps", std::to_string(spec.capabilities));
  m.AddBool("no_new_privs", spec.no_new_privs);
  m.Add("seccomp", spec.seccomp_file);
  m.AddInt("oom_score_adj", spec.oom_score_adj);
  for (const auto& f : spec.cgroup_procs) m.Add("cgroup", f);
  m.Add("oom_events", spec.oom_events_file);
  m.Add("log", spec.log_path);
  m.AddInt("log_max_size", spec.log_max_size);
  m.AddInt("log_max_files", spec.log_max_files);
  m.Add("state_file", spec.state_file);
  return m;
}

bool DecodeSpec(const wire::Message& m, ContainerSpec* spec, std::string* error) {
  *spec = ContainerSpec();
  spec->id = m.Get("id");
  spec->rootfs = m.Get("rootfs");
  spec->new_pid_ns = m.GetBool("new_pid_ns");
  spec->join_pid_ns = m.Get("join_pid_ns");
  for (const auto& v : m.GetAll("mount")) {
    std::vector<std::string> f = wire::Split(v);
    if (f.size() != 6) {
      if (error) *error = "mount: expected 6 fields";
      return false;
    }
    spec->mounts.push_back(MountSpec{f[0], f[1], f[2], ParseU64(f[3]), f[4], f[5] == "file"});
  }
  for (const auto& v : m.GetAll("device")) {
    std::vector<std::string> f = wire::Split(v);
    if (f.size() != 4) {
      if (error) *error = "device: expected 4 fields";
      return false;
    }
    spec->devices.push_back(DeviceSpec{f[0], static_cast<uint32_t>(ParseU64(f[1])),
                                       static_cast<uint32_t>(ParseU64(f[2])),
                                       static_cast<uint32_t>(ParseU64(f[3]))});
  }
  spec->masked_paths = m.GetAll("masked");
  spec->readonly_paths = m.GetAll("readonly");
  spec->readonly_rootfs = m.GetBool("readonly_rootfs");
  spec->argv = m.GetAll("arg");
  spec->env = m.GetAll("env");
  spec->cwd = m.Get("cwd");
  spec->uid = static_cast<uint32_t>(m.GetInt("uid"));
  spec->gid = static_cast<uint32_t>(m.GetInt("gid"));
  for (const auto& g : m.GetAll("group"))
    spec->groups.push_back(static_cast<uint32_t>(ParseU64(g)));
  spec->capabilities = ParseU64(m.Get("caps"));
  spec->no_new_privs = m.GetBool("no_new_privs");
  spec->seccomp_file = m.Get("seccomp");
  spec->oom_score_adj = static_cast<int>(m.GetInt("oom_score_adj"));
  spec->cgroup_procs = m.GetAll("cgroup");
  spec->oom_events_file = m.Get("oom_events");
  spec->log_path = m.Get("log");
  spec->log_max_size = m.GetInt("log_max_size");
  spec->log_max_files = static_cast<int>(m.GetInt("log_max_files"));
  spec->state_file = m.Get("state_file");
  if (spec->id.empty() || spec->rootfs.empty() || spec->argv.empty()) {
    if (error) *error = "spec needs id, rootfs and at least one arg";
    return false;
  }
  if (spec->cwd.empty()) spec->cwd = "/";
  return true;
}

wire::Message EncodeRecord(const ContainerRecord& r) {
  wire::Message m;
  m.Add("id", r.id);
  m.AddInt("state", r.state);
  m.AddInt("pid", r.pid);
  m.AddInt("started_ns", r.started_ns);
  m.AddInt("finished_ns", r.finished_ns);
  m.AddInt("exit_code", r.exit_code);
  m.AddInt("signal", r.signal);
  m.AddBool("oom_killed", r.oom_killed);
  if (!r.error.empty()) m.Add("error", r.error);
  return m;
}

ContainerRecord DecodeRecord(const wire::Message& m) {
  ContainerRecord r;
  r.id = m.Get("id");
  r.state = static_cast<int>(m.GetInt("state", ContainerRecord::kRunning));
  r.pid = static_cast<int>(m.GetInt("pid"));
  r.started_ns = m.GetInt("started_ns");
  r.finished_ns = m.GetInt("finished_ns");
  r.exit_code = static_cast<int>(m.GetInt("exit_code"));
  r.signal = static_cast<int>(m.GetInt("signal"));
  r.oom_killed = m.GetBool("oom_killed");
  r.error = m.Get("error");
  return r;
}

wire::Message EncodeSupervisorConfig(const SupervisorConfig& c) {
  wire::Message m;
  m.Add("hostname", c.hostname);
  m.AddBool("share_pid", c.share_pid);
  for (const auto& f : c.cgroup_procs) m.Add("cgroup", f);
  return m;
}

SupervisorConfig DecodeSupervisorConfig(const wire::Message& m) {
  SupervisorConfig c;
  c.hostname = m.Get("hostname");
  c.share_pid = m.GetBool("share_pid");
  c.cgroup_procs = m.GetAll("cgroup");
  return c;
}

}  // namespace cubelet::runtime

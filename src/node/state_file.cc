// The per-pod state file: back-off entries, the last start failures and the last status, so a
// restarted agent carries on exactly where the previous one stopped.
#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "node/pod_worker.h"

namespace cubelet::node {
namespace {

using Json = nlohmann::ordered_json;

Json EncodeEntries(const std::map<std::string, BackOff::Entry>& entries) {
  Json j = Json::object();
  for (const auto& [k, e] : entries) {
    j[k] = {{"delayNs", e.delay.count()},
            {"lastUpdateNs", e.last_update.time_since_epoch().count()}};
  }
  return j;
}

std::map<std::string, BackOff::Entry> DecodeEntries(const Json& j) {
  std::map<std::string, BackOff::Entry> out;
  if (!j.is_object()) return out;
  for (const auto& [k, v] : j.items()) {
    BackOff::Entry e;
    e.delay = base::Duration(v.value("delayNs", int64_t{0}));
    e.last_update = base::TimePoint(base::Duration(v.value("lastUpdateNs", int64_t{0})));
    out[k] = e;
  }
  return out;
}

}  // namespace

base::Result<PersistedPodState> LoadPodState(const std::string& path) {
  std::ifstream in(path);
  if (!in) return base::ErrnoError(errno, "reading " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  Json j = Json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return base::InvalidError("{}: not JSON", path);
  PersistedPodState st;
  st.crash_backoff = DecodeEntries(j.value("crashBackOff", Json()));
  st.image_backoff = DecodeEntries(j.value("imageBackOff", Json()));
  if (j.contains("failures") && j["failures"].is_object()) {
    for (const auto& [k, v] : j["failures"].items()) {
      st.failures[k] = StartFailure{v.value("reason", ""), v.value("message", "")};
    }
  }
  if (j.contains("attempts") && j["attempts"].is_object()) {
    for (const auto& [k, v] : j["attempts"].items()) {
      if (v.is_number_unsigned()) st.attempts[k] = v.get<uint32_t>();
    }
  }
  if (j.contains("status")) {
    api::PodStatus status;
    if (api::DecodeJson(j["status"], &status).empty()) st.status = status;
  }
  st.terminated_reported = j.value("terminatedReported", false);
  return st;
}

std::string EncodePodState(const PersistedPodState& st) {
  Json j;
  j["crashBackOff"] = EncodeEntries(st.crash_backoff);
  j["imageBackOff"] = EncodeEntries(st.image_backoff);
  Json f = Json::object();
  for (const auto& [k, v] : st.failures) f[k] = {{"reason", v.reason}, {"message", v.message}};
  j["failures"] = f;
  Json attempts = Json::object();
  for (const auto& [k, v] : st.attempts) attempts[k] = v;
  j["attempts"] = attempts;
  if (st.status) j["status"] = api::EncodeJson(*st.status);
  j["terminatedReported"] = st.terminated_reported;
  return j.dump();
}

base::Status SavePodState(const std::string& path, const std::string& text) {
  // Written to a temporary file and renamed, so a crash never leaves half a file.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return base::ErrnoError(errno, "writing " + tmp);
    out << text;
    if (!out.flush()) return base::ErrnoError(errno, "writing " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return base::ErrnoError(errno, "renaming " + tmp);
  return base::Status::Ok();
}

}  // namespace cubelet::node

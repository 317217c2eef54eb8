// Probes and lifecycle hooks: exactly one handler each, and the probe's timing fields.
#include <fmt/format.h>

#include "api/validation/validation.h"

namespace cubelet::api::validation {
namespace {

constexpr std::string_view kMoreThanOneHandler = "may not specify more than 1 handler type";

// commonHandler in validation.go: the union of probe and lifecycle handler fields.
struct Handler {
  const std::optional<ExecAction>* exec = nullptr;
  const std::optional<HTTPGetAction>* http_get = nullptr;
  const std::optional<TCPSocketAction>* tcp_socket = nullptr;
  const std::optional<GRPCAction>* grpc = nullptr;
  const std::optional<SleepAction>* sleep = nullptr;
};

FieldErrors ValidateHTTPGet(const HTTPGetAction& h, const FieldPath& path) {
  FieldErrors errs;
  if (h.path.empty()) errs.push_back(Required(path.Child("path")));
  Append(errs, ValidatePortNumOrName(h.port, path.Child("port")));
  if (h.scheme != "HTTP" && h.scheme != "HTTPS") {
    errs.push_back(NotSupported(path.Child("scheme"), h.scheme, {"HTTP", "HTTPS"}));
  }
  for (const HTTPHeader& header : h.http_headers) {
    AppendInvalid(errs, path.Child("httpHeaders"), header.name, IsHTTPHeaderName(header.name));
  }
  return errs;
}

FieldErrors ValidateSleep(const SleepAction& s, const std::optional<int64_t>& grace,
                          const FieldPath& path) {
  // PodLifecycleSleepActionAllowZero is on by default: 0 is a valid sleep. Without a grace
  // period the pod already has an error of its own, so none is added here.
  if (!grace || (s.seconds >= 0 && s.seconds <= *grace)) return {};
  return {InvalidInt(path, s.seconds,
                     fmt::format("must be non-negative and less than terminationGracePeriodSeconds "
                                 "({})",
                                 *grace))};
}

FieldErrors ValidateHandler(const Handler& h, const std::optional<int64_t>& grace,
                            const FieldPath& path) {
  FieldErrors errs;
  int num = 0;
  auto handler = [&](bool present, std::string_view child, auto&& validate) {
    if (!present) return;
    if (num > 0) {
      errs.push_back(Forbidden(path.Child(child), std::string(kMoreThanOneHandler)));
      return;
    }
    ++num;
    Append(errs, validate(path.Child(child)));
  };
  handler(h.exec && h.exec->has_value(), "exec", [&](const FieldPath& p) {
    FieldErrors e;
    if ((*h.exec)->command.empty()) e.push_back(Required(p.Child("command")));
    return e;
  });
  handler(h.http_get && h.http_get->has_value(), "httpGet",
          [&](const FieldPath& p) { return ValidateHTTPGet(**h.http_get, p); });
  handler(h.tcp_socket && h.tcp_socket->has_value(), "tcpSocket", [&](const FieldPath& p) {
    return ValidatePortNumOrName((*h.tcp_socket)->port, p.Child("port"));
  });
  handler(h.grpc && h.grpc->has_value(), "grpc", [&](const FieldPath& p) {
    return ValidatePortNumOrName(IntOrString::Int((*h.grpc)->port), p.Child("port"));
  });
  handler(h.sleep && h.sleep->has_value(), "sleep",
          [&](const FieldPath& p) { return ValidateSleep(**h.sleep, grace, p); });
  if (num == 0) errs.push_back(Required(path, "must specify a handler type"));
  return errs;
}

FieldErrors ValidateProbe(const Probe& probe, const std::optional<int64_t>& grace,
                          const FieldPath& path) {
  Handler h;
  h.exec = &probe.exec;
  h.http_get = &probe.http_get;
  h.tcp_socket = &probe.tcp_socket;
  h.grpc = &probe.grpc;
  FieldErrors errs = ValidateHandler(h, grace, path);
  Append(errs, ValidateNonnegative(probe.initial_delay_seconds, path.Child("initialDelaySeconds")));
  Append(errs, ValidateNonnegative(probe.timeout_seconds, path.Child("timeoutSeconds")));
  Append(errs, ValidateNonnegative(probe.period_seconds, path.Child("periodSeconds")));
  Append(errs, ValidateNonnegative(probe.success_threshold, path.Child("successThreshold")));
  Append(errs, ValidateNonnegative(probe.failure_threshold, path.Child("failureThreshold")));
  if (probe.termination_grace_period_seconds && *probe.termination_grace_period_seconds <= 0) {
    errs.push_back(InvalidInt(path.Child("terminationGracePeriodSeconds"),
                              *probe.termination_grace_period_seconds, "must be greater than 0"));
  }
  return errs;
}

// Liveness and startup probes decide about restarts: one success must be enough.
FieldErrors ValidateSingleSuccessProbe(const std::optional<Probe>& probe,
                                       const std::optional<int64_t>& grace, const FieldPath& path) {
  if (!probe) return {};
  FieldErrors errs = ValidateProbe(*probe, grace, path);
  if (probe->success_threshold != 1) {
    errs.push_back(
        InvalidInt(path.Child("successThreshold"), probe->success_threshold, "must be 1"));
  }
  return errs;
}

}  // namespace

FieldErrors ValidateLivenessProbe(const std::optional<Probe>& probe,
                                  const std::optional<int64_t>& grace, const FieldPath& path) {
  return ValidateSingleSuccessProbe(probe, grace, path);
}

FieldErrors ValidateStartupProbe(const std::optional<Probe>& probe,
                                 const std::optional<int64_t>& grace, const FieldPath& path) {
  return ValidateSingleSuccessProbe(probe, grace, path);
}

FieldErrors ValidateReadinessProbe(const std::optional<Probe>& probe,
                                   const std::optional<int64_t>& grace, const FieldPath& path) {
  if (!probe) return {};
  FieldErrors errs = ValidateProbe(*probe, grace, path);
  // A readiness failure never kills the container, so a kill grace period makes no sense.
  if (probe->termination_grace_period_seconds) {
    errs.push_back(InvalidInt(path.Child("terminationGracePeriodSeconds"),
                              *probe->termination_grace_period_seconds,
                              "must not be set for readinessProbes"));
  }
  return errs;
}

FieldErrors ValidateLifecycle(const Lifecycle& lifecycle, const std::optional<int64_t>& grace,
                              const FieldPath& path) {
  FieldErrors errs;
  for (const auto& [hook, child] :
       {std::pair{&lifecycle.post_start, "postStart"}, std::pair{&lifecycle.pre_stop, "preStop"}}) {
    if (!*hook) continue;
    Handler h;
    h.exec = &(*hook)->exec;
    h.http_get = &(*hook)->http_get;
    h.tcp_socket = &(*hook)->tcp_socket;
    h.sleep = &(*hook)->sleep;
    Append(errs, ValidateHandler(h, grace, path.Child(child)));
  }
  return errs;
}

}  // namespace cubelet::api::validation

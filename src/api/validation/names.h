// Character-class checks of k8s.io/apimachinery/pkg/util/validation, hand-written (no regex
// engine) but with Kubernetes' message texts, so a user sees the same explanation kubectl shows.
//
// Each Is* function returns every problem with the value (empty when valid); callers wrap the
// messages into FieldErrors at the right path. Private to the validation module.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace cubelet::api::validation {

using Messages = std::vector<std::string>;

// ---- message builders (validation.go: RegexError, MaxLenError, ...) --------------------------
std::string RegexError(std::string_view msg, std::string_view fmt,
                       std::initializer_list<std::string_view> examples);
std::string MaxLenError(size_t length);
std::string InclusiveRangeError(int64_t lo, int64_t hi);
std::string EmptyError();

// ---- DNS names ----------------------------------------------------------------------------
Messages IsDNS1123Label(std::string_view value);
Messages IsDNS1123Subdomain(std::string_view value);
// Relaxed form used for dnsConfig.searches (RelaxedDNSSearchValidation): '_' allowed.
Messages IsDNS1123SubdomainWithUnderscore(std::string_view value);
Messages IsDNS1035Label(std::string_view value);

// ValidateNameFunc variants (apimachinery api/validation/generic.go). `prefix` is true for a
// generateName, whose trailing '-' is allowed.
using NameFn = Messages (*)(std::string_view name, bool prefix);
Messages NameIsDNSSubdomain(std::string_view name, bool prefix);
Messages NameIsDNSLabel(std::string_view name, bool prefix);
Messages NameIsDNS1035Label(std::string_view name, bool prefix);

// ---- labels and keys ----------------------------------------------------------------------
// A qualified name (label key): optional DNS-subdomain prefix and '/', then a name <= 63.
Messages IsQualifiedName(std::string_view value);
Messages IsLabelValue(std::string_view value);
Messages IsConfigMapKey(std::string_view value);
Messages IsCIdentifier(std::string_view value);
// RelaxedEnvironmentVariableValidation (on by default): printable ASCII other than '='.
Messages IsRelaxedEnvVarName(std::string_view value);
Messages IsHTTPHeaderName(std::string_view value);
Messages IsValidPercent(std::string_view value);
// sysctl names: segments of [a-z0-9]([-_a-z0-9]*[a-z0-9])? joined by '.' or '/', <= 253.
bool IsValidSysctlName(std::string_view value);

// ---- numbers and ports --------------------------------------------------------------------
Messages IsValidPortNum(int64_t port);
Messages IsValidPortName(std::string_view port);
Messages IsValidUserID(int64_t uid);
Messages IsValidGroupID(int64_t gid);

// ---- addresses ----------------------------------------------------------------------------
// Go's net.ParseIP as used by netutils.ParseIPSloppy: dotted IPv4 (leading zeros accepted) or
// IPv6 (with an optional embedded IPv4 tail).
bool ParseIPSloppy(std::string_view value, bool* is_v6 = nullptr);
bool ParseCIDRSloppy(std::string_view value);

// Splits on every occurrence of `sep` (Go strings.Split).
std::vector<std::string_view> Split(std::string_view s, char sep);
std::string ToLower(std::string_view s);

}  // namespace cubelet::api::validation

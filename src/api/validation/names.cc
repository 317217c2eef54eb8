#include "api/validation/names.h"

#include <arpa/inet.h>

#include <fmt/format.h>

namespace cubelet::api::validation {
namespace {

constexpr size_t kDNS1123LabelMaxLength = 63;
constexpr size_t kDNS1123SubdomainMaxLength = 253;
constexpr size_t kDNS1035LabelMaxLength = 63;
constexpr size_t kQualifiedNameMaxLength = 63;
constexpr size_t kLabelValueMaxLength = 63;
constexpr size_t kSysctlMaxLength = 253;

// The regular expressions are kept only as text: Kubernetes quotes them in its messages.
constexpr std::string_view kDNS1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
constexpr std::string_view kDNS1123LabelErrMsg =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character";
constexpr std::string_view kDNS1123SubdomainFmt =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
constexpr std::string_view kDNS1123SubdomainErrMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character";
constexpr std::string_view kDNS1123SubdomainUnderscoreFmt =
    "_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?(\\._?[a-z0-9]([-_a-z0-9]*[a-z0-9])?)*";
constexpr std::string_view kDNS1123SubdomainUnderscoreErrMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '_', '-' "
    "or '.', and must start and end with an alphanumeric character";
constexpr std::string_view kDNS1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?";
constexpr std::string_view kDNS1035LabelErrMsg =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character";
constexpr std::string_view kQualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr std::string_view kQualifiedNameErrMsg =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character";
constexpr std::string_view kLabelValueFmt = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
constexpr std::string_view kLabelValueErrMsg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character";
constexpr std::string_view kConfigMapKeyFmt = "[-._a-zA-Z0-9]+";
constexpr std::string_view kConfigMapKeyErrMsg =
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";
constexpr std::string_view kCIdentifierFmt = "[A-Za-z_][A-Za-z0-9_]*";
constexpr std::string_view kCIdentifierErrMsg =
    "a valid C identifier must start with alphabetic character or '_', followed by a string of "
    "alphanumeric characters or '_'";
constexpr std::string_view kRelaxedEnvVarErrMsg =
    "a valid environment variable name must consist only of printable ASCII characters other "
    "than '='";
constexpr std::string_view kHTTPHeaderNameFmt = "[-A-Za-z0-9]+";
constexpr std::string_view kHTTPHeaderNameErrMsg =
    "a valid HTTP header must consist of alphanumeric characters or '-'";
constexpr std::string_view kPercentFmt = "[0-9]+%";
constexpr std::string_view kPercentErrMsg =
    "a valid percent string must be a numeric string followed by an ending '%'";

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// [a-z0-9]([-a-z0-9]*[a-z0-9])?  (with `underscore`: _?[a-z0-9]([-_a-z0-9]*[a-z0-9])?)
bool MatchesDNSLabel(std::string_view s, bool underscore = false) {
  if (underscore && !s.empty() && s.front() == '_') s.remove_prefix(1);
  if (s.empty() || !IsLowerAlnum(s.front()) || !IsLowerAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsLowerAlnum(c) && c != '-' && !(underscore && c == '_')) return false;
  }
  return true;
}

bool MatchesDNSSubdomain(std::string_view s, bool underscore = false) {
  for (std::string_view part : Split(s, '.')) {
    if (!MatchesDNSLabel(part, underscore)) return false;
  }
  return true;
}

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
bool MatchesQualifiedNamePart(std::string_view s) {
  if (s.empty() || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

// hasChDirPrefix: keys become file names in volumes, so "." and ".." would escape.
void AppendChDirErrors(std::string_view value, Messages& errs) {
  if (value == ".") {
    errs.push_back("must not be '.'");
  } else if (value == "..") {
    errs.push_back("must not be '..'");
  } else if (value.starts_with("..")) {
    errs.push_back("must not start with '..'");
  }
}

// A generateName may end in '-'; Kubernetes masks it (bug-for-bug: the last two bytes become
// "a", exactly as maskTrailingDash does) before checking the rest.
std::string MaskTrailingDash(std::string_view name) {
  if (!name.ends_with("-")) return std::string(name);
  if (name.size() < 2) return "a";
  return std::string(name.substr(0, name.size() - 2)) + "a";
}

bool ParseIPv4(std::string_view s) {
  std::vector<std::string_view> parts = Split(s, '.');
  if (parts.size() != 4) return false;
  for (std::string_view p : parts) {
    if (p.empty() || p.size() > 3) return false;
    int v = 0;
    for (char c : p) {
      if (!IsDigit(c)) return false;
      v = v * 10 + (c - '0');
    }
    if (v > 255) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string RegexError(std::string_view msg, std::string_view fmt,
                       std::initializer_list<std::string_view> examples) {
  std::string out(msg);
  if (examples.size() == 0)
    return out + " (regex used for validation is '" + std::string(fmt) + "')";
  out += " (e.g. ";
  bool first = true;
  for (std::string_view e : examples) {
    if (!first) out += " or ";
    first = false;
    out += "'";
    out += e;
    out += "', ";
  }
  out += "regex used for validation is '";
  out += fmt;
  out += "')";
  return out;
}

std::string MaxLenError(size_t length) {
  return fmt::format("must be no more than {} characters", length);
}

std::string InclusiveRangeError(int64_t lo, int64_t hi) {
  return fmt::format("must be between {} and {}, inclusive", lo, hi);
}

std::string EmptyError() { return "must be non-empty"; }

Messages IsDNS1123Label(std::string_view value) {
  Messages errs;
  if (value.size() > kDNS1123LabelMaxLength) errs.push_back(MaxLenError(kDNS1123LabelMaxLength));
  if (!MatchesDNSLabel(value)) {
    if (MatchesDNSSubdomain(value)) {
      // A valid subdomain but not a label: the only difference left is the dots.
      errs.push_back("must not contain dots");
    } else {
      errs.push_back(RegexError(kDNS1123LabelErrMsg, kDNS1123LabelFmt, {"my-name", "123-abc"}));
    }
  }
  return errs;
}

Messages IsDNS1123Subdomain(std::string_view value) {
  Messages errs;
  if (value.size() > kDNS1123SubdomainMaxLength) {
    errs.push_back(MaxLenError(kDNS1123SubdomainMaxLength));
  }
  if (!MatchesDNSSubdomain(value)) {
    errs.push_back(RegexError(kDNS1123SubdomainErrMsg, kDNS1123SubdomainFmt, {"example.com"}));
  }
  return errs;
}

Messages IsDNS1123SubdomainWithUnderscore(std::string_view value) {
  Messages errs;
  if (value.size() > kDNS1123SubdomainMaxLength) {
    errs.push_back(MaxLenError(kDNS1123SubdomainMaxLength));
  }
  if (!MatchesDNSSubdomain(value, /*underscore=*/true)) {
    errs.push_back(RegexError(kDNS1123SubdomainUnderscoreErrMsg, kDNS1123SubdomainUnderscoreFmt,
                              {"example.com"}));
  }
  return errs;
}

Messages IsDNS1035Label(std::string_view value) {
  Messages errs;
  if (value.size() > kDNS1035LabelMaxLength) errs.push_back(MaxLenError(kDNS1035LabelMaxLength));
  const bool ok =
      !value.empty() && value.front() >= 'a' && value.front() <= 'z' && MatchesDNSLabel(value);
  if (!ok)
    errs.push_back(RegexError(kDNS1035LabelErrMsg, kDNS1035LabelFmt, {"my-name", "abc-123"}));
  return errs;
}

Messages NameIsDNSSubdomain(std::string_view name, bool prefix) {
  return prefix ? IsDNS1123Subdomain(MaskTrailingDash(name)) : IsDNS1123Subdomain(name);
}

Messages NameIsDNSLabel(std::string_view name, bool prefix) {
  return prefix ? IsDNS1123Label(MaskTrailingDash(name)) : IsDNS1123Label(name);
}

Messages NameIsDNS1035Label(std::string_view name, bool prefix) {
  return prefix ? IsDNS1035Label(MaskTrailingDash(name)) : IsDNS1035Label(name);
}

Messages IsQualifiedName(std::string_view value) {
  Messages errs;
  std::vector<std::string_view> parts = Split(value, '/');
  std::string_view name;
  switch (parts.size()) {
    case 1:
      name = parts[0];
      break;
    case 2: {
      std::string_view prefix = parts[0];
      name = parts[1];
      if (prefix.empty()) {
        errs.push_back("prefix part " + EmptyError());
      } else {
        for (const std::string& msg : IsDNS1123Subdomain(prefix)) {
          errs.push_back("prefix part " + msg);
        }
      }
      break;
    }
    default:
      errs.push_back(
          "a qualified name " +
          RegexError(kQualifiedNameErrMsg, kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}) +
          " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
      return errs;
  }
  if (name.empty()) {
    errs.push_back("name part " + EmptyError());
  } else if (name.size() > kQualifiedNameMaxLength) {
    errs.push_back("name part " + MaxLenError(kQualifiedNameMaxLength));
  }
  if (!MatchesQualifiedNamePart(name)) {
    errs.push_back("name part " + RegexError(kQualifiedNameErrMsg, kQualifiedNameFmt,
                                             {"MyName", "my.name", "123-abc"}));
  }
  return errs;
}

Messages IsLabelValue(std::string_view value) {
  Messages errs;
  if (value.size() > kLabelValueMaxLength) errs.push_back(MaxLenError(kLabelValueMaxLength));
  if (!value.empty() && !MatchesQualifiedNamePart(value)) {
    errs.push_back(RegexError(kLabelValueErrMsg, kLabelValueFmt, {"MyValue", "my_value", "12345"}));
  }
  return errs;
}

Messages IsConfigMapKey(std::string_view value) {
  Messages errs;
  if (value.size() > kDNS1123SubdomainMaxLength) {
    errs.push_back(MaxLenError(kDNS1123SubdomainMaxLength));
  }
  bool ok = !value.empty();
  for (char c : value) {
    if (!IsAlnum(c) && c != '-' && c != '.' && c != '_') ok = false;
  }
  if (!ok) {
    errs.push_back(
        RegexError(kConfigMapKeyErrMsg, kConfigMapKeyFmt, {"key.name", "KEY_NAME", "key-name"}));
  }
  AppendChDirErrors(value, errs);
  return errs;
}

Messages IsCIdentifier(std::string_view value) {
  bool ok = !value.empty() && !IsDigit(value.front());
  for (char c : value) {
    if (!IsAlnum(c) && c != '_') ok = false;
  }
  if (ok) return {};
  return {RegexError(kCIdentifierErrMsg, kCIdentifierFmt, {"my_name", "MY_NAME", "MyName"})};
}

Messages IsRelaxedEnvVarName(std::string_view value) {
  Messages errs;
  if (value.empty()) errs.push_back("environment variable name " + EmptyError());
  for (unsigned char c : value) {
    // unicode.IsPrint on ASCII: 0x20 (space) through 0x7e.
    if (c < 0x20 || c > 0x7e || c == '=') {
      errs.push_back(std::string(kRelaxedEnvVarErrMsg));
      break;
    }
  }
  return errs;
}

Messages IsHTTPHeaderName(std::string_view value) {
  bool ok = !value.empty();
  for (char c : value) {
    if (!IsAlnum(c) && c != '-') ok = false;
  }
  if (ok) return {};
  return {RegexError(kHTTPHeaderNameErrMsg, kHTTPHeaderNameFmt, {"X-Header-Name"})};
}

Messages IsValidPercent(std::string_view value) {
  bool ok = value.size() >= 2 && value.back() == '%';
  for (size_t i = 0; ok && i + 1 < value.size(); ++i) ok = IsDigit(value[i]);
  if (ok) return {};
  return {RegexError(kPercentErrMsg, kPercentFmt, {"1%", "93%"})};
}

bool IsValidSysctlName(std::string_view value) {
  if (value.empty() || value.size() > kSysctlMaxLength) return false;
  // Segments are separated by '.' or '/'; each is [a-z0-9]([-_a-z0-9]*[a-z0-9])?.
  size_t start = 0;
  for (size_t i = 0; i <= value.size(); ++i) {
    if (i == value.size() || value[i] == '.' || value[i] == '/') {
      std::string_view seg = value.substr(start, i - start);
      if (seg.empty() || !IsLowerAlnum(seg.front()) || !IsLowerAlnum(seg.back())) return false;
      for (char c : seg) {
        if (!IsLowerAlnum(c) && c != '-' && c != '_') return false;
      }
      start = i + 1;
    }
  }
  return true;
}

Messages IsValidPortNum(int64_t port) {
  if (port >= 1 && port <= 65535) return {};
  return {InclusiveRangeError(1, 65535)};
}

Messages IsValidPortName(std::string_view port) {
  Messages errs;
  if (port.size() > 15) errs.push_back(MaxLenError(15));
  bool charset = !port.empty();
  bool letter = false;
  for (char c : port) {
    if (!IsLowerAlnum(c) && c != '-') charset = false;
    if (c >= 'a' && c <= 'z') letter = true;
  }
  if (!charset)
    errs.push_back("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (!letter) errs.push_back("must contain at least one letter (a-z)");
  if (port.find("--") != std::string_view::npos)
    errs.push_back("must not contain consecutive hyphens");
  if (!port.empty() && (port.front() == '-' || port.back() == '-')) {
    errs.push_back("must not begin or end with a hyphen");
  }
  return errs;
}

Messages IsValidUserID(int64_t uid) {
  if (uid >= 0 && uid <= 0xffffffffLL) return {};
  return {InclusiveRangeError(0, 0xffffffffLL)};
}

Messages IsValidGroupID(int64_t gid) { return IsValidUserID(gid); }

bool ParseIPSloppy(std::string_view value, bool* is_v6) {
  if (is_v6 != nullptr) *is_v6 = false;
  if (ParseIPv4(value)) return true;
  if (value.find(':') == std::string_view::npos || value.find('%') != std::string_view::npos) {
    return false;
  }
  // IPv6 syntax is intricate (::, embedded IPv4); the C library's parser implements RFC 4291.
  unsigned char buf[16];
  const std::string text(value);
  if (inet_pton(AF_INET6, text.c_str(), buf) != 1) return false;
  if (is_v6 != nullptr) *is_v6 = true;
  return true;
}

bool ParseCIDRSloppy(std::string_view value) {
  const size_t slash = value.find('/');
  if (slash == std::string_view::npos) return false;
  bool v6 = false;
  if (!ParseIPSloppy(value.substr(0, slash), &v6)) return false;
  std::string_view bits = value.substr(slash + 1);
  if (bits.empty() || bits.size() > 3) return false;
  int n = 0;
  for (char c : bits) {
    if (!IsDigit(c)) return false;
    n = n * 10 + (c - '0');
  }
  return n <= (v6 ? 128 : 32);
}

}  // namespace cubelet::api::validation

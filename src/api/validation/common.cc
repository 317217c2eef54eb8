// Field-level helpers and value renderers shared by every validator.
#include <arpa/inet.h>
#include <array>

#include <fmt/format.h>

#include "api/validation/validation.h"

namespace cubelet::api::validation {
namespace {

// The address as 16 bytes (IPv4 mapped into ::ffff:a.b.c.d, as Go's net.IP holds it).
std::optional<std::array<unsigned char, 16>> IPBytes(std::string_view value) {
  bool v6 = false;
  if (!ParseIPSloppy(value, &v6)) return std::nullopt;
  std::array<unsigned char, 16> b{};
  if (v6) {
    const std::string text(value);
    inet_pton(AF_INET6, text.c_str(), b.data());
    return b;
  }
  b[10] = b[11] = 0xff;
  std::vector<std::string_view> parts = Split(value, '.');
  for (size_t i = 0; i < 4; ++i) {
    int v = 0;
    for (char c : parts[i]) v = v * 10 + (c - '0');
    b[12 + i] = static_cast<unsigned char>(v);
  }
  return b;
}

bool IsV4Mapped(const std::array<unsigned char, 16>& b) {
  for (int i = 0; i < 10; ++i) {
    if (b[i] != 0) return false;
  }
  return b[10] == 0xff && b[11] == 0xff;
}

}  // namespace

void AppendInvalid(FieldErrors& errs, const FieldPath& path, std::string_view value,
                   const Messages& msgs) {
  for (const std::string& msg : msgs) errs.push_back(Invalid(path, value, msg));
}

FieldErrors ValidateDNS1123Label(std::string_view value, const FieldPath& path) {
  FieldErrors errs;
  AppendInvalid(errs, path, value, IsDNS1123Label(value));
  return errs;
}

FieldErrors ValidateDNS1123Subdomain(std::string_view value, const FieldPath& path) {
  FieldErrors errs;
  AppendInvalid(errs, path, value, IsDNS1123Subdomain(value));
  return errs;
}

FieldErrors ValidateQualifiedName(std::string_view value, const FieldPath& path) {
  FieldErrors errs;
  AppendInvalid(errs, path, value, IsQualifiedName(value));
  return errs;
}

FieldErrors ValidateNonnegative(int64_t value, const FieldPath& path) {
  if (value >= 0) return {};
  return {InvalidInt(path, value, std::string(kIsNegativeErrorMsg))};
}

FieldErrors ValidatePortNumOrName(const IntOrString& port, const FieldPath& path) {
  FieldErrors errs;
  if (port.is_string) {
    AppendInvalid(errs, path, port.str_val, IsValidPortName(port.str_val));
  } else {
    for (const std::string& msg : IsValidPortNum(port.int_val)) {
      errs.push_back(InvalidInt(path, port.int_val, msg));
    }
  }
  return errs;
}

FieldErrors ValidateIP(std::string_view value, const FieldPath& path) {
  if (ParseIPSloppy(value)) return {};
  return {Invalid(path, value, std::string(kInvalidIPErrorMsg))};
}

FieldErrors ValidateNonSpecialIP(std::string_view value, const FieldPath& path) {
  std::optional<std::array<unsigned char, 16>> ip = IPBytes(value);
  if (!ip) return {Invalid(path, value, "must be a valid IP address")};
  const std::array<unsigned char, 16>& b = *ip;
  FieldErrors errs;
  const bool v4 = IsV4Mapped(b);
  bool unspecified = true;
  for (int i = v4 ? 12 : 0; i < 16; ++i) unspecified = unspecified && b[i] == 0;
  if (unspecified) {
    errs.push_back(Invalid(path, value, fmt::format("may not be unspecified ({})", value)));
  }
  bool loopback = v4 ? b[12] == 127 : false;
  if (!v4) {
    loopback = b[15] == 1;
    for (int i = 0; i < 15; ++i) loopback = loopback && b[i] == 0;
  }
  if (loopback) {
    errs.push_back(Invalid(path, value, "may not be in the loopback range (127.0.0.0/8, ::1/128)"));
  }
  const bool link_local_unicast =
      v4 ? (b[12] == 169 && b[13] == 254) : (b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
  if (link_local_unicast) {
    errs.push_back(
        Invalid(path, value, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"));
  }
  const bool link_local_multicast =
      v4 ? (b[12] == 224 && b[13] == 0 && b[14] == 0) : (b[0] == 0xff && (b[1] & 0x0f) == 0x02);
  if (link_local_multicast) {
    errs.push_back(Invalid(
        path, value, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"));
  }
  return errs;
}

FieldErrors ValidateCIDR(std::string_view value, const FieldPath& path) {
  if (ParseCIDRSloppy(value)) return {};
  return {Invalid(path, value, std::string(kInvalidCIDRErrorMsg))};
}

FieldErrors ValidatePathNoBacksteps(std::string_view value, const FieldPath& path) {
  for (std::string_view part : Split(value, '/')) {
    // One error is enough even for "../../..".
    if (part == "..") return {Invalid(path, value, "must not contain '..'")};
  }
  return {};
}

FieldErrors ValidateLocalDescendingPath(std::string_view value, const FieldPath& path) {
  FieldErrors errs;
  if (value.starts_with("/")) errs.push_back(Invalid(path, value, "must be a relative path"));
  Append(errs, ValidatePathNoBacksteps(value, path));
  return errs;
}

FieldErrors ValidateLocalNonReservedPath(std::string_view value, const FieldPath& path) {
  FieldErrors errs = ValidateLocalDescendingPath(value, path);
  // "..data" style names are reserved for the atomic writer; "../x" was reported above.
  if (value.starts_with("..") && !value.starts_with("../")) {
    errs.push_back(Invalid(path, value, "must not start with '..'"));
  }
  return errs;
}

FieldErrors ValidateFileMode(const std::optional<int32_t>& mode, const FieldPath& path) {
  if (!mode || (*mode >= 0 && *mode <= 0777)) return {};
  return {InvalidInt(path, *mode, std::string(kFileModeErrorMsg))};
}

std::string RenderStringMap(const StringMap& m) {
  if (m.empty()) return "map[string]string(nil)";
  std::string out = "map[string]string{";
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) out += ", ";
    first = false;
    out += GoQuote(k) + ":" + GoQuote(v);
  }
  return out + "}";
}

std::string RenderStringList(const std::vector<std::string>& v) {
  if (v.empty()) return "[]string(nil)";
  std::string out = "[]string{";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ", ";
    out += GoQuote(v[i]);
  }
  return out + "}";
}

std::string RenderIntOrString(const IntOrString& v) { return v.ToString(); }

std::string RenderLabelSelector(const LabelSelector& s) {
  // The generated protobuf String() of *metav1.LabelSelector.
  std::string exprs = "[]LabelSelectorRequirement{";
  for (const LabelSelectorRequirement& r : s.match_expressions) {
    std::string values = "[";
    for (size_t i = 0; i < r.values.size(); ++i) {
      if (i > 0) values += " ";
      values += r.values[i];
    }
    values += "]";
    exprs += "LabelSelectorRequirement{Key:" + r.key + ",Operator:" + r.operator_ +
             ",Values:" + values + ",},";
  }
  exprs += "}";
  std::string labels = "map[string]string{";
  for (const auto& [k, v] : s.match_labels) labels += k + ": " + v + ",";
  labels += "}";
  return "&LabelSelector{MatchLabels:" + labels + ",MatchExpressions:" + exprs + ",}";
}

std::string RenderQuantity(const Quantity& q) { return q.ToString(); }

}  // namespace cubelet::api::validation

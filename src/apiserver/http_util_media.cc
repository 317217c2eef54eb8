// Media types: Content-Type and Accept parsing, and the Table negotiation of `kubectl get`.
#include <algorithm>
#include <cctype>

#include "apiserver/http_util.h"

namespace cubelet::apiserver {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t";
  size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  size_t end = s.find_last_not_of(kSpace);
  return s.substr(begin, end - begin + 1);
}

// Splits on `sep` outside double-quoted strings (a quoted parameter value may hold ',' or
// ';'), honouring backslash escapes inside quotes.
std::vector<std::string_view> SplitOutsideQuotes(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  bool quoted = false;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quoted && c == '\\') {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && c == sep) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(s.substr(start));
  return parts;
}

bool IsToken(std::string_view s) {
  return !s.empty() && std::none_of(s.begin(), s.end(), [](unsigned char c) {
    return c <= ' ' || c == '"' || c == '/' || c == ',' || c == ';' || c == '=' || c >= 0x7f;
  });
}

// A parameter value: a token, or a quoted string whose backslash escapes are resolved.
std::optional<std::string> ParamValue(std::string_view raw) {
  if (raw.size() >= 2 && raw.front() == '"' && raw.back() == '"') {
    std::string out;
    for (size_t i = 1; i + 1 < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 2 < raw.size()) ++i;
      out += raw[i];
    }
    return out;
  }
  if (!IsToken(raw)) return std::nullopt;
  return std::string(raw);
}

std::optional<MediaType> ParseMediaType(std::string_view text) {
  std::vector<std::string_view> parts = SplitOutsideQuotes(text, ';');
  std::string_view essence = Trim(parts[0]);
  size_t slash = essence.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view type = essence.substr(0, slash);
  std::string_view subtype = essence.substr(slash + 1);
  if (!IsToken(type) || !IsToken(subtype)) return std::nullopt;

  MediaType media{Lower(type), Lower(subtype), {}};
  for (size_t i = 1; i < parts.size(); ++i) {
    std::string_view param = Trim(parts[i]);
    if (param.empty()) continue;  // "application/json;" and "a; ;b" are tolerated
    size_t eq = param.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    std::string_view name = Trim(param.substr(0, eq));
    std::optional<std::string> value = ParamValue(Trim(param.substr(eq + 1)));
    if (!IsToken(name) || !value) return std::nullopt;
    media.params.emplace_back(Lower(name), std::move(*value));
  }
  return media;
}

}  // namespace

std::optional<std::string_view> MediaType::Param(std::string_view name) const {
  for (const auto& [key, value] : params) {
    if (EqualsIgnoreCase(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

std::string MediaType::Essence() const { return type + "/" + subtype; }

bool MediaType::Matches(std::string_view want_type, std::string_view want_subtype) const {
  if (type == "*") return subtype == "*";
  return type == want_type && (subtype == "*" || subtype == want_subtype);
}

std::optional<MediaType> ParseContentType(std::string_view content_type) {
  return ParseMediaType(content_type);
}

std::vector<MediaType> ParseAccept(std::string_view accept) {
  std::vector<MediaType> ranges;
  for (std::string_view part : SplitOutsideQuotes(accept, ',')) {
    if (Trim(part).empty()) continue;
    std::optional<MediaType> range = ParseMediaType(part);
    if (!range) continue;
    auto q = std::find_if(range->params.begin(), range->params.end(),
                          [](const auto& p) { return p.first == "q"; });
    if (q != range->params.end()) {
      // Only "not acceptable" matters: q=0, 0.0, 0.000. Any other weight keeps its place.
      std::string_view weight = q->second;
      bool zero = !weight.empty() && weight.find_first_not_of("0.") == std::string_view::npos &&
                  weight.front() == '0';
      range->params.erase(q);
      if (zero) continue;
    }
    ranges.push_back(std::move(*range));
  }
  return ranges;
}

bool AcceptsTable(std::string_view accept) {
  for (const MediaType& range : ParseAccept(accept)) {
    if (!range.Matches("application", "json")) continue;
    std::optional<std::string_view> version = range.Param("v");
    if (range.Param("as") == "Table" && range.Param("g") == "meta.k8s.io" &&
        (version == "v1" || version == "v1beta1")) {
      return true;
    }
  }
  return false;
}

}  // namespace cubelet::apiserver

// Request targets, percent-decoding, query parameters and booleans (Go's net/url and strconv
// rules, which is what every Kubernetes client is tested against).
#include "apiserver/http_util.h"

#include <algorithm>

#include "api/field_errors.h"

namespace cubelet::apiserver {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

RequestTarget SplitTarget(std::string_view target) {
  target = target.substr(0, target.find('#'));
  size_t question = target.find('?');
  if (question == std::string_view::npos) return RequestTarget{target, {}};
  return RequestTarget{target.substr(0, question), target.substr(question + 1)};
}

std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && plus_as_space) {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;  // truncated escape
      int hi = HexValue(text[i + 1]);
      int lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

QueryParams QueryParams::Parse(std::string_view query) {
  QueryParams params;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    // Go 1.17 stopped treating ';' as a separator; such a pair is an error and dropped.
    if (pair.empty() || pair.find(';') != std::string_view::npos) continue;
    size_t eq = pair.find('=');
    std::string_view raw_key = pair.substr(0, eq);
    std::string_view raw_value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    std::optional<std::string> key = PercentDecode(raw_key, true);
    std::optional<std::string> value = PercentDecode(raw_value, true);
    if (!key || !value) continue;
    params.Add(std::move(*key), std::move(*value));
  }
  return params;
}

bool QueryParams::Has(std::string_view key) const { return Get(key).has_value(); }

std::optional<std::string_view> QueryParams::Get(std::string_view key) const {
  for (const Entry& e : entries_) {
    if (e.first == key) return std::string_view(e.second);
  }
  return std::nullopt;
}

std::vector<std::string_view> QueryParams::GetAll(std::string_view key) const {
  std::vector<std::string_view> values;
  for (const Entry& e : entries_) {
    if (e.first == key) values.push_back(e.second);
  }
  return values;
}

void QueryParams::Add(std::string key, std::string value) {
  entries_.emplace_back(std::move(key), std::move(value));
}

base::Result<bool> ParseBool(std::string_view text) {
  static constexpr std::string_view kTrue[] = {"1", "t", "T", "TRUE", "true", "True"};
  static constexpr std::string_view kFalse[] = {"0", "f", "F", "FALSE", "false", "False"};
  if (std::find(std::begin(kTrue), std::end(kTrue), text) != std::end(kTrue)) return true;
  if (std::find(std::begin(kFalse), std::end(kFalse), text) != std::end(kFalse)) return false;
  return base::InvalidError("strconv.ParseBool: parsing {}: invalid syntax", api::GoQuote(text));
}

}  // namespace cubelet::apiserver

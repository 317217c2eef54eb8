// Labels and label selectors as the printers show them (apimachinery's labels.FormatLabels and
// labels.Selector.String()).
#include <algorithm>
#include <string>
#include <vector>

#include "apiserver/printers.h"

namespace cubelet::apiserver {
namespace {

struct Requirement {
  std::string key;
  std::string text;
};

std::string JoinSorted(std::vector<std::string> values) {
  std::sort(values.begin(), values.end());
  std::string out;
  for (const std::string& v : values) {
    if (!out.empty()) out += ',';
    out += v;
  }
  return out;
}

// One matchExpressions entry as text, or nullopt when NewRequirement would reject it.
std::optional<std::string> ExpressionText(const api::LabelSelectorRequirement& r) {
  const std::string& op = r.operator_;
  if (op == "In" || op == "NotIn") {
    if (r.values.empty()) return std::nullopt;
    return r.key + (op == "In" ? " in (" : " notin (") + JoinSorted(r.values) + ")";
  }
  if (op == "Exists" || op == "DoesNotExist") {
    if (!r.values.empty()) return std::nullopt;
    return (op == "Exists" ? "" : "!") + r.key;
  }
  return std::nullopt;
}

}  // namespace

std::string FormatLabels(const api::StringMap& labels) {
  std::string out;
  for (const auto& [key, value] : labels) {  // std::map: already sorted by key
    if (!out.empty()) out += ',';
    out += key + "=" + value;
  }
  return out.empty() ? "<none>" : out;
}

std::optional<std::string> SelectorString(const std::optional<api::LabelSelector>& selector) {
  // A missing selector selects nothing and an empty one everything; both print as "".
  if (!selector) return std::string();
  std::vector<Requirement> reqs;
  for (const auto& [key, value] : selector->match_labels) reqs.push_back({key, key + "=" + value});
  for (const api::LabelSelectorRequirement& r : selector->match_expressions) {
    std::optional<std::string> text = ExpressionText(r);
    if (!text) return std::nullopt;
    reqs.push_back({r.key, std::move(*text)});
  }
  // Go sorts requirements by key only; stable keeps same-key requirements in input order.
  std::stable_sort(reqs.begin(), reqs.end(),
                   [](const Requirement& a, const Requirement& b) { return a.key < b.key; });
  std::string out;
  for (const Requirement& r : reqs) {
    if (!out.empty()) out += ',';
    out += r.text;
  }
  return out;
}

}  // namespace cubelet::apiserver

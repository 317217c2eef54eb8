// Label and field selectors with Kubernetes' syntax, semantics and error texts
// (k8s.io/apimachinery/pkg/labels and pkg/fields), so `kubectl get -l` / `--field-selector`,
// the Python client's label_selector and the selectors inside ReplicaSets, Deployments and
// Services select exactly what they select in Kubernetes.
//
//   labels:  "app=web,tier!=db", "env in (prod,staging)", "env notin (dev)", "release",
//            "!canary", "gen>3"   (comma = AND; `==` is `=`)
//   fields:  "metadata.name=web,status.phase!=Running"  (comma = AND; `\,` `\=` `\\` escape)
//
// Which fields a kind can be selected by is Kubernetes' per-kind list (see FieldLabels()); any
// other field is refused with "field label not supported: <field>".
//
// Thread-safety: the matchers are immutable values; every function is pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.h"
#include "base/status.h"

namespace cubelet::api {

// ---- labels -------------------------------------------------------------------------------

// selection.Operator of the label grammar.
enum class LabelOperator {
  kEquals,        // a=b
  kDoubleEquals,  // a==b
  kNotEquals,     // a!=b
  kIn,            // a in (x,y)
  kNotIn,         // a notin (x,y)
  kExists,        // a
  kDoesNotExist,  // !a
  kGreaterThan,   // a>3 (integer comparison)
  kLessThan,      // a<3
};

// One requirement of a label selector. `values` are sorted and unique.
struct LabelRequirement {
  std::string key;
  LabelOperator op = LabelOperator::kExists;
  std::vector<std::string> values;

  // Kubernetes' Requirement.Matches: `!=` and `notin` also match objects without the label;
  // `>`/`<` need the label's value to be an integer.
  bool Matches(const StringMap& labels) const;
  // "app=web", "env in (prod,staging)", "!canary".
  std::string ToString() const;
  bool operator==(const LabelRequirement&) const = default;
};

// A parsed label selector: the AND of its requirements. The default value selects everything.
class LabelMatcher {
 public:
  LabelMatcher() = default;
  static LabelMatcher Everything() { return LabelMatcher(); }
  // Selects nothing: what a ReplicaSet or Deployment without a selector selects.
  static LabelMatcher Nothing();
  // The exact-match selector of a map (a Service's spec.selector); the map is trusted.
  static LabelMatcher FromSet(const StringMap& labels);
  // Requirements are kept sorted by key, as Kubernetes does, so ToString() is canonical.
  explicit LabelMatcher(std::vector<LabelRequirement> requirements);

  bool Matches(const StringMap& labels) const;
  // True when it selects everything (no requirements).
  bool Empty() const { return !nothing_ && requirements_.empty(); }
  const std::vector<LabelRequirement>& requirements() const { return requirements_; }
  // The canonical string form ("" for everything and for nothing), which parses back to an
  // equal matcher.
  std::string ToString() const;
  bool operator==(const LabelMatcher&) const = default;

 private:
  std::vector<LabelRequirement> requirements_;
  bool nothing_ = false;
};

// Parses the string syntax (labels.Parse). Errors are kInvalid with Kubernetes' texts, e.g.
// "unable to parse requirement: values[0][app]: Invalid value: \"a b\": a valid label must be
// ...", "found '=', expected: ',' or 'end of string'".
base::Result<LabelMatcher> ParseLabelSelector(std::string_view text);

// metav1.LabelSelectorAsSelector: matchLabels become `=` requirements, matchExpressions
// In/NotIn/Exists/DoesNotExist; an empty selector selects everything, a missing one (nullopt)
// nothing. Keys and values are validated as in Kubernetes.
base::Result<LabelMatcher> LabelMatcherFrom(const LabelSelector& selector);
base::Result<LabelMatcher> LabelMatcherFrom(const std::optional<LabelSelector>& selector);

// ---- fields -------------------------------------------------------------------------------

struct FieldRequirement {
  std::string field;   // "metadata.name"
  bool equals = true;  // `=`/`==` when true, `!=` when false
  std::string value;   // unescaped
  bool operator==(const FieldRequirement&) const = default;
};

// A parsed field selector: the AND of its requirements. The default value selects everything.
class FieldMatcher {
 public:
  FieldMatcher() = default;
  // Requirements are kept sorted (by their string form), as Kubernetes does.
  explicit FieldMatcher(std::vector<FieldRequirement> requirements);

  // True when every requirement holds for `obj`. A field the object's kind does not support
  // reads as "" (CheckFieldSelector refuses such selectors before they are used).
  bool Matches(const Object& obj) const;
  bool Empty() const { return requirements_.empty(); }
  const std::vector<FieldRequirement>& requirements() const { return requirements_; }
  // The value a `field=value` requirement demands, if there is one ("metadata.name" of
  // `kubectl delete`'s watch), so a caller can look an object up instead of scanning.
  std::optional<std::string> RequiredValue(std::string_view field) const;
  // Canonical form with values escaped again: "metadata.name=a\,b,spec.nodeName!=n1".
  std::string ToString() const;
  bool operator==(const FieldMatcher&) const = default;

 private:
  std::vector<FieldRequirement> requirements_;
};

// Parses the string syntax (fields.ParseSelector). Errors are kInvalid, e.g.
// "invalid selector: 'a'; can't understand 'a'".
base::Result<FieldMatcher> ParseFieldSelector(std::string_view text);

// The field labels `kind` can be selected by, as Kubernetes' conversion functions list them
// (metadata.name and metadata.namespace for every kind, minus metadata.namespace for Nodes and
// Namespaces, plus the kind's own fields).
const std::vector<std::string_view>& FieldLabels(const KindInfo& kind);

// OK when every field of `selector` is supported by `kind`; otherwise kInvalid
// "field label not supported: <field>".
base::Status CheckFieldSelector(const FieldMatcher& selector, const KindInfo& kind);

// ParseFieldSelector followed by CheckFieldSelector.
base::Result<FieldMatcher> ParseFieldSelector(std::string_view text, const KindInfo& kind);

// The value of one selectable field of `obj` as Kubernetes renders it for field selectors
// (booleans "true"/"false", integers in decimal), or nullopt when the kind does not support it.
std::optional<std::string> FieldValue(const Object& obj, std::string_view field);

}  // namespace cubelet::api

// Label selectors (k8s.io/apimachinery/pkg/labels: lexer, parser, Requirement) and field
// selectors (pkg/fields plus each kind's selectable fields from pkg/registry/*/strategy.go).
#include "api/selector.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <map>

#include <fmt/format.h>

#include "api/validation/names.h"

namespace cubelet::api {
namespace {

// ---- label requirements ----------------------------------------------------------------------

std::string_view OperatorText(LabelOperator op) {
  switch (op) {
    case LabelOperator::kEquals:
      return "=";
    case LabelOperator::kDoubleEquals:
      return "==";
    case LabelOperator::kNotEquals:
      return "!=";
    case LabelOperator::kIn:
      return " in ";
    case LabelOperator::kNotIn:
      return " notin ";
    case LabelOperator::kGreaterThan:
      return ">";
    case LabelOperator::kLessThan:
      return "<";
    case LabelOperator::kExists:
    case LabelOperator::kDoesNotExist:
      break;
  }
  return "";
}

std::optional<int64_t> ParseInt64(std::string_view s) {
  int64_t v = 0;
  const char* end = s.data() + s.size();
  // Go's strconv.ParseInt accepts a leading '+'; from_chars does not.
  const char* begin = (!s.empty() && s[0] == '+') ? s.data() + 1 : s.data();
  auto [ptr, ec] = std::from_chars(begin, end, v);
  if (ec != std::errc() || ptr != end || begin == end) return std::nullopt;
  return v;
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

// Go's %v of a []string: [a b].
std::string GoSliceText(const std::vector<std::string>& values) {
  return "[]string{" + [&] {
    std::vector<std::string> quoted;
    for (const auto& v : values) quoted.push_back(GoQuote(v));
    return Join(quoted, ", ");
  }() + "}";
}

// labels.NewRequirement: validates key, operator arity and values; on failure returns the
// aggregated field errors as Kubernetes prints them ("a" for one, "[a, b]" for several).
base::Result<LabelRequirement> NewRequirement(std::string key, LabelOperator op,
                                              std::vector<std::string> values) {
  std::vector<std::string> errs;
  const FieldPath values_path("values");
  if (auto msgs = validation::IsQualifiedName(key); !msgs.empty()) {
    errs.push_back(Invalid(FieldPath("key"), key, Join(msgs, "; ")).ToString());
  }
  switch (op) {
    case LabelOperator::kIn:
    case LabelOperator::kNotIn:
      if (values.empty()) {
        errs.push_back(InvalidRaw(values_path, GoSliceText(values),
                                  "for 'in', 'notin' operators, values set can't be empty")
                           .ToString());
      }
      break;
    case LabelOperator::kEquals:
    case LabelOperator::kDoubleEquals:
    case LabelOperator::kNotEquals:
      if (values.size() != 1) {
        errs.push_back(InvalidRaw(values_path, GoSliceText(values),
                                  "exact-match compatibility requires one single value")
                           .ToString());
      }
      break;
    case LabelOperator::kExists:
    case LabelOperator::kDoesNotExist:
      if (!values.empty()) {
        errs.push_back(InvalidRaw(values_path, GoSliceText(values),
                                  "values set must be empty for exists and does not exist")
                           .ToString());
      }
      break;
    case LabelOperator::kGreaterThan:
    case LabelOperator::kLessThan:
      if (values.size() != 1) {
        errs.push_back(InvalidRaw(values_path, GoSliceText(values),
                                  "for 'Gt', 'Lt' operators, exactly one value is required")
                           .ToString());
      }
      for (size_t i = 0; i < values.size(); ++i) {
        if (!ParseInt64(values[i])) {
          errs.push_back(Invalid(values_path.Index(i), values[i],
                                 "for 'Gt', 'Lt' operators, the value must be an integer")
                             .ToString());
        }
      }
      break;
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (auto msgs = validation::IsLabelValue(values[i]); !msgs.empty()) {
      errs.push_back(
          Invalid(values_path.Index(i).Key(key), values[i], Join(msgs, "; ")).ToString());
    }
  }
  if (errs.size() == 1) return base::InvalidError("{}", errs[0]);
  if (!errs.empty()) return base::InvalidError("[{}]", Join(errs, ", "));
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return LabelRequirement{std::move(key), op, std::move(values)};
}

// ---- label lexer and parser (labels/selector.go) ---------------------------------------------

enum class Tok {
  kError,
  kEnd,
  kIdentifier,
  kDoesNotExist,  // !
  kEquals,
  kDoubleEquals,
  kNotEquals,
  kIn,
  kNotIn,
  kGreaterThan,
  kLessThan,
  kOpenPar,
  kClosedPar,
  kComma,
};

struct Token {
  Tok tok;
  std::string literal;
};

bool IsWhitespace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsSpecial(char c) {
  return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

std::optional<Tok> Keyword(std::string_view s) {
  static const std::map<std::string_view, Tok> kTokens = {
      {")", Tok::kClosedPar},     {",", Tok::kComma},    {"!", Tok::kDoesNotExist},
      {"==", Tok::kDoubleEquals}, {"=", Tok::kEquals},   {">", Tok::kGreaterThan},
      {"in", Tok::kIn},           {"<", Tok::kLessThan}, {"!=", Tok::kNotEquals},
      {"notin", Tok::kNotIn},     {"(", Tok::kOpenPar},
  };
  auto it = kTokens.find(s);
  if (it == kTokens.end()) return std::nullopt;
  return it->second;
}

// Splits the whole input into tokens first, as Kubernetes' parser does. A NUL byte ends the
// input (Go's lexer reads 0 as end of string).
std::vector<Token> Lex(std::string_view in) {
  std::vector<Token> out;
  size_t pos = 0;
  auto peek = [&]() -> char { return pos < in.size() ? in[pos] : '\0'; };
  while (true) {
    while (IsWhitespace(peek())) ++pos;
    const char c = peek();
    if (c == '\0') {
      out.push_back({Tok::kEnd, ""});
      return out;
    }
    if (IsSpecial(c)) {
      // Longest special-symbol sequence that is a token ("!=" rather than "!").
      std::string buffer;
      std::optional<Token> last;
      while (IsSpecial(peek())) {
        buffer += peek();
        if (auto t = Keyword(buffer)) {
          last = Token{*t, buffer};
          ++pos;
        } else if (last) {
          break;
        } else {
          ++pos;
        }
      }
      if (!last) {
        out.push_back({Tok::kError, fmt::format("error expected: keyword found '{}'", buffer)});
      } else {
        out.push_back(*last);
      }
      continue;
    }
    std::string word;
    while (peek() != '\0' && !IsSpecial(peek()) && !IsWhitespace(peek())) word += in[pos++];
    auto kw = Keyword(word);
    out.push_back({kw ? *kw : Tok::kIdentifier, word});
  }
}

class LabelParser {
 public:
  explicit LabelParser(std::string_view text) : tokens_(Lex(text)) {}

  base::Result<LabelMatcher> Parse() {
    std::vector<LabelRequirement> reqs;
    while (true) {
      const Token& t = Lookahead(/*values=*/true);
      switch (t.tok) {
        case Tok::kIdentifier:
        case Tok::kDoesNotExist: {
          auto r = ParseRequirement();
          if (!r.ok()) {
            return base::InvalidError("unable to parse requirement: {}", r.status().message());
          }
          reqs.push_back(std::move(*r));
          const Token after = Consume(true);
          if (after.tok == Tok::kEnd) return LabelMatcher(std::move(reqs));
          if (after.tok != Tok::kComma) {
            return base::InvalidError("found '{}', expected: ',' or 'end of string'",
                                      after.literal);
          }
          const Token& next = Lookahead(true);
          if (next.tok != Tok::kIdentifier && next.tok != Tok::kDoesNotExist) {
            return base::InvalidError("found '{}', expected: identifier after ','", next.literal);
          }
          break;
        }
        case Tok::kEnd:
          return LabelMatcher(std::move(reqs));
        default:
          return base::InvalidError("found '{}', expected: !, identifier, or 'end of string'",
                                    t.literal);
      }
    }
  }

 private:
  // In a value position the words "in" and "notin" are plain identifiers.
  Token Adjust(Token t, bool values) const {
    if (values && (t.tok == Tok::kIn || t.tok == Tok::kNotIn)) t.tok = Tok::kIdentifier;
    return t;
  }
  const Token& Raw() const { return tokens_[std::min(pos_, tokens_.size() - 1)]; }
  Token Lookahead(bool values) const { return Adjust(Raw(), values); }
  Token Consume(bool values) {
    Token t = Adjust(Raw(), values);
    if (pos_ < tokens_.size() - 1) ++pos_;
    return t;
  }

  base::Result<LabelRequirement> ParseRequirement() {
    LabelOperator op = LabelOperator::kEquals;
    bool unary = false;
    Token t = Consume(true);
    if (t.tok == Tok::kDoesNotExist) {
      op = LabelOperator::kDoesNotExist;
      unary = true;
      t = Consume(true);
    }
    if (t.tok != Tok::kIdentifier) {
      return base::InvalidError("found '{}', expected: identifier", t.literal);
    }
    std::string key = t.literal;
    if (auto msgs = validation::IsQualifiedName(key); !msgs.empty()) {
      return base::InvalidError("{}", Invalid(FieldPath("key"), key, Join(msgs, "; ")).ToString());
    }
    // "!a" is complete here; in "!a=b" the caller then finds '=' where ',' belongs, as in
    // Kubernetes.
    if (unary) return NewRequirement(std::move(key), op, {});
    const Tok next = Lookahead(true).tok;
    if (next == Tok::kEnd || next == Tok::kComma) {
      return NewRequirement(std::move(key), LabelOperator::kExists, {});
    }
    const Token op_tok = Consume(false);
    switch (op_tok.tok) {
      case Tok::kIn:
        op = LabelOperator::kIn;
        break;
      case Tok::kNotIn:
        op = LabelOperator::kNotIn;
        break;
      case Tok::kEquals:
        op = LabelOperator::kEquals;
        break;
      case Tok::kDoubleEquals:
        op = LabelOperator::kDoubleEquals;
        break;
      case Tok::kNotEquals:
        op = LabelOperator::kNotEquals;
        break;
      case Tok::kGreaterThan:
        op = LabelOperator::kGreaterThan;
        break;
      case Tok::kLessThan:
        op = LabelOperator::kLessThan;
        break;
      default:
        return base::InvalidError("found '{}', expected: in, notin, =, ==, !=, gt, lt",
                                  op_tok.literal);
    }
    std::vector<std::string> values;
    if (op == LabelOperator::kIn || op == LabelOperator::kNotIn) {
      RETURN_IF_ERROR(ParseValues(&values));
    } else {
      RETURN_IF_ERROR(ParseExactValue(&values));
    }
    return NewRequirement(std::move(key), op, std::move(values));
  }

  base::Status ParseValues(std::vector<std::string>* values) {
    const Token open = Consume(true);
    if (open.tok != Tok::kOpenPar) {
      return base::InvalidError("found '{}' expected: '('", open.literal);
    }
    const Token t = Lookahead(true);
    switch (t.tok) {
      case Tok::kIdentifier:
      case Tok::kComma: {
        RETURN_IF_ERROR(ParseIdentifierList(values));
        if (Consume(true).tok != Tok::kClosedPar) {
          return base::InvalidError("found '{}', expected: ')'", t.literal);
        }
        return base::Status::Ok();
      }
      case Tok::kClosedPar:  // "()" is the set holding the empty string
        Consume(true);
        values->push_back("");
        return base::Status::Ok();
      default:
        return base::InvalidError("found '{}', expected: ',', ')' or identifier", t.literal);
    }
  }

  // "(a,b)", "(,a)", "(a,)", "(a,,b)": empty positions stand for the empty value.
  base::Status ParseIdentifierList(std::vector<std::string>* values) {
    while (true) {
      const Token t = Consume(true);
      switch (t.tok) {
        case Tok::kIdentifier: {
          values->push_back(t.literal);
          const Token next = Lookahead(true);
          if (next.tok == Tok::kComma) continue;
          if (next.tok == Tok::kClosedPar) return base::Status::Ok();
          return base::InvalidError("found '{}', expected: ',' or ')'", next.literal);
        }
        case Tok::kComma: {
          if (values->empty()) values->push_back("");
          const Tok next = Lookahead(true).tok;
          if (next == Tok::kClosedPar) {
            values->push_back("");
            return base::Status::Ok();
          }
          if (next == Tok::kComma) {
            Consume(true);
            values->push_back("");
          }
          break;
        }
        default:
          return base::InvalidError("found '{}', expected: ',', or identifier", t.literal);
      }
    }
  }

  base::Status ParseExactValue(std::vector<std::string>* values) {
    const Tok next = Lookahead(true).tok;
    if (next == Tok::kEnd || next == Tok::kComma) {
      values->push_back("");
      return base::Status::Ok();
    }
    const Token t = Consume(true);
    if (t.tok != Tok::kIdentifier) {
      return base::InvalidError("found '{}', expected: identifier", t.literal);
    }
    values->push_back(t.literal);
    return base::Status::Ok();
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

// ---- field selectors -------------------------------------------------------------------------

// Splits on commas not escaped by a backslash (fields.splitTerms).
std::vector<std::string> SplitTerms(std::string_view s) {
  std::vector<std::string> terms;
  if (s.empty()) return terms;
  size_t start = 0;
  bool in_slash = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (in_slash) {
      in_slash = false;
    } else if (s[i] == '\\') {
      in_slash = true;
    } else if (s[i] == ',') {
      terms.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  terms.emplace_back(s.substr(start));
  return terms;
}

base::Result<std::string> UnescapeValue(std::string_view s) {
  std::string out;
  bool in_slash = false;
  for (char c : s) {
    if (in_slash) {
      if (c != '\\' && c != ',' && c != '=') {
        return base::InvalidError("invalid field selector: invalid escape sequence: \\{}", c);
      }
      out += c;
      in_slash = false;
    } else if (c == '\\') {
      in_slash = true;
    } else if (c == ',' || c == '=') {
      // Go prints the rune with %v, i.e. as its number.
      return base::InvalidError("invalid field selector: unescaped character in value: {}",
                                static_cast<int>(c));
    } else {
      out += c;
    }
  }
  if (in_slash) return base::InvalidError("invalid field selector: invalid escape sequence: \\");
  return out;
}

std::string EscapeValue(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == ',' || c == '=') out += '\\';
    out += c;
  }
  return out;
}

std::string RequirementText(const FieldRequirement& r) {
  return r.field + (r.equals ? "=" : "!=") + EscapeValue(r.value);
}

std::string BoolText(bool b) { return b ? "true" : "false"; }

// The selectable fields of each kind beyond metadata.name/namespace (the registries'
// ToSelectableFields / GetAttrs).
std::optional<std::string> KindField(const Pod& pod, std::string_view f) {
  if (f == "spec.nodeName") return pod.spec.node_name;
  if (f == "spec.restartPolicy") return pod.spec.restart_policy;
  if (f == "spec.schedulerName") return pod.spec.scheduler_name;
  if (f == "spec.serviceAccountName") return pod.spec.service_account_name;
  if (f == "spec.hostNetwork") return BoolText(pod.spec.host_network);
  if (f == "status.phase") return pod.status.phase;
  if (f == "status.nominatedNodeName") return pod.status.nominated_node_name;
  if (f == "status.podIP") {
    // Kubernetes reads the first of status.podIPs; podIP is its mirror.
    if (!pod.status.pod_ips.empty()) return pod.status.pod_ips[0].ip;
    return pod.status.pod_ip;
  }
  return std::nullopt;
}

std::optional<std::string> KindField(const Event& ev, std::string_view f) {
  const ObjectReference& o = ev.involved_object;
  if (f == "involvedObject.kind") return o.kind;
  if (f == "involvedObject.namespace") return o.namespace_;
  if (f == "involvedObject.name") return o.name;
  if (f == "involvedObject.uid") return o.uid;
  if (f == "involvedObject.apiVersion") return o.api_version;
  if (f == "involvedObject.resourceVersion") return o.resource_version;
  if (f == "involvedObject.fieldPath") return o.field_path;
  if (f == "reason") return ev.reason;
  if (f == "reportingComponent") return ev.reporting_component;
  // Events of the events.k8s.io API carry only the reporting controller.
  if (f == "source") {
    return ev.source.component.empty() ? ev.reporting_component : ev.source.component;
  }
  if (f == "type") return ev.type;
  return std::nullopt;
}

std::optional<std::string> KindField(const Secret& s, std::string_view f) {
  if (f == "type") return s.type;
  return std::nullopt;
}

std::optional<std::string> KindField(const Node& n, std::string_view f) {
  if (f == "spec.unschedulable") return BoolText(n.spec.unschedulable);
  return std::nullopt;
}

std::optional<std::string> KindField(const Namespace& ns, std::string_view f) {
  if (f == "status.phase") return ns.status.phase;
  return std::nullopt;
}

std::optional<std::string> KindField(const ReplicaSet& rs, std::string_view f) {
  if (f == "status.replicas") return std::to_string(rs.status.replicas);
  return std::nullopt;
}

template <class T>
std::optional<std::string> KindField(const T&, std::string_view) {
  return std::nullopt;
}

bool Supported(const KindInfo& kind, std::string_view field) {
  const auto& labels = FieldLabels(kind);
  return std::find(labels.begin(), labels.end(), field) != labels.end();
}

}  // namespace

// ---- LabelRequirement / LabelMatcher ------------------------------------------------------------

bool LabelRequirement::Matches(const StringMap& labels) const {
  auto it = labels.find(key);
  const bool has = it != labels.end();
  auto in_values = [&] { return std::binary_search(values.begin(), values.end(), it->second); };
  switch (op) {
    case LabelOperator::kIn:
    case LabelOperator::kEquals:
    case LabelOperator::kDoubleEquals:
      return has && in_values();
    case LabelOperator::kNotIn:
    case LabelOperator::kNotEquals:
      return !has || !in_values();
    case LabelOperator::kExists:
      return has;
    case LabelOperator::kDoesNotExist:
      return !has;
    case LabelOperator::kGreaterThan:
    case LabelOperator::kLessThan: {
      if (!has || values.size() != 1) return false;
      auto have = ParseInt64(it->second);
      auto want = ParseInt64(values[0]);
      if (!have || !want) return false;
      return op == LabelOperator::kGreaterThan ? *have > *want : *have < *want;
    }
  }
  return false;
}

std::string LabelRequirement::ToString() const {
  switch (op) {
    case LabelOperator::kExists:
      return key;
    case LabelOperator::kDoesNotExist:
      return "!" + key;
    case LabelOperator::kIn:
    case LabelOperator::kNotIn:
      return key + std::string(OperatorText(op)) + "(" + Join(values, ",") + ")";
    default:
      return key + std::string(OperatorText(op)) + Join(values, ",");
  }
}

LabelMatcher::LabelMatcher(std::vector<LabelRequirement> requirements)
    : requirements_(std::move(requirements)) {
  std::stable_sort(
      requirements_.begin(), requirements_.end(),
      [](const LabelRequirement& a, const LabelRequirement& b) { return a.key < b.key; });
}

LabelMatcher LabelMatcher::Nothing() {
  LabelMatcher m;
  m.nothing_ = true;
  return m;
}

LabelMatcher LabelMatcher::FromSet(const StringMap& labels) {
  std::vector<LabelRequirement> reqs;
  for (const auto& [k, v] : labels) reqs.push_back({k, LabelOperator::kEquals, {v}});
  return LabelMatcher(std::move(reqs));
}

bool LabelMatcher::Matches(const StringMap& labels) const {
  if (nothing_) return false;
  return std::all_of(requirements_.begin(), requirements_.end(),
                     [&](const LabelRequirement& r) { return r.Matches(labels); });
}

std::string LabelMatcher::ToString() const {
  std::vector<std::string> parts;
  for (const auto& r : requirements_) parts.push_back(r.ToString());
  return Join(parts, ",");
}

base::Result<LabelMatcher> ParseLabelSelector(std::string_view text) {
  return LabelParser(text).Parse();
}

base::Result<LabelMatcher> LabelMatcherFrom(const LabelSelector& selector) {
  if (selector.match_labels.empty() && selector.match_expressions.empty()) {
    return LabelMatcher::Everything();
  }
  std::vector<LabelRequirement> reqs;
  for (const auto& [k, v] : selector.match_labels) {
    ASSIGN_OR_RETURN(LabelRequirement r, NewRequirement(k, LabelOperator::kEquals, {v}));
    reqs.push_back(std::move(r));
  }
  for (const auto& e : selector.match_expressions) {
    LabelOperator op;
    if (e.operator_ == "In") {
      op = LabelOperator::kIn;
    } else if (e.operator_ == "NotIn") {
      op = LabelOperator::kNotIn;
    } else if (e.operator_ == "Exists") {
      op = LabelOperator::kExists;
    } else if (e.operator_ == "DoesNotExist") {
      op = LabelOperator::kDoesNotExist;
    } else {
      return base::InvalidError("{} is not a valid label selector operator", GoQuote(e.operator_));
    }
    ASSIGN_OR_RETURN(LabelRequirement r, NewRequirement(e.key, op, e.values));
    reqs.push_back(std::move(r));
  }
  return LabelMatcher(std::move(reqs));
}

base::Result<LabelMatcher> LabelMatcherFrom(const std::optional<LabelSelector>& selector) {
  if (!selector) return LabelMatcher::Nothing();
  return LabelMatcherFrom(*selector);
}

// ---- FieldMatcher -------------------------------------------------------------------------------

FieldMatcher::FieldMatcher(std::vector<FieldRequirement> requirements)
    : requirements_(std::move(requirements)) {
  std::stable_sort(requirements_.begin(), requirements_.end(),
                   [](const FieldRequirement& a, const FieldRequirement& b) {
                     return RequirementText(a) < RequirementText(b);
                   });
}

bool FieldMatcher::Matches(const Object& obj) const {
  for (const auto& r : requirements_) {
    const std::string have = FieldValue(obj, r.field).value_or("");
    if ((have == r.value) != r.equals) return false;
  }
  return true;
}

std::optional<std::string> FieldMatcher::RequiredValue(std::string_view field) const {
  for (const auto& r : requirements_) {
    if (r.field == field && r.equals) return r.value;
  }
  return std::nullopt;
}

std::string FieldMatcher::ToString() const {
  std::vector<std::string> parts;
  for (const auto& r : requirements_) parts.push_back(RequirementText(r));
  return Join(parts, ",");
}

base::Result<FieldMatcher> ParseFieldSelector(std::string_view text) {
  std::vector<FieldRequirement> reqs;
  for (const std::string& term : SplitTerms(text)) {
    if (term.empty()) continue;
    // The first operator in the term splits it; the field name cannot be escaped.
    size_t at = std::string::npos;
    size_t op_len = 0;
    bool equals = true;
    for (size_t i = 0; i < term.size() && at == std::string::npos; ++i) {
      std::string_view rest = std::string_view(term).substr(i);
      if (rest.starts_with("!=")) {
        at = i, op_len = 2, equals = false;
      } else if (rest.starts_with("==")) {
        at = i, op_len = 2;
      } else if (rest.starts_with("=")) {
        at = i, op_len = 1;
      }
    }
    if (at == std::string::npos) {
      return base::InvalidError("invalid selector: '{}'; can't understand '{}'", text, term);
    }
    ASSIGN_OR_RETURN(std::string value, UnescapeValue(std::string_view(term).substr(at + op_len)));
    reqs.push_back({term.substr(0, at), equals, std::move(value)});
  }
  return FieldMatcher(std::move(reqs));
}

const std::vector<std::string_view>& FieldLabels(const KindInfo& kind) {
  static const std::map<std::string_view, std::vector<std::string_view>> kByKind = {
      {"Pod",
       {"metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy",
        "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase",
        "status.podIP", "status.nominatedNodeName"}},
      {"Event",
       {"metadata.name", "metadata.namespace", "involvedObject.kind", "involvedObject.namespace",
        "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion",
        "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
        "reportingComponent", "source", "type"}},
      {"Secret", {"metadata.name", "metadata.namespace", "type"}},
      // Cluster-scoped kinds: Kubernetes' conversion functions leave out metadata.namespace.
      {"Node", {"metadata.name", "spec.unschedulable"}},
      {"Namespace", {"metadata.name", "status.phase"}},
      {"ReplicaSet", {"metadata.name", "metadata.namespace", "status.replicas"}},
  };
  static const std::vector<std::string_view> kDefault = {"metadata.name", "metadata.namespace"};
  auto it = kByKind.find(kind.kind);
  return it == kByKind.end() ? kDefault : it->second;
}

base::Status CheckFieldSelector(const FieldMatcher& selector, const KindInfo& kind) {
  for (const auto& r : selector.requirements()) {
    if (!Supported(kind, r.field)) {
      return base::InvalidError("field label not supported: {}", r.field);
    }
  }
  return base::Status::Ok();
}

base::Result<FieldMatcher> ParseFieldSelector(std::string_view text, const KindInfo& kind) {
  ASSIGN_OR_RETURN(FieldMatcher m, ParseFieldSelector(text));
  RETURN_IF_ERROR(CheckFieldSelector(m, kind));
  return m;
}

std::optional<std::string> FieldValue(const Object& obj, std::string_view field) {
  if (!Supported(KindOf(obj), field)) return std::nullopt;
  const ObjectMeta& meta = MetaOf(obj);
  if (field == "metadata.name") return meta.name;
  if (field == "metadata.namespace") return meta.namespace_;
  return std::visit([&](const auto& o) { return KindField(o, field); }, obj);
}

}  // namespace cubelet::api

#include "api/yaml.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "api/field_path.h"

namespace cubelet::api {
namespace {

// Nodes produced from one document, counting every expansion of an alias: the budget stops
// exponential alias bombs long before memory runs out.
constexpr size_t kNodeBudget = 50'000;
// Kubernetes objects nest a few dozen levels; yaml-cpp itself stops at a similar depth.
constexpr int kMaxDepth = 256;

bool In(std::string_view s, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

// Parses digits in `base` into an unsigned 64-bit value; false on overflow or a bad digit.
bool ParseUnsigned(std::string_view digits, int base, uint64_t* out) {
  if (digits.empty()) return false;
  uint64_t v = 0;
  for (char c : digits) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return false;
    }
    if (d >= base) return false;
    if (v > (std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(d)) /
                static_cast<uint64_t>(base)) {
      return false;
    }
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}

// go-yaml v2 integer syntax: optional sign, 0x/0o/0b prefixes, a leading 0 for octal,
// underscores ignored.
std::optional<Json> ResolveInt(std::string_view in) {
  std::string s;
  for (char c : in) {
    if (c != '_') s += c;
  }
  std::string_view v = s;
  bool neg = false;
  if (!v.empty() && (v[0] == '-' || v[0] == '+')) {
    neg = v[0] == '-';
    v.remove_prefix(1);
  }
  if (v.empty()) return std::nullopt;
  int base = 10;
  if (v.size() > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
    base = 16;
    v.remove_prefix(2);
  } else if (v.size() > 2 && v[0] == '0' && (v[1] == 'b' || v[1] == 'B')) {
    base = 2;
    v.remove_prefix(2);
  } else if (v.size() > 2 && v[0] == '0' && (v[1] == 'o' || v[1] == 'O')) {
    base = 8;
    v.remove_prefix(2);
  } else if (v.size() > 1 && v[0] == '0') {
    base = 8;
    v.remove_prefix(1);
  }
  uint64_t u = 0;
  if (!ParseUnsigned(v, base, &u)) return std::nullopt;
  if (neg) {
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1) return std::nullopt;
    return Json(u == static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1
                    ? std::numeric_limits<int64_t>::min()
                    : -static_cast<int64_t>(u));
  }
  if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Json(static_cast<int64_t>(u));
  }
  return Json(u);
}

// ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
bool IsYamlFloat(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  auto digits = [&] {
    const size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - start;
  };
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  } else {
    if (digits() == 0) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      digits();
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

enum class PlainKind { kString, kNull, kBool, kInt, kFloat, kSpecialFloat };

struct Resolved {
  PlainKind kind;
  Json value;
};

// How go-yaml v2 reads an unquoted scalar.
Resolved ResolvePlain(const std::string& s) {
  if (In(s, {"", "~", "null", "Null", "NULL"})) return {PlainKind::kNull, nullptr};
  if (In(s, {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})) {
    return {PlainKind::kBool, true};
  }
  if (In(s, {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"})) {
    return {PlainKind::kBool, false};
  }
  if (In(s, {".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
             "-.Inf", "-.INF"})) {
    return {PlainKind::kSpecialFloat, nullptr};
  }
  const char c = s[0];
  if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') {
    if (auto i = ResolveInt(s)) return {PlainKind::kInt, std::move(*i)};
    std::string no_underscore;
    for (char ch : s) {
      if (ch != '_') no_underscore += ch;
    }
    if (IsYamlFloat(no_underscore)) {
      const double d = std::strtod(no_underscore.c_str(), nullptr);
      if (std::isinf(d)) return {PlainKind::kSpecialFloat, nullptr};
      // JSON written by Go prints an integral float64 without a fraction ("80"), so such a
      // value decodes into integer fields; keep it an integer here for the same effect.
      if (d == std::floor(d) && std::fabs(d) < 9.0e18) {
        return {PlainKind::kFloat, Json(static_cast<int64_t>(d))};
      }
      return {PlainKind::kFloat, Json(d)};
    }
  }
  return {PlainKind::kString, s};
}

int LineOf(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

class Converter {
 public:
  Converter(SourceMap& map, std::string_view file) : map_(map), file_(file) {}

  base::Status Convert(const YAML::Node& node, const FieldPath& path, int line, Json* out) {
    if (++nodes_ > kNodeBudget) {
      return Fail(line, "document expands to too many nodes (aliases nested too deep?)");
    }
    // An anchor may contain an alias to itself; yaml-cpp then hands us a cycle.
    if (depth_ >= kMaxDepth) return Fail(line, "document nests too deeply (a recursive alias?)");
    ++depth_;
    base::Status s = ConvertNode(node, path, line, out);
    --depth_;
    return s;
  }

 private:
  base::Status ConvertNode(const YAML::Node& node, const FieldPath& path, int line, Json* out) {
    if (line > 0) map_.Add(path.str(), line);
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        *out = nullptr;
        return {};
      case YAML::NodeType::Scalar:
        return Scalar(node, line, out);
      case YAML::NodeType::Sequence: {
        *out = Json::array();
        size_t i = 0;
        for (const YAML::Node& item : node) {
          Json v;
          const int item_line = LineOf(item) > 0 ? LineOf(item) : line;
          RETURN_IF_ERROR(Convert(item, path.Index(i), item_line, &v));
          out->push_back(std::move(v));
          ++i;
        }
        return {};
      }
      case YAML::NodeType::Map:
        return Map(node, path, out);
    }
    return {};
  }

  base::Status Fail(int line, std::string_view message) {
    if (line > 0) return base::InvalidError("{}:{}: yaml: {}", file_, line, message);
    return base::InvalidError("{}: yaml: {}", file_, message);
  }

  base::Status Scalar(const YAML::Node& node, int line, Json* out) {
    const std::string& tag = node.Tag();
    const std::string& text = node.Scalar();
    if (tag == "!" || tag == "tag:yaml.org,2002:str") {
      *out = text;
      return {};
    }
    Resolved r = ResolvePlain(text);
    if (r.kind == PlainKind::kSpecialFloat) {
      return Fail(line, fmt::format("unsupported value {} (JSON has no infinity or NaN)", text));
    }
    if (tag == "tag:yaml.org,2002:int" && r.kind != PlainKind::kInt) {
      return Fail(line, fmt::format("cannot decode {} as an !!int", text));
    }
    *out = std::move(r.value);
    return {};
  }

  // Map keys become JSON strings the way sigs.k8s.io/yaml does it: a key that reads as a
  // boolean or number is written in its canonical text form.
  base::Result<std::string> KeyText(const YAML::Node& key, int line) {
    if (key.Type() == YAML::NodeType::Null) return std::string("null");
    if (key.Type() != YAML::NodeType::Scalar) {
      return Fail(line, "a mapping key must be a scalar");
    }
    if (key.Tag() == "!") return key.Scalar();
    Resolved r = ResolvePlain(key.Scalar());
    switch (r.kind) {
      case PlainKind::kBool:
        return std::string(r.value.get<bool>() ? "true" : "false");
      case PlainKind::kInt:
      case PlainKind::kFloat:
        return r.value.dump();
      default:
        return key.Scalar();
    }
  }

  base::Status Map(const YAML::Node& node, const FieldPath& path, Json* out) {
    *out = Json::object();
    std::vector<std::pair<YAML::Node, int>> merges;
    std::unordered_map<std::string, int> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node key = it->first;  // copies: the iterator yields temporaries
      const YAML::Node value = it->second;
      const int line = LineOf(key);
      if (key.Type() == YAML::NodeType::Scalar && key.Tag() == "?" && key.Scalar() == "<<") {
        merges.emplace_back(value, line);
        continue;
      }
      ASSIGN_OR_RETURN(std::string k, KeyText(key, line));
      if (auto prev = seen.find(k); prev != seen.end()) {
        return Fail(
            line, fmt::format("key \"{}\" already set in map (first at line {})", k, prev->second));
      }
      seen.emplace(k, line);
      Json v;
      RETURN_IF_ERROR(Convert(value, path.Child(k), line, &v));
      (*out)[k] = std::move(v);
    }
    // Merge keys (<<: *anchor): explicit keys win over merged ones, earlier sources over later.
    for (auto& [source, line] : merges) {
      std::vector<YAML::Node> maps;
      if (source.IsMap()) {
        maps.push_back(source);
      } else if (source.IsSequence()) {
        for (const YAML::Node& m : source) maps.push_back(m);
      }
      for (const YAML::Node& m : maps) {
        if (!m.IsMap())
          return Fail(line, "map merge requires map or sequence of maps as the value");
        Json merged;
        RETURN_IF_ERROR(Map(m, path, &merged));
        for (auto mit = merged.begin(); mit != merged.end(); ++mit) {
          if (!out->contains(mit.key())) (*out)[mit.key()] = mit.value();
        }
      }
    }
    return {};
  }

  SourceMap& map_;
  std::string_view file_;
  size_t nodes_ = 0;
  int depth_ = 0;
};

// ---- emitting ----------------------------------------------------------------------------

bool IsPrintable(unsigned char c) { return c >= 0x20 && c != 0x7f; }

enum class Style { kPlain, kSingle, kDouble, kLiteral };

Style ChooseStyle(const std::string& s) {
  // A string that would read back as null, a boolean or a number is double-quoted, as go-yaml
  // does ("8080", "true", "", "2024-01-01T00:00:00Z" stays plain-safe but kubectl quotes
  // timestamps too, see below).
  if (ResolvePlain(s).kind != PlainKind::kString) return Style::kDouble;
  bool multiline = false, special = false;
  for (unsigned char c : s) {
    if (c == '\n') {
      multiline = true;
    } else if (!IsPrintable(c) && c != '\t') {
      special = true;
    }
  }
  if (special) return Style::kDouble;
  if (multiline) {
    // Literal blocks cannot carry trailing spaces before a line break or a leading space.
    if (s.front() == ' ' || s.find(" \n") != std::string::npos ||
        s.find('\t') != std::string::npos) {
      return Style::kDouble;
    }
    return Style::kLiteral;
  }
  // go-yaml double-quotes strings that look like timestamps (they would resolve to !!timestamp).
  if (s.size() >= 10 && s[4] == '-' && s[7] == '-' &&
      std::isdigit(static_cast<unsigned char>(s[0])) &&
      std::isdigit(static_cast<unsigned char>(s[3]))) {
    return Style::kDouble;
  }
  const unsigned char first = s.front();
  if (std::string_view("#,[]{}&*!|>'\"%@`").find(static_cast<char>(first)) !=
      std::string_view::npos) {
    return Style::kSingle;
  }
  if ((first == '-' || first == '?' || first == ':') && (s.size() == 1 || s[1] == ' ')) {
    return Style::kSingle;
  }
  if (s.rfind("---", 0) == 0 || s.rfind("...", 0) == 0) return Style::kSingle;
  if (s.front() == ' ' || s.back() == ' ' || s.back() == ':') return Style::kSingle;
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos ||
      s.find('\t') != std::string::npos) {
    return Style::kSingle;
  }
  return Style::kPlain;
}

std::string DoubleQuoted(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (!IsPrintable(c)) {
          out += fmt::format("\\x{:02X}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

// Appends a scalar; for literal blocks `indent` is the indentation of the block's lines.
void EmitString(const std::string& s, int indent, std::string& out) {
  switch (ChooseStyle(s)) {
    case Style::kPlain:
      out += s;
      return;
    case Style::kDouble:
      out += DoubleQuoted(s);
      return;
    case Style::kSingle: {
      out += '\'';
      for (char c : s) {
        if (c == '\'') out += '\'';
        out += c;
      }
      out += '\'';
      return;
    }
    case Style::kLiteral: {
      const bool trailing_newline = s.back() == '\n';
      out += trailing_newline ? "|" : "|-";
      std::string_view rest = s;
      if (trailing_newline) rest.remove_suffix(1);
      size_t start = 0;
      while (true) {
        const size_t nl = rest.find('\n', start);
        const std::string_view line =
            rest.substr(start, nl == std::string_view::npos ? nl : nl - start);
        out += '\n';
        if (!line.empty()) {
          out.append(static_cast<size_t>(indent), ' ');
          out += line;
        }
        if (nl == std::string_view::npos) break;
        start = nl + 1;
      }
      return;
    }
  }
}

void EmitScalar(const Json& v, int indent, std::string& out) {
  if (v.is_string()) {
    EmitString(v.get_ref<const std::string&>(), indent, out);
  } else if (v.is_null()) {
    out += "null";
  } else if (v.is_boolean()) {
    out += v.get<bool>() ? "true" : "false";
  } else {
    out += v.dump();
  }
}

void EmitNode(const Json& v, int indent, std::string& out);

void EmitMapEntries(const Json& obj, int indent, bool first_inline, std::string& out) {
  std::vector<std::string> keys;
  for (auto it = obj.begin(); it != obj.end(); ++it) keys.push_back(it.key());
  std::sort(keys.begin(), keys.end());
  bool first = true;
  for (const std::string& k : keys) {
    if (!(first && first_inline)) out.append(static_cast<size_t>(indent), ' ');
    first = false;
    EmitString(k, indent + 2, out);
    out += ':';
    const Json& val = obj[k];
    if (val.is_object() && !val.empty()) {
      out += '\n';
      EmitMapEntries(val, indent + 2, false, out);
    } else if (val.is_array() && !val.empty()) {
      out += '\n';
      EmitNode(val, indent, out);  // sequences sit at the key's indentation
    } else {
      out += ' ';
      if (val.is_object()) {
        out += "{}";
      } else if (val.is_array()) {
        out += "[]";
      } else {
        EmitScalar(val, indent + 2, out);
      }
      out += '\n';
    }
  }
}

void EmitNode(const Json& v, int indent, std::string& out) {
  if (v.is_object() && !v.empty()) {
    EmitMapEntries(v, indent, false, out);
    return;
  }
  if (v.is_array() && !v.empty()) {
    for (const Json& item : v) {
      out.append(static_cast<size_t>(indent), ' ');
      out += "- ";
      if (item.is_object() && !item.empty()) {
        EmitMapEntries(item, indent + 2, true, out);
      } else if (item.is_array() && !item.empty()) {
        out += '\n';
        EmitNode(item, indent + 2, out);
      } else {
        if (item.is_object()) {
          out += "{}";
        } else if (item.is_array()) {
          out += "[]";
        } else {
          EmitScalar(item, indent + 2, out);
        }
        out += '\n';
      }
    }
    return;
  }
  if (v.is_object()) {
    out += "{}\n";
  } else if (v.is_array()) {
    out += "[]\n";
  } else {
    EmitScalar(v, indent, out);
    out += '\n';
  }
}

}  // namespace

int SourceMap::LineFor(std::string_view path) const {
  if (!lines_) return doc_line_;
  std::string p = prefix_;
  if (!p.empty() && !path.empty()) p += '.';
  p += path;
  while (!p.empty()) {
    if (auto it = lines_->find(p); it != lines_->end()) return it->second;
    // Field names never contain '.', so the last '.' separates the last field; an entry
    // "[...]" is cut at its '['.
    size_t cut = 0;
    if (p.back() == ']') {
      cut = p.rfind('[');
    } else if (const size_t dot = p.rfind('.'); dot != std::string::npos) {
      cut = dot;
    }
    if (cut == std::string::npos) break;
    p.resize(cut);
  }
  return doc_line_;
}

SourceMap SourceMap::WithPrefix(std::string_view prefix) const {
  SourceMap view = *this;
  if (!view.prefix_.empty()) view.prefix_ += '.';
  view.prefix_ += prefix;
  return view;
}

std::string SourceMap::Locate(std::string_view path) const {
  const int line = LineFor(path);
  if (file_.empty()) return line > 0 ? fmt::format("line {}", line) : std::string();
  return line > 0 ? fmt::format("{}:{}", file_, line) : file_;
}

namespace {

// yaml-cpp 0.7 (Debian 12) loops forever, allocating, on inputs such as "{}," (upstream issue
// 1040): the parser keeps returning empty documents without moving forward. This pass walks
// the document starts without building anything and fails when one does not advance, so
// LoadAll only ever sees input it terminates on.
class DocumentProbe final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    stuck_ = docs_ > 0 && mark.pos <= last_pos_;
    last_pos_ = mark.pos;
    ++docs_;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  bool stuck() const { return stuck_; }

 private:
  int docs_ = 0;
  int last_pos_ = -1;
  bool stuck_ = false;
};

// Fails (with the position) when yaml-cpp would not terminate on `text`.
base::Status ProbeDocuments(const std::string& text, std::string_view file_name) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentProbe probe;
  while (parser.HandleNextDocument(probe)) {
    if (probe.stuck()) {
      return base::InvalidError("{}: yaml: did not find expected node content", file_name);
    }
  }
  return {};
}

}  // namespace

base::Result<std::vector<YamlDocument>> ParseYamlDocuments(std::string_view text,
                                                           std::string_view file_name) {
  std::vector<YAML::Node> nodes;
  try {
    const std::string copy(text);
    RETURN_IF_ERROR(ProbeDocuments(copy, file_name));
    nodes = YAML::LoadAll(copy);
  } catch (const YAML::Exception& e) {
    if (e.mark.line >= 0) {
      return base::InvalidError("{}:{}: yaml: {}", file_name, e.mark.line + 1, e.msg);
    }
    return base::InvalidError("{}: yaml: {}", file_name, e.msg);
  } catch (const std::exception& e) {
    return base::InvalidError("{}: yaml: {}", file_name, e.what());
  }
  std::vector<YamlDocument> docs;
  for (const YAML::Node& node : nodes) {
    if (node.IsNull() || !node.IsDefined()) continue;
    const int line = LineOf(node);
    YamlDocument doc{Json(), SourceMap(std::string(file_name), line)};
    Converter conv(doc.lines, file_name);
    try {
      RETURN_IF_ERROR(conv.Convert(node, FieldPath(), line, &doc.json));
    } catch (const YAML::Exception& e) {
      return base::InvalidError("{}:{}: yaml: {}", file_name, e.mark.line + 1, e.msg);
    }
    docs.push_back(std::move(doc));
  }
  return docs;
}

std::string EmitYaml(const Json& value) {
  std::string out;
  EmitNode(value, 0, out);
  return out;
}

}  // namespace cubelet::api

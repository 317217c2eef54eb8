// RFC 6902 JSON patch (application/json-patch+json) with RFC 6901 JSON pointers.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "api/patch.h"

namespace cubelet::api {
namespace {

using base::InvalidError;
using base::Status;

// A parsed JSON pointer: the unescaped reference tokens ("/a~1b/0" is {"a/b", "0"}).
using Pointer = std::vector<std::string>;

base::Result<Pointer> ParsePointer(std::string_view text) {
  Pointer tokens;
  if (text.empty()) return tokens;  // the whole document
  if (text[0] != '/') return InvalidError("JSON pointer \"{}\" does not start with /", text);
  size_t start = 1;
  while (true) {
    const size_t end = std::min(text.find('/', start), text.size());
    std::string token;
    for (size_t i = start; i < end; ++i) {
      if (text[i] != '~') {
        token += text[i];
        continue;
      }
      // "~0" is "~" and "~1" is "/"; any other "~" makes the pointer invalid (RFC 6901 §3).
      if (i + 1 >= end || (text[i + 1] != '0' && text[i + 1] != '1')) {
        return InvalidError("JSON pointer \"{}\" has an invalid ~ escape", text);
      }
      token += text[i + 1] == '0' ? '~' : '/';
      ++i;
    }
    tokens.push_back(std::move(token));
    if (end == text.size()) break;
    start = end + 1;
  }
  return tokens;
}

// An array index token: digits without a leading zero (RFC 6901 §4), so "01" and "-1" are not
// indexes. Returns nullopt for anything else, "-" included.
std::optional<size_t> ArrayIndex(const std::string& token) {
  if (token.empty() || token.size() > 9) return std::nullopt;
  if (token.size() > 1 && token[0] == '0') return std::nullopt;
  size_t index = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return std::nullopt;
    index = index * 10 + static_cast<size_t>(c - '0');
  }
  return index;
}

// The value `pointer` names inside `doc`, or nullptr when there is none.
Json* Find(Json& doc, const Pointer& pointer, size_t depth) {
  Json* node = &doc;
  for (size_t i = 0; i < depth; ++i) {
    const std::string& token = pointer[i];
    if (node->is_object()) {
      auto found = node->find(token);
      if (found == node->end()) return nullptr;
      node = &*found;
    } else if (node->is_array()) {
      const std::optional<size_t> index = ArrayIndex(token);
      if (!index || *index >= node->size()) return nullptr;
      node = &(*node)[*index];
    } else {
      return nullptr;
    }
  }
  return node;
}
Json* Find(Json& doc, const Pointer& pointer) { return Find(doc, pointer, pointer.size()); }

// Where an operation writes: the container of the last token.
Json* Parent(Json& doc, const Pointer& pointer) { return Find(doc, pointer, pointer.size() - 1); }

// RFC 6902 "add" (also the second half of move and copy).
Status Add(Json& doc, const Pointer& pointer, std::string_view path, Json value) {
  if (pointer.empty()) {
    doc = std::move(value);
    return Status::Ok();
  }
  Json* parent = Parent(doc, pointer);
  if (parent == nullptr) return InvalidError("doc is missing path: \"{}\"", path);
  const std::string& last = pointer.back();
  if (parent->is_object()) {
    (*parent)[last] = std::move(value);
    return Status::Ok();
  }
  if (!parent->is_array()) return InvalidError("doc is missing path: \"{}\"", path);
  if (last == "-") {
    parent->push_back(std::move(value));
    return Status::Ok();
  }
  const std::optional<size_t> index = ArrayIndex(last);
  if (!index || *index > parent->size()) {
    return InvalidError("invalid array index in path: \"{}\"", path);
  }
  parent->insert(parent->begin() + static_cast<std::ptrdiff_t>(*index), std::move(value));
  return Status::Ok();
}

// RFC 6902 "remove": returns the removed value.
base::Result<Json> Remove(Json& doc, const Pointer& pointer, std::string_view path) {
  if (pointer.empty()) return InvalidError("cannot remove the whole document");
  Json* parent = Parent(doc, pointer);
  const std::string& last = pointer.back();
  if (parent != nullptr && parent->is_object()) {
    const auto found = parent->find(last);
    if (found != parent->end()) {
      Json removed = std::move(*found);
      parent->erase(found);
      return removed;
    }
  } else if (parent != nullptr && parent->is_array()) {
    const std::optional<size_t> index = ArrayIndex(last);
    if (index && *index < parent->size()) {
      Json removed = std::move((*parent)[*index]);
      parent->erase(*index);
      return removed;
    }
  }
  return InvalidError("doc is missing path: \"{}\"", path);
}

// Reads a member of an operation that must be a string ("op", "path", "from").
base::Result<std::string> StringMember(const Json& op, const char* name) {
  auto found = op.find(name);
  if (found == op.end()) return InvalidError("missing \"{}\"", name);
  if (!found->is_string()) return InvalidError("\"{}\" must be a string", name);
  return found->get<std::string>();
}

base::Result<Json> ValueMember(const Json& op) {
  auto found = op.find("value");
  if (found == op.end()) return InvalidError("missing \"value\"");
  return *found;
}

// True when `inner` lies strictly inside `outer` (a move into its own child is invalid).
bool IsProperPrefix(const Pointer& outer, const Pointer& inner) {
  if (outer.size() >= inner.size()) return false;
  for (size_t i = 0; i < outer.size(); ++i) {
    if (outer[i] != inner[i]) return false;
  }
  return true;
}

// Applies one operation to `doc`; the message says what failed, the caller adds the index.
Status ApplyOperation(Json& doc, const Json& op) {
  if (!op.is_object()) return InvalidError("operation is not an object");
  ASSIGN_OR_RETURN(const std::string kind, StringMember(op, "op"));
  ASSIGN_OR_RETURN(const std::string path, StringMember(op, "path"));
  ASSIGN_OR_RETURN(const Pointer pointer, ParsePointer(path));
  const auto failed = [&](const Status& s) { return s.WithContext(kind + " operation"); };

  if (kind == "add") {
    ASSIGN_OR_RETURN(Json value, ValueMember(op));
    return failed(Add(doc, pointer, path, std::move(value)));
  }
  if (kind == "remove") return failed(Remove(doc, pointer, path).status());
  if (kind == "replace") {
    ASSIGN_OR_RETURN(Json value, ValueMember(op));
    Json* target = Find(doc, pointer);
    if (target == nullptr) return failed(InvalidError("doc is missing path: \"{}\"", path));
    *target = std::move(value);
    return Status::Ok();
  }
  if (kind == "test") {
    ASSIGN_OR_RETURN(Json value, ValueMember(op));
    Json* target = Find(doc, pointer);
    // JSON equality: object key order does not matter, 1 equals 1.0.
    if (target == nullptr || !JsonEqual(*target, value)) {
      return InvalidError("testing value {} failed: test failed", path);
    }
    return Status::Ok();
  }
  if (kind == "move" || kind == "copy") {
    ASSIGN_OR_RETURN(const std::string from, StringMember(op, "from"));
    ASSIGN_OR_RETURN(const Pointer from_pointer, ParsePointer(from));
    Json* source = Find(doc, from_pointer);
    if (source == nullptr) return failed(InvalidError("doc is missing from path: \"{}\"", from));
    if (kind == "copy") return failed(Add(doc, pointer, path, *source));
    if (from_pointer == pointer) return Status::Ok();
    if (IsProperPrefix(from_pointer, pointer)) {
      return failed(InvalidError("cannot move \"{}\" into its own child \"{}\"", from, path));
    }
    // A failure below leaves `doc` half moved; ApplyJsonPatch then discards it as a whole.
    ASSIGN_OR_RETURN(Json value, Remove(doc, from_pointer, from));
    return failed(Add(doc, pointer, path, std::move(value)));
  }
  return InvalidError("unknown op \"{}\"", kind);
}

}  // namespace

base::Result<Json> ApplyJsonPatch(const Json& original, const Json& patch) {
  if (!patch.is_array()) return InvalidError("json patch must be an array of operations");
  Json doc = original;
  for (size_t i = 0; i < patch.size(); ++i) {
    const Status status = ApplyOperation(doc, patch[i]);
    if (!status.ok()) return status.WithContext(fmt::format("json patch operation {}", i));
  }
  return doc;
}

}  // namespace cubelet::api

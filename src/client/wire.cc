#include "client/wire.h"

#include <string>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace cubelet::client {

std::string StringField(const api::Json& json, std::string_view key) {
  if (!json.is_object()) return {};
  const auto it = json.find(key);
  return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
}

api::Json EncodeForWire(const api::Object& obj) {
  const api::KindInfo& kind = api::KindOf(obj);
  api::Json json = api::EncodeObject(obj);
  json["kind"] = std::string(kind.kind);
  json["apiVersion"] = std::string(kind.api_version);
  return json;
}

base::Result<api::Json> ParseBody(std::string_view body, std::string_view action) {
  api::Json json = api::Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return base::InternalError("decoding the response to {}: not JSON: {}", action,
                               api::GoQuote(body.substr(0, 100)));
  }
  return json;
}

base::Result<api::Object> DecodeFromWire(api::Json json, const api::KindInfo& kind) {
  if (!json.is_object()) {
    return base::InternalError("decoding {}: expected an object, got {}", kind.kind,
                               json.type_name());
  }
  // Missing, null or empty kind/apiVersion all mean "the collection's kind".
  for (const char* key : {"kind", "apiVersion"}) {
    auto it = json.find(key);
    if (it == json.end() || it->is_null() || (it->is_string() && it->get<std::string>().empty())) {
      json[key] = std::string(key[0] == 'k' ? kind.kind : kind.api_version);
    }
  }
  if (json["kind"] != kind.kind || json["apiVersion"] != kind.api_version) {
    return base::InternalError("decoding {}: the server sent {} {}", kind.kind,
                               json["apiVersion"].dump(), json["kind"].dump());
  }
  api::Object obj;
  api::FieldErrors errs = api::DecodeObject(json, &obj);
  std::string problems;
  for (const api::FieldError& e : errs) {
    if (e.type == api::FieldErrorType::kUnknownField) continue;
    problems += problems.empty() ? "" : "; ";
    problems += e.ToString();
  }
  if (!problems.empty()) {
    const std::string name = StringField(json["metadata"], "name");
    return base::InternalError("decoding {} \"{}\" from the server: {}", kind.kind, name, problems);
  }
  return obj;
}

base::Result<ListResult> DecodeList(const api::Json& json, const api::KindInfo& kind) {
  if (!json.is_object()) {
    return base::InternalError("decoding {} list: expected an object, got {}", kind.kind,
                               json.type_name());
  }
  ListResult out;
  if (auto meta = json.find("metadata"); meta != json.end()) {
    out.resource_version = StringField(*meta, "resourceVersion");
    out.continue_token = StringField(*meta, "continue");
  }
  auto items = json.find("items");
  if (items == json.end() || items->is_null()) return out;
  if (!items->is_array()) {
    return base::InternalError("decoding {} list: items is {}, not an array", kind.kind,
                               items->type_name());
  }
  out.items.reserve(items->size());
  for (size_t i = 0; i < items->size(); ++i) {
    auto obj = DecodeFromWire((*items)[i], kind);
    if (!obj.ok()) return obj.status().WithContext(fmt::format("items[{}]", i));
    out.items.push_back(std::move(obj).value());
  }
  return out;
}

}  // namespace cubelet::client

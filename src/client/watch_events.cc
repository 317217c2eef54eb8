#include "client/watch_events.h"

#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "client/errors.h"
#include "client/wire.h"

namespace cubelet::client {
namespace {

std::optional<EventType> ParseEventType(std::string_view name) {
  for (EventType t : {EventType::kAdded, EventType::kModified, EventType::kDeleted,
                      EventType::kBookmark, EventType::kError}) {
    if (EventTypeName(t) == name) return t;
  }
  return std::nullopt;
}

}  // namespace

std::string_view EventTypeName(EventType type) {
  switch (type) {
    case EventType::kAdded:
      return "ADDED";
    case EventType::kModified:
      return "MODIFIED";
    case EventType::kDeleted:
      return "DELETED";
    case EventType::kBookmark:
      return "BOOKMARK";
    case EventType::kError:
      return "ERROR";
  }
  return "UNKNOWN";
}

base::Result<WatchEvent> DecodeWatchEvent(std::string_view line, const api::KindInfo& kind) {
  api::Json json = api::Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    return base::InternalError("watch {}: undecodable event: {}", kind.resource,
                               api::GoQuote(line.substr(0, 100)));
  }
  const std::string type_name = StringField(json, "type");
  const std::optional<EventType> type = ParseEventType(type_name);
  if (!type) {
    return base::InternalError("watch {}: unknown event type {}", kind.resource,
                               api::GoQuote(type_name));
  }
  auto object = json.find("object");
  if (object == json.end() || !object->is_object()) {
    return base::InternalError("watch {}: {} event without an object", kind.resource, type_name);
  }
  WatchEvent event;
  event.type = *type;
  if (*type == EventType::kError) {
    api::StatusObject status;
    (void)api::DecodeJson(*object, &status);  // whatever decoded is the best account we have
    event.error = StatusFromObject(status);
    if (event.error.ok()) event.error = base::InternalError("watch {}: empty ERROR", kind.resource);
    return event;
  }
  auto obj = DecodeFromWire(std::move(*object), kind);
  if (!obj.ok()) return obj.status().WithContext(fmt::format("watch {}", kind.resource));
  event.object = std::move(obj).value();
  return event;
}

base::Status WatchEventDecoder::Feed(std::string_view piece, std::vector<WatchEvent>* out) {
  size_t start = 0;
  while (start < piece.size()) {
    const size_t nl = piece.find('\n', start);
    if (nl == std::string_view::npos) {
      if (pending_.size() + (piece.size() - start) > kMaxLine) {
        return base::Error(base::Code::kResourceExhausted,
                           "watch {}: an event longer than {} bytes", kind_.resource, kMaxLine);
      }
      pending_.append(piece.substr(start));
      break;
    }
    base::Status s;
    if (pending_.empty()) {
      s = DecodeLine(piece.substr(start, nl - start), out);
    } else {
      pending_.append(piece.substr(start, nl - start));
      s = DecodeLine(pending_, out);
      pending_.clear();
    }
    RETURN_IF_ERROR(s);
    start = nl + 1;
  }
  return base::Status::Ok();
}

base::Status WatchEventDecoder::Finish(std::vector<WatchEvent>* out) {
  std::string last = std::move(pending_);
  pending_.clear();
  return DecodeLine(last, out);
}

base::Status WatchEventDecoder::DecodeLine(std::string_view line, std::vector<WatchEvent>* out) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  if (line.find_first_not_of(" \t") == std::string_view::npos) return base::Status::Ok();
  ASSIGN_OR_RETURN(WatchEvent event, DecodeWatchEvent(line, kind_));
  out->push_back(std::move(event));
  return base::Status::Ok();
}

}  // namespace cubelet::client

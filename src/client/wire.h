// Objects to and from the JSON the API server speaks. Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "api/api.h"
#include "base/status.h"
#include "client/client.h"

namespace cubelet::client {

// The object's JSON with kind and apiVersion set from its type: the server refuses bodies
// whose kind it cannot tell, and a caller may have cleared them.
api::Json EncodeForWire(const api::Object& obj);

// The string at `key` of a JSON object, or "" when `json` is not an object or the value is not
// a string (never throws, unlike Json::value).
std::string StringField(const api::Json& json, std::string_view key);

// Parses a response body; Internal when it is not JSON ("decoding the response to <action>").
base::Result<api::Json> ParseBody(std::string_view body, std::string_view action);

// Decodes one object of `kind`. kind and apiVersion are filled in when absent (list items may
// omit them); another kind is an error. Unlike the server, the client ignores unknown fields,
// as client-go does, so a newer server's additions do not break it; wrong types still fail.
base::Result<api::Object> DecodeFromWire(api::Json json, const api::KindInfo& kind);

// A "<Kind>List": every item decoded with the list's kind, plus resourceVersion and continue.
// "items": null is an empty list.
base::Result<ListResult> DecodeList(const api::Json& json, const api::KindInfo& kind);

}  // namespace cubelet::client

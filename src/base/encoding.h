// Byte encodings used on the wire: standard base64 (Secret data, docker config "auth").
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace cubelet::base {

// Standard alphabet with '=' padding, as Go's base64.StdEncoding.
std::string Base64Encode(std::string_view bytes);
// Strict: the standard alphabet, correct padding, no whitespace (what the API server accepts
// for []byte fields).
Result<std::string> Base64Decode(std::string_view text);

}  // namespace cubelet::base

// Continue tokens of paginated lists, in Kubernetes' format (apiserver/pkg/storage
// EncodeContinue): unpadded base64url of {"v":"meta.k8s.io/v1","rv":<revision>,"start":"<key>"}
// where <key> is "<namespace>/<name>\0", the first key the next page may hold. Clients treat
// the token as opaque; the format only matters for reading our own tokens back.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace cubelet::store {

struct ContinueToken {
  int64_t rv = 0;
  // The last key of the previous page: the next page starts after it.
  std::string namespace_;
  std::string name;
};

std::string EncodeContinueToken(const ContinueToken& token);

// Invalid "continue key is not valid: ..." for anything but a token EncodeContinueToken made.
base::Result<ContinueToken> DecodeContinueToken(std::string_view text);

}  // namespace cubelet::store

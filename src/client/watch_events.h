// The watch wire format: one JSON event per line, {"type":"ADDED","object":{...}}, arriving in
// pieces that split lines anywhere. Pure code; the HTTP side is in http_watch.cc.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.h"
#include "base/status.h"
#include "client/client.h"

namespace cubelet::client {

// Decodes one event line. ERROR events carry the Status as `error`; an undecodable line is an
// Internal failure.
base::Result<WatchEvent> DecodeWatchEvent(std::string_view line, const api::KindInfo& kind);

// Reassembles lines from body pieces and decodes them.
class WatchEventDecoder {
 public:
  // One event (or metav1 object) is far below this; a longer line means a broken stream.
  static constexpr size_t kMaxLine = 64 << 20;

  explicit WatchEventDecoder(const api::KindInfo& kind) : kind_(kind) {}

  // Appends a piece and decodes every line it completes (blank lines are skipped). A failure
  // (an undecodable or overlong line) is final: the stream cannot be trusted after it.
  base::Status Feed(std::string_view piece, std::vector<WatchEvent>* out);
  // At the end of the body: decodes a last line that lacked its newline.
  base::Status Finish(std::vector<WatchEvent>* out);

 private:
  base::Status DecodeLine(std::string_view line, std::vector<WatchEvent>* out);

  api::KindInfo kind_;
  std::string pending_;
};

}  // namespace cubelet::client

#include "runtime/runtime.h"
#include "runtime/shared/crilog.h"

namespace cubelet::runtime {

base::Status ReadContainerLog(const std::string& log_path, const LogReadOptions& options,
                              const std::function<bool(std::string_view line)>& sink) {
  CriLogReadOptions ro;
  ro.timestamps = options.timestamps;
  ro.tail_lines = options.tail_lines;
  ro.since_unix_ns = options.since_unix_ns;
  ro.limit_bytes = options.limit_bytes;
  std::string error;
  if (!ReadCriLog(
          log_path, ro, [&sink](CriStream, std::string_view text) { return sink(text); }, &error)) {
    return base::Status(base::Code::kNotFound, error);
  }
  return base::Status::Ok();
}

}  // namespace cubelet::runtime

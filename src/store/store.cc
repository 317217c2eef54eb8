// The free functions of the public header.
#include "store/store.h"

#include <charconv>

#include "api/field_errors.h"

namespace cubelet::store {

std::string ObjectKey::ToString() const {
  if (namespace_.empty()) return resource + "/" + name;
  return resource + "/" + namespace_ + "/" + name;
}

ObjectKey KeyOf(const api::Object& obj) {
  const api::ObjectMeta& meta = api::MetaOf(obj);
  return ObjectKey{std::string(api::KindOf(obj).resource), meta.namespace_, meta.name};
}

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
  return "ERROR";
}

base::Result<int64_t> ParseResourceVersion(std::string_view rv) {
  if (rv.empty()) return int64_t{0};
  int64_t value = 0;
  const char* end = rv.data() + rv.size();
  auto [ptr, ec] = std::from_chars(rv.data(), end, value);
  // Go's strconv.ParseUint texts, which Kubernetes passes through.
  if (ec == std::errc::result_out_of_range) {
    return base::InvalidError("{}", api::Invalid(api::FieldPath("resourceVersion"), rv,
                                                 fmt::format("invalid resource version: "
                                                             "strconv.ParseUint: parsing {}: "
                                                             "value out of range",
                                                             api::GoQuote(rv)))
                                        .ToString());
  }
  if (ec != std::errc() || ptr != end || value < 0 || rv[0] == '-' || rv[0] == '+') {
    return base::InvalidError("{}", api::Invalid(api::FieldPath("resourceVersion"), rv,
                                                 fmt::format("invalid resource version: "
                                                             "strconv.ParseUint: parsing {}: "
                                                             "invalid syntax",
                                                             api::GoQuote(rv)))
                                        .ToString());
  }
  return value;
}

}  // namespace cubelet::store

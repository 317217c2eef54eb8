// `kubectl get events`: LAST SEEN TYPE REASON OBJECT MESSAGE, wide SUBOBJECT SOURCE FIRST SEEN
// COUNT NAME (current kube-apiserver's columns; old ones led with FIRST SEEN and COUNT).
#include <array>
#include <cctype>
#include <string>

#include "apiserver/printers.h"

namespace cubelet::apiserver {
namespace {

constexpr std::array kEventColumns = {
    ColumnDefinition{"Last Seen", "string", "",
                     "The time at which the most recent occurrence of this event was recorded.", 0},
    ColumnDefinition{"Type", "string", "",
                     "Type of this event (Normal, Warning), new types could be added in the future",
                     0},
    ColumnDefinition{"Reason", "string", "",
                     "This should be a short, machine understandable string that gives the reason "
                     "for the transition into the object's current status.",
                     0},
    ColumnDefinition{"Object", "string", "", "The object that this event is about.", 0},
    ColumnDefinition{
        "Subobject", "string", "",
        "If referring to a piece of an object instead of an entire object, this string should "
        "contain a valid JSON/Go field access statement, such as "
        "desiredState.manifest.containers[2]. For example, if the object reference is to a "
        "container within a pod, this would take on a value like: \"spec.containers{name}\" "
        "(where \"name\" refers to the name of the container that triggered the event) or if no "
        "container name is specified \"spec.containers[2]\" (container with index 2 in this "
        "pod). This syntax is chosen only to have some well-defined way of referencing a part of "
        "an object.",
        1},
    ColumnDefinition{"Source", "string", "",
                     "The component reporting this event. Should be a short machine "
                     "understandable string.",
                     1},
    ColumnDefinition{"Message", "string", "",
                     "A human-readable description of the status of this operation.", 0},
    ColumnDefinition{"First Seen", "string", "",
                     "The time at which the event was first recorded. (Time of server receipt is "
                     "in TypeMeta.)",
                     1},
    ColumnDefinition{"Count", "string", "", "The number of times this event has occurred.", 1},
    ColumnDefinition{"Name", "string", "name", kNameDescription, 1},
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// strings.TrimSpace, for ASCII whitespace (Go also trims Unicode spaces such as U+00A0).
std::string TrimSpace(const std::string& s) {
  constexpr std::string_view kSpace = " \t\n\v\f\r";
  const size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(kSpace) - begin + 1);
}

// "kubelet, node1": the legacy source, or the events.k8s.io reporting fields when it is empty.
std::string Source(const api::Event& e) {
  const std::string& component =
      e.source.component.empty() ? e.reporting_component : e.source.component;
  const std::string& instance = e.source.host.empty() ? e.reporting_instance : e.source.host;
  return instance.empty() ? component : component + ", " + instance;
}

}  // namespace

std::span<const ColumnDefinition> EventColumns() { return kEventColumns; }

api::Json Cells(const api::Event& e, base::TimePoint now) {
  // Events recorded through events.k8s.io carry eventTime and series instead of the legacy
  // timestamps and count.
  const std::string first =
      e.first_timestamp.IsZero() ? Age(e.event_time, now) : Age(e.first_timestamp, now);
  std::string last = e.last_timestamp.IsZero() ? first : Age(e.last_timestamp, now);
  int64_t count = e.count;
  if (e.series) {
    last = Age(e.series->last_observed_time, now);
    count = e.series->count;
  } else if (count == 0) {
    count = 1;  // a singleton event of the new API
  }
  const api::ObjectReference& obj = e.involved_object;
  const std::string target = obj.name.empty() ? Lower(obj.kind) : Lower(obj.kind) + "/" + obj.name;
  return api::Json::array({last, e.type, e.reason, target, obj.field_path, Source(e),
                           TrimSpace(e.message), first, count, e.metadata.name});
}

}  // namespace cubelet::apiserver

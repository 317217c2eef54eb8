// Table assembly: columns by kind, one row per object, and the object each row carries
// (kube-apiserver's TableConvertor plus the includeObject handling of its response writer).
#include "apiserver/printers.h"

#include <variant>

namespace cubelet::apiserver {
namespace {

api::Json ColumnJson(const ColumnDefinition& c) {
  // Every field is written, empty or not: TableColumnDefinition has no omitempty.
  return api::Json{{"name", c.name},
                   {"type", c.type},
                   {"format", c.format},
                   {"description", c.description},
                   {"priority", c.priority}};
}

// The row's "object": what the client asked for with includeObject.
api::Json RowObject(const api::Object& obj, IncludeObject include) {
  switch (include) {
    case IncludeObject::kNone:
      return nullptr;
    case IncludeObject::kObject:
      return api::EncodeObject(obj);
    case IncludeObject::kMetadata:
      break;
  }
  // The whole ObjectMeta, encoded as the object itself encodes it: kubectl reads namespace
  // (-A) and labels (--show-labels) from here.
  api::Json meta = api::EncodeObject(obj)["metadata"];
  return api::Json{{"kind", "PartialObjectMetadata"},
                   {"apiVersion", "meta.k8s.io/v1"},
                   {"metadata", std::move(meta)}};
}

// Table rows of finished pods carry a Completed condition (informational: kubectl still lists
// them).
api::Json RowConditions(const api::Object& obj) {
  const auto* pod = std::get_if<api::Pod>(&obj);
  if (pod == nullptr) return nullptr;
  if (pod->status.phase == "Succeeded") {
    return api::Json::array({{{"type", "Completed"},
                              {"status", "True"},
                              {"reason", "Succeeded"},
                              {"message", "The pod has completed successfully."}}});
  }
  if (pod->status.phase == "Failed") {
    return api::Json::array({{{"type", "Completed"},
                              {"status", "True"},
                              {"reason", "Failed"},
                              {"message", "The pod failed."}}});
  }
  return nullptr;
}

api::Json Row(const api::Object& obj, base::TimePoint now, IncludeObject include) {
  api::Json row = api::Json::object();
  row["cells"] = RowCells(obj, now);
  if (api::Json conditions = RowConditions(obj); !conditions.is_null()) {
    row["conditions"] = std::move(conditions);  // omitempty
  }
  // No omitempty applies to the object (a struct in Go): kNone writes "object": null.
  row["object"] = RowObject(obj, include);
  return row;
}

api::Json Table(std::string_view kind, api::Json rows, std::string_view resource_version,
                const TableOptions& options) {
  api::Json metadata = api::Json::object();
  if (!resource_version.empty()) metadata["resourceVersion"] = resource_version;
  api::Json columns = nullptr;  // a nil slice in Go
  if (!options.no_headers) {
    columns = api::Json::array();
    for (const ColumnDefinition& c : ColumnsFor(kind)) columns.push_back(ColumnJson(c));
  }
  return api::Json{{"kind", "Table"},
                   {"apiVersion", "meta.k8s.io/v1"},
                   {"metadata", std::move(metadata)},
                   {"columnDefinitions", std::move(columns)},
                   {"rows", std::move(rows)}};
}

}  // namespace

std::optional<IncludeObject> ParseIncludeObject(std::string_view value) {
  if (value.empty() || value == "Metadata") return IncludeObject::kMetadata;
  if (value == "None") return IncludeObject::kNone;
  if (value == "Object") return IncludeObject::kObject;
  return std::nullopt;
}

std::span<const ColumnDefinition> ColumnsFor(std::string_view kind) {
  if (kind == "Pod") return PodColumns();
  if (kind == "Service") return ServiceColumns();
  if (kind == "Endpoints") return EndpointsColumns();
  if (kind == "Event") return EventColumns();
  if (kind == "Namespace") return NamespaceColumns();
  if (kind == "Node") return NodeColumns();
  if (kind == "ConfigMap") return ConfigMapColumns();
  if (kind == "Secret") return SecretColumns();
  if (kind == "ServiceAccount") return ServiceAccountColumns();
  if (kind == "Deployment") return DeploymentColumns();
  if (kind == "ReplicaSet") return ReplicaSetColumns();
  if (kind == "Lease") return LeaseColumns();
  return {};
}

api::Json RowCells(const api::Object& object, base::TimePoint now) {
  return std::visit([now](const auto& obj) { return Cells(obj, now); }, object);
}

api::Json TableFor(std::string_view kind, const std::vector<api::Object>& objects,
                   std::string_view resource_version, base::TimePoint now,
                   const TableOptions& options) {
  api::Json rows = api::Json::array();
  for (const api::Object& obj : objects) rows.push_back(Row(obj, now, options.include_object));
  return Table(kind, std::move(rows), resource_version, options);
}

api::Json TableFor(const api::Object& object, base::TimePoint now, const TableOptions& options) {
  api::Json rows = api::Json::array({Row(object, now, options.include_object)});
  return Table(api::KindOf(object).kind, std::move(rows), api::MetaOf(object).resource_version,
               options);
}

}  // namespace cubelet::apiserver

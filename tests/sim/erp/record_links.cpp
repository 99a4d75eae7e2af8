#include "record_links.h"

#include "json_body.h"
#include "netsuite_error.h"
#include "route_table.h"

namespace sb::erpsim {

std::string record_url(const SimRequest& request, const std::string& type, const std::string& id) {
  return "http://" + request.host + kRecordBase + "/" + type + "/" + id;
}

Poco::JSON::Array::Ptr self_links(const std::string& url) {
  Poco::JSON::Array::Ptr links = new Poco::JSON::Array;
  if (!url.empty()) {
    auto self = new_object();
    self->set("rel", "self");
    self->set("href", url);
    links->add(self);
  }
  return links;
}

Poco::JSON::Object::Ptr ref_object(const std::string& id, const std::optional<MasterRecord>& target) {
  auto ref = new_object();
  ref->set("links", self_links(""));
  ref->set("id", id);
  if (target) ref->set("refName", target->name);
  return ref;
}

SimResponse created_response(const SimRequest& request, const StoredRecord& record) {
  SimResponse response;
  response.status = 204;
  response.created = true;
  response.headers.emplace_back("Location", record_url(request, record.type, record.id));
  return response;
}

std::optional<StoredRecord> find_record(const RecordStore& store, const std::string& type,
                                        const std::string& id_param) {
  if (id_param.rfind("eid:", 0) == 0) return store.find_by_external_id(type, id_param.substr(4));
  return store.find(type, id_param);
}

CheckedRef check_ref(const RecordStore& store, const char* kind, const Poco::JSON::Object::Ptr& parent,
                     const std::string& field, const std::string& error_path, const std::string& label,
                     bool required) {
  CheckedRef checked;
  if (!parent || !parent->has(field) || parent->get(field).isEmpty()) {
    if (required)
      checked.error = netsuite_error(400, error_code::kUserError, "Please enter value(s) for: " + label, error_path);
    return checked;
  }
  auto id = ref_id(parent, field);
  auto target = id ? store.find_master(kind, *id) : std::nullopt;
  if (!target || target->inactive) {
    checked.error = netsuite_error(
        400, error_code::kInvalidKeyOrRef,
        "Invalid Field Value " + (id ? *id : std::string("(none)")) + " for the following field: " + field,
        error_path);
    return checked;
  }
  checked.id = id;
  return checked;
}

std::optional<SimResponse> copy_line_columns(const Poco::JSON::Object::Ptr& line, const std::string& error_path,
                                             Poco::JSON::Object::Ptr out) {
  for (const char* column : kLineTextColumns) {
    if (!line || !line->has(column)) continue;
    auto value = line->get(column);
    if (!value.isString())
      return netsuite_error(400, error_code::kUserError,
                            std::string("Invalid value for field ") + column + " (a text field).",
                            error_path + "." + column);
    if (out) out->set(column, value.extract<std::string>());
  }
  return std::nullopt;
}

SimResponse not_found(const std::string& type, const std::string& id_param) {
  return netsuite_error(404, error_code::kNonexistentId,
                        "The record instance does not exist. Provide a valid record instance ID. (" + type +
                            "/" + id_param + ")");
}

}  // namespace sb::erpsim

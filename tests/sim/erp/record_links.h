// Shapes shared by every record type's answers: URLs, "links" arrays, and
// reference fields ({"id":"6","refName":"Main"}); and the checks every create
// makes on a reference field.
#pragma once

#include <optional>
#include <string>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "record_store.h"
#include "sim_http.h"

namespace sb::erpsim {

// "http://<Host>/services/rest/record/v1/<type>/<id>", as NetSuite names a record.
std::string record_url(const SimRequest& request, const std::string& type, const std::string& id);

// [{"rel":"self","href":url}]; an empty array when url is "".
Poco::JSON::Array::Ptr self_links(const std::string& url);

// {"links":[],"id":..,"refName":..}; refName omitted when the target is unknown.
Poco::JSON::Object::Ptr ref_object(const std::string& id, const std::optional<MasterRecord>& target);

// 204 No Content with Location naming the new record: NetSuite's answer to a create.
SimResponse created_response(const SimRequest& request, const StoredRecord& record);

// Resolves a "{type}/{id}" or "{type}/eid:{externalId}" path parameter against
// the transactions; nullopt when nothing has that id.
std::optional<StoredRecord> find_record(const RecordStore& store, const std::string& type,
                                        const std::string& id_param);

// A master-data reference in a request body. error is set (NetSuite-shaped)
// when the field is required and missing, or names an unknown or inactive record.
struct CheckedRef {
  std::optional<std::string> id;  // the referenced internal id, when present and valid
  std::optional<SimResponse> error;
};
CheckedRef check_ref(const RecordStore& store, const char* kind, const Poco::JSON::Object::Ptr& parent,
                     const std::string& field, const std::string& error_path, const std::string& label,
                     bool required);

SimResponse not_found(const std::string& type, const std::string& id_param);

// Custom transaction-line columns (text) an integration's bundle adds, kept on
// every stored line whose request line carries them: custcol_sb_uom_conversion
// records the unit conversion the client applied, so a case-vs-each mistake
// can be traced to the line that made it.
inline constexpr const char* kLineTextColumns[] = {"custcol_sb_uom_conversion"};

// Checks the custom columns of request line `line` (error_path is the line's
// path, e.g. "item.items[0]") and copies those present onto `out` (if not
// null). A value that is not a JSON string: 400 USER_ERROR naming the field.
std::optional<SimResponse> copy_line_columns(const Poco::JSON::Object::Ptr& line, const std::string& error_path,
                                             Poco::JSON::Object::Ptr out);

}  // namespace sb::erpsim

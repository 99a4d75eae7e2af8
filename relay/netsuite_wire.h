// NetSuite's wire details shared by the connector's files: paths, the error
// body, ids from Location headers, SuiteQL quoting. Internal to relay/.
#pragma once

#include <cstdint>
#include <string>

namespace sb::relay::netsuite {

inline constexpr char kRecordBase[] = "/services/rest/record/v1";
inline constexpr char kSuiteQl[] = "/services/rest/query/v1/suiteql";
// Transaction body field (a custom field the account must have) listing every
// event id a coalesced net adjustment stands for.
inline constexpr char kEventIdsField[] = "custbody_sb_event_ids";
// Transaction line field (custom column) recording the unit conversion used.
inline constexpr char kUomConversionField[] = "custcol_sb_uom_conversion";

// At most `max` bytes of s, never cutting a UTF-8 character (a reason must stay
// valid UTF-8 to travel in a protobuf string).
std::string utf8_prefix(const std::string& s, size_t max);

struct NetSuiteError {
  std::string code;
  std::string detail;
  std::string path;
};

// The first entry of NetSuite's o:errorDetails, or the title when there is none.
NetSuiteError parse_error(const std::string& body);
std::string describe(const NetSuiteError& e);
// The record id at the end of a Location header.
std::string id_from_location(const std::string& location);
std::string suiteql_quote(const std::string& s);
std::string tran_date(int64_t ms);
// Milliseconds of the steady clock (ages of cached master data).
int64_t steady_ms();

}  // namespace sb::relay::netsuite

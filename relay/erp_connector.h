// ErpConnector: how the relay puts one event into an ERP, and finds it again.
//
// Every record created carries the event's event_id as its external id, so
// the ERP itself refuses a second record for one fact, and after an ambiguous
// failure (timeout, dropped connection, 5xx) find() tells whether the first
// attempt landed. The outcome of a call is a value, never an exception:
// posted, rejected (permanent: held as an exception), or retry (transient;
// `ambiguous` when the ERP may have acted, `throttled` when it asked us to slow down).
// Thread-safety: implementations are called from several poster threads at once.
#pragma once

#include <string>
#include <vector>

#include "platform/core/clock.h"
#include "stockbridge/v1/wire.h"

namespace sb::relay {

struct ErpOutcome {
  enum class Kind { kPosted, kRejected, kRetry, kNotFound };
  Kind kind = Kind::kRetry;
  std::string erp_id;      // kPosted: the ERP's record id
  std::string reason;      // kRejected / kRetry: why, in words a person can act on
  bool ambiguous = false;  // kRetry: the ERP may have created the record
  bool throttled = false;  // kRetry: the ERP said "too many requests"
  Millis retry_after{0};   // kRetry: the ERP's Retry-After, if it gave one
  std::string cls;         // kRejected: the exception class (proto/stockbridge/v1/exceptions.h)

  static ErpOutcome posted(std::string id) { return {Kind::kPosted, std::move(id), "", false, false, Millis(0), ""}; }
  static ErpOutcome rejected(std::string why, std::string cls = "ERP_REJECTED") {
    return {Kind::kRejected, "", std::move(why), false, false, Millis(0), std::move(cls)};
  }
  static ErpOutcome retry(std::string why, bool ambiguous) {
    return {Kind::kRetry, "", std::move(why), ambiguous, false, Millis(0), ""};
  }
  static ErpOutcome throttle(std::string why, Millis after) {
    return {Kind::kRetry, "", std::move(why), false, true, after, ""};
  }
  static ErpOutcome not_found() { return {Kind::kNotFound, "", "", false, false, Millis(0), ""}; }
};

class ErpConnector {
 public:
  virtual ~ErpConnector() = default;
  // Creates the ERP record for `event` (external id = event.event_id()).
  virtual ErpOutcome post(const v1::Event& event) = 0;
  // Creates one record for the net of several stock adjustments of one SKU
  // and warehouse (coalesced by the poster under backlog): `net` is the first
  // of them carrying the summed quantity; its event_id is the external id, so
  // find(net) finds the record again. `covers` lists every event id the record
  // stands for (net's own first); a connector writes them on the record.
  virtual ErpOutcome post_net(const v1::Event& net, const std::vector<std::string>& covers) {
    (void)covers;
    return post(net);
  }
  // kPosted (with id) if the ERP holds a record with this event's external id,
  // kNotFound if it surely does not, kRetry if it cannot tell now.
  virtual ErpOutcome find(const v1::Event& event) = 0;
  virtual std::string name() const = 0;
  // Master data (items, units, ship items) may have changed in the ERP: forget
  // what is cached, so the next post reads it afresh (before re-validating held work).
  virtual void refresh_master_data() {}
};

}  // namespace sb::relay

// ErpFeed: the ERP change feed (the downlink's source). Each poll asks the ERP
// (NetSuite SuiteQL) what changed since a persisted cursor and queues commands
// for the sites in the CommandOutbox:
//   item      -> ItemUpsert to every site       command_id item:{id}:{lastmodifieddate}:{fingerprint}@{site}
//   shipitem  -> CarrierUpsert to every site    command_id carrier:{id}:{lastmodifieddate}:{fingerprint}@{site}
//   (the fingerprint of the upsert's content tells apart two changes within
//   the one second a stamp keeps)
//   SalesOrd released (custbody_released_to_wms = T, status B/D) at a mapped
//             location -> SalesOrderRelease to that location's site, release:{id}
//   SalesOrd released before and now cancelled (C), closed (H) or unreleased
//             -> SalesOrderCancel to the site it was released to, cancel:{id}
//   PurchOrd status B/D -> PurchaseOrderRelease, po:{id}
//   RtnAuth  status B/D -> ReturnAuthorisation, rma:{id}
// Master data carries the change stamp in its id, so every change goes out;
// (the outbox knows a command id once across all sites, hence @{site}); an
// order is released once: later edits of a released order are NOT re-sent
// (its command id is already in the outbox), only its cancellation is.
//
// Each feed's cursor (table "feed_cursors") is written only after the commands
// of the rows it covers were enqueued (each enqueue is durable), so a crash
// re-reads rows, and the outbox's command-id check makes that harmless.
// The ERP unavailable (transport error, 5xx, 429, 401/403) stops the poll with
// the cursor where it was; the next poll retries. A row that cannot become a
// command is logged, counted in stats().skipped by reason, and passed over by
// the cursor. When its reason can clear without the record changing (a ship
// method given its carrier code, an item's units fixed, the ERP readable
// again, a location mapped in the config), it waits in table "feed_waiting"
// and is read again by id on every poll (an unmapped location: on the first
// poll after a start, as the mapping is config) until it goes out or the ERP
// no longer has it; stats().waiting lists what waits, and why.
// Thread-safety: poll() from one thread at a time (the feed's own after
// start()); stats() from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "platform/core/clock.h"
#include "platform/core/json.h"
#include "platform/core/status.h"
#include "platform/http/http.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "relay/command_outbox.h"
#include "relay/erp_auth.h"

namespace sb::relay {

struct ErpFeedOptions {
  Millis interval{30'000};
  Millis overlap{120'000};                             // each poll re-reads this far behind its cursor
  size_t page_size = 500;                              // SuiteQL limit (1..1000)
  Millis timeout{30'000};                              // one ERP answer
  std::map<std::string, std::string> site_locations;   // ERP location id -> site id
  std::vector<std::string> sites;                      // items and ship items go here; empty = the mapped sites
  // An item or ship item changed in the ERP (its upsert is newly queued): held
  // events waiting for master data may now go on. `kind` is "item" (code: the
  // SKU) or "ship item" (code: CARRIER/SERVICE). Called on the feed's thread; return fast.
  std::function<void(const std::string& kind, const std::string& code)> on_master_data;
};

// The column a feed's rows carry their change stamp in, "YYYY-MM-DDTHH:MM:SS".
inline constexpr char kStampColumn[] = "lastmodified";
// Any ISO-8601 time as a change stamp (to the second, as NetSuite keeps them).
std::string change_stamp(std::string_view iso);

// A row's field as text: SuiteQL answers strings, a record may answer numbers or booleans (T/F).
std::string feed_text(const Json& row, const char* key);

// "a,b , c" -> {a, b, c}; empty entries are dropped.
std::vector<std::string> parse_site_list(const std::string& text);

struct ErpFeedStats {
  int64_t last_poll_ms = 0;  // wall ms of the last poll's start, 0 = never
  int64_t last_ok_ms = 0;    // wall ms of the last poll that read every feed to the end
  uint64_t polls = 0;
  uint64_t failed_polls = 0;
  std::map<std::string, uint64_t> queued;   // kind -> commands newly queued since start
  std::map<std::string, uint64_t> skipped;  // reason -> rows passed over since start
  std::string last_error;                   // "" after a poll that went through
  std::map<std::string, std::string> cursors;  // feed -> lastmodifieddate read through
  struct Waiting {
    std::string feed, id, reason, what, detail;
  };
  std::vector<Waiting> waiting;  // rows waiting to be read again (first 100)
  uint64_t waiting_total = 0;
};

class ErpFeed {
 public:
  using Wake = std::function<void()>;  // commands were queued (Downlink::wake)

  static Result<std::unique_ptr<ErpFeed>> open(HttpClient& http, std::string base_url,
                                               std::shared_ptr<const ErpAuth> auth, CommandOutbox& outbox,
                                               KvStore& store, GroupCommitter& committer, const Clock& clock,
                                               ErpFeedOptions options, Wake wake = nullptr);
  ~ErpFeed();

  // One pass over every feed. Unavailable (or another error) when the ERP could
  // not be read to the end; what was read before that is queued and covered.
  Status poll();
  void start();  // polls now and every options.interval on its own thread
  void stop();
  ErpFeedStats stats() const;

 private:
  struct Feed;
  static const std::vector<Feed>& feeds();
  ErpFeed(HttpClient& http, std::string base_url, std::shared_ptr<const ErpAuth> auth, CommandOutbox& outbox,
          KvStore& store, GroupCommitter& committer, const Clock& clock, ErpFeedOptions options, Wake wake);
  Status init();
  void loop();

  // erp_feed.cpp: reading the ERP, the cursors, queueing.
  Status run_feed(const Feed& feed);
  // "SELECT <the feed's columns>, <its change stamp as text> AS lastmodified FROM <table>"
  static std::string select(const Feed& feed);
  Result<Json> suiteql(const std::string& query, size_t offset);
  // A record's JSON; NotFound on 404, InvalidArgument on another refusal,
  // Unavailable when the ERP could not answer.
  Result<Json> get(const std::string& path);
  ClientRequest request(const std::string& method, const std::string& url) const;
  Status save(TableId table, const std::string& key, const std::string* value);  // null = delete
  std::string load(TableId table, const std::string& key);
  Status queue(const std::string& site, v1::Command command, const std::string& kind, bool per_site = false);
  void skip(const std::string& reason, const std::string& what, const std::string& detail = "");
  // Rows of `feed` waiting to be read again, read by id and handled; gone rows are dropped.
  Status retry_waiting(const Feed& feed, bool with_unmapped);
  // One row through its feed's handler, keeping feed_waiting up to date.
  Status handle(const Feed& feed, const Json& row);
  void refresh_waiting_stats();
  std::vector<std::string> all_sites() const;

  // erp_feed_records.cpp: one changed row -> commands (Ok also when skipped).
  Status on_item(const Json& row);
  // The ItemUpsert of an item (its record read from the ERP, or nullptr when it has none).
  static v1::Command item_command(const std::string& id, const std::string& stamp, const std::string& sku, bool active,
                                  const Json* item);
  Status on_ship_item(const Json& row);
  Status on_sales_order(const Json& row);
  Status on_purchase_order(const Json& row);
  Status on_return(const Json& row);
  struct ReceiptOrder {
    const char* what;    // "purchase order", in log lines and skip reasons
    const char* record;  // the NetSuite record type
    const char* key;     // command id and business key prefix
    const char* stat;    // the stats name
    // Fills the command's body and returns its lines.
    google::protobuf::RepeatedPtrField<v1::OrderLine>* (*fill)(v1::Command&, const std::string& id,
                                                               const std::string& number, const std::string& party);
  };
  Status on_receipt_order(const Json& row, const ReceiptOrder& kind);
  // The order's ship-to address subrecord (none: left empty); Unavailable when the ERP could not answer.
  Status ship_to(const std::string& order_id, const std::string& email, v1::Address* out);
  // The open lines of /{type}/{id}/item (quantity - done_field > 0), in each
  // item's stock unit; each line's item is queued to `site` first.
  // FailedPrecondition: a line is not a whole number of stock units.
  Status open_lines(const std::string& type, const std::string& id, const char* done_field, const std::string& site,
                    google::protobuf::RepeatedPtrField<v1::OrderLine>* out);

  HttpClient& http_;
  const std::string base_url_;
  const std::shared_ptr<const ErpAuth> auth_;
  CommandOutbox& outbox_;
  KvStore& store_;
  GroupCommitter& committer_;
  const Clock& clock_;
  const ErpFeedOptions options_;
  const Wake wake_;
  TableId cursors_{}, released_{}, waiting_{};
  uint64_t queued_this_poll_ = 0;
  std::string current_;          // feed_waiting key of the row being handled
  bool current_skipped_ = false;  // skip() was called for it
  bool first_poll_ = true;
  std::map<std::string, std::string> retry_next_;  // feed -> waiting id the next retry pass starts at

  mutable std::mutex mu_;  // guards stats_ and the loop's state
  ErpFeedStats stats_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sb::relay

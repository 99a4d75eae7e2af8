#include "relay/erp_feed.h"

#include <algorithm>
#include <cstdlib>

#include "platform/core/log.h"
#include "platform/core/text.h"
#include "relay/netsuite_wire.h"

namespace sb::relay {

using namespace netsuite;

// One change query: rows of `table` (and `type_filter`) modified after the cursor.
struct ErpFeed::Feed {
  const char* name;     // the cursor's key
  const char* columns;  // SELECT list
  const char* table;
  const char* type_filter;  // "" or "type = '...'"
  Status (ErpFeed::*handle)(const Json& row);
};

namespace {

// SuiteQL gives dates in the account's date format, to the day; the exact
// change stamp is asked for as text in one fixed format (which compares in
// time order as text) and the cursor is given back through TO_TIMESTAMP.
// NetSuite keeps lastmodifieddate to the second, in the account's time zone.
constexpr char kStampFormat[] = "'YYYY-MM-DD\"T\"HH24:MI:SS'";
// Before every stamp the ERP writes.
constexpr char kStartCursor[] = "1970-01-01T00:00:00";

}  // namespace

std::string change_stamp(std::string_view iso) {
  int64_t ms = 0;
  if (!parse_iso8601(iso, &ms)) return std::string(iso);
  return format_iso8601(ms).substr(0, 19);  // "YYYY-MM-DDTHH:MM:SS", the milliseconds dropped
}

std::vector<std::string> parse_site_list(const std::string& text) { return split_list(text); }

Result<std::unique_ptr<ErpFeed>> ErpFeed::open(HttpClient& http, std::string base_url,
                                               std::shared_ptr<const ErpAuth> auth, CommandOutbox& outbox,
                                               KvStore& store, GroupCommitter& committer, const Clock& clock,
                                               ErpFeedOptions options, Wake wake) {
  std::unique_ptr<ErpFeed> f(new ErpFeed(http, std::move(base_url), std::move(auth), outbox, store, committer, clock,
                                         std::move(options), std::move(wake)));
  SB_RETURN_IF_ERROR(f->init());
  return f;
}

ErpFeed::ErpFeed(HttpClient& http, std::string base_url, std::shared_ptr<const ErpAuth> auth, CommandOutbox& outbox,
                 KvStore& store, GroupCommitter& committer, const Clock& clock, ErpFeedOptions options, Wake wake)
    : http_(http), base_url_(std::move(base_url)), auth_(std::move(auth)), outbox_(outbox), store_(store),
      committer_(committer), clock_(clock), options_(std::move(options)), wake_(std::move(wake)) {}

ErpFeed::~ErpFeed() { stop(); }

Status ErpFeed::init() {
  Result<TableId> c = store_.table("feed_cursors");
  if (!c.ok()) return c.status();
  cursors_ = *c;
  // Sales orders released to a site (id -> site): what a later cancellation is sent to.
  Result<TableId> r = store_.table("feed_released");
  if (!r.ok()) return r.status();
  released_ = *r;
  // Rows passed over for a reason that can clear: feed \0 id -> reason \0 what \0 detail.
  Result<TableId> w = store_.table("feed_waiting");
  if (!w.ok()) return w.status();
  waiting_ = *w;
  refresh_waiting_stats();
  return Status::Ok();
}

const std::vector<ErpFeed::Feed>& ErpFeed::feeds() {
  static const std::vector<Feed> kFeeds = {
    {"item", "id, itemid, isinactive", "item", "", &ErpFeed::on_item},
    {"shipitem",
     "id, itemid, isinactive, custitem_sb_carrier, custitem_sb_service_code, "
     "custitem_sb_tracking_pattern",
     "shipitem", "", &ErpFeed::on_ship_item},
    {"SalesOrd",
     "id, tranid, externalid, status, location, shipmethod, entity, trandate, custbody_released_to_wms",
     "transaction", "type = 'SalesOrd'", &ErpFeed::on_sales_order},
    {"PurchOrd", "id, tranid, externalid, status, location, entity, trandate", "transaction",
     "type = 'PurchOrd'", &ErpFeed::on_purchase_order},
    {"RtnAuth", "id, tranid, externalid, status, location, entity, trandate", "transaction",
     "type = 'RtnAuth'", &ErpFeed::on_return},
  };
  return kFeeds;
}

Status ErpFeed::poll() {
  const int64_t started = clock_.wall_ms();
  {
    std::lock_guard lock(mu_);
    stats_.last_poll_ms = started;
    ++stats_.polls;
  }
  queued_this_poll_ = 0;
  Status result = Status::Ok();
  for (const Feed& feed : feeds()) {
    result = run_feed(feed);
    if (result.ok()) result = retry_waiting(feed, first_poll_);
    if (!result.ok()) break;
  }
  if (result.ok()) first_poll_ = false;
  refresh_waiting_stats();
  if (queued_this_poll_ > 0 && wake_) wake_();
  std::lock_guard lock(mu_);
  if (result.ok()) {
    stats_.last_ok_ms = started;
    stats_.last_error.clear();
  } else {
    ++stats_.failed_polls;
    stats_.last_error = result.to_string();
  }
  if (!result.ok())
    log::warn("feed", "the ERP change feed stopped; its cursor stays, the next poll retries",
              {{"why", result.to_string()}});
  return result;
}

// Pages by keyset: after each page the cursor moves to the last stamp that is
// surely complete and the query starts again from it, so rows modified while
// paging cannot shift a page boundary past an unread row. The page's final
// stamp is read again with the next page (NetSuite stamps may be shared by
// several rows); the outbox's command-id check makes the re-read harmless.
std::string ErpFeed::select(const Feed& feed) {
  return std::string("SELECT ") + feed.columns + ", TO_CHAR(lastmodifieddate, " + kStampFormat + ") AS " + kStampColumn +
         " FROM " + feed.table;
}

Status ErpFeed::run_feed(const Feed& feed) {
  std::string cursor = load(cursors_, feed.name);
  if (cursor.empty()) cursor = kStartCursor;
  // Each poll starts a little behind its cursor: a row committed late with an
  // earlier stamp, or modified while an earlier poll paged, is read after all.
  // What was read before makes the same command ids, which the outbox skips.
  cursor = change_stamp(cursor);  // a cursor kept in an older format reads the same instant
  std::string from = cursor;
  // (A stamp has no zone; "Z" only lets it be parsed for the subtraction.)
  if (int64_t at = 0; cursor != kStartCursor && parse_iso8601(cursor + "Z", &at))
    from = change_stamp(format_iso8601(at - options_.overlap.count()));
  size_t offset = 0;
  for (;;) {
    std::string q = select(feed) + " WHERE ";
    if (*feed.type_filter) q += std::string(feed.type_filter) + " AND ";
    q += std::string("lastmodifieddate > TO_TIMESTAMP(") + suiteql_quote(from) + ", " + kStampFormat +
         ") ORDER BY lastmodifieddate, id";
    Result<Json> page = suiteql(q, offset);
    if (!page.ok()) return page.status();
    const Json* rows = page->find("items");
    if (!rows || !rows->is_array()) return Status::Unavailable("the ERP's SuiteQL answer has no items");
    for (const Json& row : rows->items()) SB_RETURN_IF_ERROR(handle(feed, row));
    if (rows->items().empty()) return Status::Ok();
    const Json* more = page->find("hasMore");
    const bool has_more = more && more->is_bool() && more->as_bool();
    const std::string last = rows->items().back().get_string(kStampColumn);
    std::string safe = last;
    if (has_more) {
      safe.clear();
      for (const Json& row : rows->items())
        if (std::string s = row.get_string(kStampColumn); s < last && s > safe) safe = s;
    }
    if (safe.empty() || safe <= from) {  // a whole page shares one stamp: page on within it
      offset += rows->items().size();
      continue;
    }
    if (safe > cursor) {
      SB_RETURN_IF_ERROR(save(cursors_, feed.name, &safe));
      cursor = safe;
      std::lock_guard lock(mu_);
      stats_.cursors[feed.name] = safe;
    }
    from = safe;
    offset = 0;
    if (!has_more) return Status::Ok();
  }
}

ClientRequest ErpFeed::request(const std::string& method, const std::string& url) const {
  ClientRequest r;
  r.method = method;
  r.url = url;
  r.timeout = options_.timeout;
  // Signed per request, as NetSuiteConnector::request: a TBA signature covers
  // the method and URL (query included) and its nonce is spent once.
  if (auth_) {
    if (std::string header = auth_->authorization(r.method, r.url); !header.empty())
      r.headers.emplace_back("Authorization", std::move(header));
  }
  return r;
}

namespace {

// The ERP could not answer (retry later) or refused the request (InvalidArgument).
Status failure(const Result<HttpResponse>& r, const std::string& what) {
  if (!r.ok()) return Status::Unavailable(what + ": " + r.status().to_string());
  const int code = r->status;
  const std::string detail = describe(parse_error(r->body));
  if (code == 429) return Status::Unavailable(what + ": the ERP's concurrency limit was reached (429)");
  if (code >= 500) return Status::Unavailable(what + ": ERP error " + std::to_string(code) + ": " + detail);
  if (code == 401 || code == 403)
    return Status::Unavailable(what + ": the ERP refused our credentials (" + std::to_string(code) + "): " + detail);
  if (code == 404) return Status::NotFound(what + ": " + detail);
  return Status::InvalidArgument(what + ": " + detail);
}

}  // namespace

Result<Json> ErpFeed::suiteql(const std::string& query, size_t offset) {
  ClientRequest req = request("POST", base_url_ + kSuiteQl + "?limit=" + std::to_string(options_.page_size) +
                                          "&offset=" + std::to_string(offset));
  req.headers.emplace_back("Prefer", "transient");
  Json q = Json::object();
  q.set("q", Json::string(query));
  req.body = q.dump();
  Result<HttpResponse> r = http_.send(req);
  if (r.ok() && r->status == 401 && auth_) auth_->refused();  // an OAuth 2.0 token is renewed
  if (!r.ok() || r->status != 200) {
    Status s = failure(r, "querying the ERP for changes");
    // A refused query is our fault, not the rows': stop and keep the cursor.
    return s.code() == Code::kUnavailable ? s : Status::Unavailable(s.message());
  }
  Result<Json> body = Json::parse(r->body);
  if (!body.ok()) return Status::Unavailable("the ERP's SuiteQL answer is not JSON");
  return body;
}

Result<Json> ErpFeed::get(const std::string& path) {
  Result<HttpResponse> r = http_.send(request("GET", base_url_ + kRecordBase + path));
  if (r.ok() && r->status == 401 && auth_) auth_->refused();
  if (!r.ok() || r->status != 200) return failure(r, "reading " + path);
  Result<Json> body = Json::parse(r->body);
  if (!body.ok()) return Status::InvalidArgument("reading " + path + ": the answer is not JSON");
  return body;
}

std::string ErpFeed::load(TableId table, const std::string& key) {
  Result<std::unique_ptr<ReadTxn>> r = store_.read();
  std::string value;
  if (r.ok() && (*r)->get(table, key, &value).ok()) return value;
  return "";
}

Status ErpFeed::save(TableId table, const std::string& key, const std::string* value) {
  return committer_.run([&](WriteTxn& txn) -> Status {
    if (value) return txn.put(table, key, *value);
    Status s = txn.del(table, key);
    return s.code() == Code::kNotFound ? Status::Ok() : s;
  });
}

Status ErpFeed::queue(const std::string& site, v1::Command command, const std::string& kind, bool per_site) {
  // The outbox knows a command id once across all sites: a command sent to
  // every site carries the site in its id.
  if (per_site) command.set_command_id(command.command_id() + "@" + site);
  const uint64_t next = outbox_.stats(site).next_seq;
  const std::string id = command.command_id();
  Result<uint64_t> seq = outbox_.enqueue(site, std::move(command));
  if (!seq.ok()) return Status(seq.status().code(), "queueing " + id + " for " + site + ": " + seq.status().message());
  if (*seq < next) return Status::Ok();  // queued by an earlier read of the same change
  ++queued_this_poll_;
  std::lock_guard lock(mu_);
  ++stats_.queued[kind];
  return Status::Ok();
}

namespace {

// Reasons that can clear while the record itself does not change.
bool can_clear(const std::string& reason) {
  return reason == "unmapped_location" || reason == "unknown_ship_method" || reason == "uom_not_convertible" ||
         reason == "unreadable";
}

std::vector<std::string> split_nul(std::string_view v) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t nul = v.find('\0', start);
    out.emplace_back(v.substr(start, nul == std::string_view::npos ? std::string_view::npos : nul - start));
    if (nul == std::string_view::npos) return out;
    start = nul + 1;
  }
}

}  // namespace

void ErpFeed::skip(const std::string& reason, const std::string& what, const std::string& detail) {
  current_skipped_ = true;
  std::string value = reason + '\0' + what + '\0' + detail;
  const bool again = !current_.empty() && load(waiting_, current_) == value;
  if (again) {
    log::debug("feed", "an ERP change still waits", {{"reason", reason}, {"record", what}});
    return;  // counted and logged when it first waited
  }
  log::warn("feed", "an ERP change was not turned into a command", {{"reason", reason}, {"record", what}, {"why", detail}});
  {
    std::lock_guard lock(mu_);
    ++stats_.skipped[reason];
  }
  if (current_.empty()) return;
  if (!can_clear(reason)) {
    // Waiting no longer helps (e.g. the order has no open lines now): it stops waiting.
    if (Status s = save(waiting_, current_, nullptr); !s.ok())
      log::error("feed", "could not clear a waiting ERP change", {{"record", what}, {"error", s.to_string()}});
    return;
  }
  if (Status s = save(waiting_, current_, &value); !s.ok())
    log::error("feed", "could not record an ERP change as waiting; it is passed over", {{"record", what}, {"error", s.to_string()}});
}

Status ErpFeed::handle(const Feed& feed, const Json& row) {
  current_ = std::string(feed.name) + '\0' + feed_text(row, "id");
  current_skipped_ = false;
  Status s = (this->*feed.handle)(row);
  // Went out (or needs nothing): it no longer waits.
  if (s.ok() && !current_skipped_ && !load(waiting_, current_).empty()) s = save(waiting_, current_, nullptr);
  current_.clear();
  return s;
}

Status ErpFeed::retry_waiting(const Feed& feed, bool with_unmapped) {
  const std::string from = std::string(feed.name) + '\0';
  // A bounded pass (500 rows) that goes on where the last one stopped, so
  // every waiting row is read again in turn however many wait.
  constexpr size_t kPass = 500;
  std::vector<std::string> ids;
  {
    Result<std::unique_ptr<ReadTxn>> txn = store_.read();
    if (!txn.ok()) return txn.status();
    const std::string resume = from + retry_next_[feed.name];
    auto collect = [&](const std::string& start, const std::string& stop) {
      return (*txn)->scan(waiting_, start, [&](std::string_view k, std::string_view v) {
        if (k.substr(0, from.size()) != from || (!stop.empty() && k >= stop)) return false;
        const bool unmapped = split_nul(v).front() == "unmapped_location";
        if (with_unmapped || !unmapped) ids.emplace_back(k.substr(from.size()));
        return ids.size() < kPass;
      });
    };
    SB_RETURN_IF_ERROR(collect(resume, ""));
    if (ids.size() < kPass && resume != from) SB_RETURN_IF_ERROR(collect(from, resume));  // wrap around
  }
  retry_next_[feed.name] = ids.size() < kPass || ids.empty() ? "" : ids.back() + '\0';
  for (size_t at = 0; at < ids.size(); at += 50) {
    std::string in;
    std::map<std::string, bool> seen;
    for (size_t i = at; i < std::min(ids.size(), at + 50); ++i) {
      in += (in.empty() ? "" : ", ") + suiteql_quote(ids[i]);
      seen[ids[i]] = false;
    }
    std::string q = select(feed) + " WHERE ";
    if (*feed.type_filter) q += std::string(feed.type_filter) + " AND ";
    Result<Json> page = suiteql(q + "id IN (" + in + ")", 0);
    if (!page.ok()) return page.status();
    const Json* rows = page->find("items");
    if (!rows || !rows->is_array()) return Status::Unavailable("the ERP's SuiteQL answer has no items");
    for (const Json& row : rows->items()) {
      seen[feed_text(row, "id")] = true;
      SB_RETURN_IF_ERROR(handle(feed, row));
    }
    for (const auto& [id, found] : seen) {
      if (!found) SB_RETURN_IF_ERROR(save(waiting_, from + id, nullptr));  // gone from the ERP
    }
  }
  return Status::Ok();
}

void ErpFeed::refresh_waiting_stats() {
  std::vector<ErpFeedStats::Waiting> rows;
  uint64_t total = 0;
  Result<std::unique_ptr<ReadTxn>> txn = store_.read();
  if (txn.ok()) {
    (void)(*txn)->scan(waiting_, "", [&](std::string_view k, std::string_view v) {
      ++total;
      if (rows.size() < 100) {
        std::vector<std::string> key = split_nul(k), value = split_nul(v);
        value.resize(3);
        rows.push_back({key.front(), key.size() > 1 ? key[1] : "", value[0], value[1], value[2]});
      }
      return true;
    });
  }
  std::lock_guard lock(mu_);
  stats_.waiting = std::move(rows);
  stats_.waiting_total = total;
}

std::vector<std::string> ErpFeed::all_sites() const {
  if (!options_.sites.empty()) return options_.sites;
  std::vector<std::string> out;
  for (const auto& [location, site] : options_.site_locations)
    if (std::find(out.begin(), out.end(), site) == out.end()) out.push_back(site);
  return out;
}

ErpFeedStats ErpFeed::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void ErpFeed::start() {
  {
    std::lock_guard lock(mu_);
    for (const Feed& f : feeds()) {
      std::string c = load(cursors_, f.name);
      if (!c.empty()) stats_.cursors[f.name] = c;
    }
    stopping_ = false;
  }
  thread_ = std::thread([this] { loop(); });
}

void ErpFeed::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ErpFeed::loop() {
  for (;;) {
    (void)poll();  // a failure is logged and in stats(); the next poll retries
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, options_.interval, [this] { return stopping_; })) return;
  }
}

}  // namespace sb::relay

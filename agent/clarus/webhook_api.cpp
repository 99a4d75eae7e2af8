#include "agent/clarus/webhook_api.h"

#include <algorithm>

#include "platform/core/log.h"

namespace sb::agent {
namespace {

constexpr char kLog[] = "clarus-webhook";

// Constant-time in the secret's contents: a caller cannot find it byte by byte
// from answer times. (Its length may show; the secret is long and random.)
bool same_secret(const std::string& given, const std::string& expected) {
  unsigned diff = given.size() == expected.size() ? 0u : 1u;
  for (size_t i = 0; i < expected.size(); ++i) {
    const char g = given.empty() ? '\0' : given[i % given.size()];
    diff |= static_cast<unsigned char>(g ^ expected[i]);
  }
  return diff == 0 && !expected.empty();
}

HttpResponse unavailable(int retry_after_s, const std::string& reason) {
  HttpResponse r = HttpResponse::error(503, reason);
  r.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
  return r;
}

HttpResponse answer(int status, const std::string& state, const std::string& detail_key, const std::string& detail) {
  Json j = Json::object();
  j.set("status", Json::string(state));
  if (!detail_key.empty()) j.set(detail_key, Json::string(detail));
  return HttpResponse::json(status, j.dump());
}

}  // namespace

ClarusWebhookIntake::ClarusWebhookIntake(Journal& journal, std::string site_id, std::string warehouse_code,
                                         std::string secret, std::string subdomain,
                                         std::vector<std::string> allowed_automation_ids, size_t max_body,
                                         std::function<void(int64_t goods_out_id)> on_goods_out_completed,
                                         const Clock& clock)
    : journal_(journal),
      site_{std::move(site_id), std::move(warehouse_code)},
      secret_(std::move(secret)),
      subdomain_(std::move(subdomain)),
      automation_ids_(std::move(allowed_automation_ids)),
      max_body_(max_body),
      on_goods_out_completed_(std::move(on_goods_out_completed)),
      clock_(clock) {}

WebhookCounters ClarusWebhookIntake::counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_;
}

Status ClarusWebhookIntake::authenticate(const HttpRequest& req, const std::string& path_secret, int* http_status,
                                         std::string* key) const {
  const std::string given = path_secret.empty() ? req.header("X-Stockbridge-Webhook-Secret") : path_secret;
  if (!same_secret(given, secret_)) {
    *http_status = 401;
    *key = "bad_secret";
    return Status::FailedPrecondition(secret_.empty() ? "no webhook secret is configured; webhooks are refused"
                                                      : "a valid webhook secret is required");
  }
  const std::string subdomain = req.header("X-ClarusWMS-Subdomain");
  if (subdomain_.empty() || subdomain != subdomain_) {
    *http_status = 403;
    *key = "wrong_subdomain";
    return Status::FailedPrecondition("X-ClarusWMS-Subdomain '" + subdomain + "' is not this site's Clarus tenant");
  }
  const std::string automation = req.header("X-ClarusWMS-Automation-ID");
  if (automation.empty() || std::find(automation_ids_.begin(), automation_ids_.end(), automation) == automation_ids_.end()) {
    *http_status = 403;
    *key = "unknown_automation";
    return Status::FailedPrecondition("automation '" + automation + "' is not in clarus.automation_ids");
  }
  return Status::Ok();
}

HttpResponse ClarusWebhookIntake::refuse(int status, const std::string& reason_key, const std::string& reason,
                                         const HttpRequest& req) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    counters_.rejected[reason_key]++;
    if (status == 401 || status == 403) counters_.unauthenticated++;
  }
  // The secret may be in the path: log neither the path nor the secret header.
  log::warn(kLog, "refused a Clarus webhook; nothing journaled",
            {{"status", status},
             {"reason", reason},
             {"automation", req.header("X-ClarusWMS-Automation-ID")},
             {"subdomain", req.header("X-ClarusWMS-Subdomain")},
             {"remote", req.remote_address}});
  return status == 503 ? unavailable(reason_key == "journal_full" ? 30 : 5, reason) : HttpResponse::error(status, reason);
}

HttpResponse ClarusWebhookIntake::handle(const HttpRequest& req, const std::string& path_secret) {
  int status = 0;
  std::string key;
  if (Status auth = authenticate(req, path_secret, &status, &key); !auth.ok())
    return refuse(status, key, auth.message(), req);
  if (req.body.size() > max_body_)
    return refuse(413, "too_large", "webhook body is larger than the limit of " + std::to_string(max_body_) + " bytes", req);
  Result<WebhookRecord> w = parse_webhook(req.body);
  if (!w.ok()) return refuse(400, "malformed", w.status().message(), req);

  if (w->type == "goods_outs") {
    int64_t id = 0;
    if (!record_int_id(w->record, &id)) return refuse(400, "malformed", "the goods out webhook has no integer data.id", req);
    {
      std::lock_guard<std::mutex> lock(mu_);
      counters_.goods_out_hints++;
    }
    // Only a hint to read now what the next sweep would find anyway.
    if (on_goods_out_completed_) on_goods_out_completed_(id);
    return answer(202, "reading shipments", "goods_out_id", std::to_string(id));
  }
  if (w->type == "stocks") {
    std::lock_guard<std::mutex> lock(mu_);
    counters_.stock_holds++;
    return answer(200, "counted", "", "");
  }
  if (w->type == "goods_in_receipts" || w->type == "stock_adjustments") return journal_record(*w, req);
  return refuse(422, "unknown_type", "webhooks of type '" + w->type + "' are not handled", req);
}

HttpResponse ClarusWebhookIntake::journal_record(const WebhookRecord& w, const HttpRequest& req) {
  Result<v1::Event> mapped = w.type == "goods_in_receipts" ? receipt_event(site_, w.record) : adjustment_event(site_, w.record);
  if (!mapped.ok()) return refuse(422, "unmapped", mapped.status().message(), req);
  std::vector<v1::Event> events{std::move(mapped).value()};
  Result<std::vector<AppendResult>> appended = journal_.append(events);
  if (!appended.ok()) {
    const Status& s = appended.status();
    if (s.code() == Code::kResourceExhausted) return refuse(503, "journal_full", s.message(), req);
    if (s.code() == Code::kInvalidArgument) return refuse(422, "unmapped", s.message(), req);  // a retry would not help
    log::error(kLog, "could not journal a webhook's event; Clarus will deliver it again", {{"error", s.to_string()}});
    return refuse(503, "journal_failed", "the journal could not store the event (" + s.to_string() + "); retry later", req);
  }
  const AppendResult& r = appended->front();
  {
    std::lock_guard<std::mutex> lock(mu_);
    (r.duplicate ? counters_.duplicates : counters_.accepted)++;
    counters_.last_accepted_at_ms = clock_.wall_ms();
  }
  Json j = Json::object();
  j.set("event_id", Json::string(events.front().event_id()));
  j.set("seq", Json::number(static_cast<int64_t>(r.seq)));
  j.set("status", Json::string(r.duplicate ? "duplicate" : "accepted"));
  return HttpResponse::json(r.duplicate ? 200 : 201, j.dump());
}

void add_clarus_webhook_routes(Router& router, ClarusWebhookIntake& intake) {
  // The literal route first: the router matches in order of adding.
  router.add("POST", "/clarus/webhooks", [&intake](const HttpRequest& r) { return intake.handle(r, ""); });
  router.add("POST", "/clarus/webhooks/{secret}",
             [&intake](const HttpRequest& r) { return intake.handle(r, r.params.at("secret")); });
}

Json webhook_counters_json(const WebhookCounters& c) {
  auto num = [](uint64_t v) { return Json::number(static_cast<int64_t>(v)); };
  Json j = Json::object();
  j.set("accepted", num(c.accepted));
  j.set("duplicates", num(c.duplicates));
  j.set("goods_out_hints", num(c.goods_out_hints));
  j.set("stock_holds", num(c.stock_holds));
  j.set("unauthenticated", num(c.unauthenticated));
  Json& rejected = j.set("rejected", Json::object());
  for (const auto& [reason, n] : c.rejected) rejected.set(reason, num(n));
  j.set("last_accepted_at", c.last_accepted_at_ms > 0 ? Json::string(format_iso8601(c.last_accepted_at_ms)) : Json());
  return j;
}

}  // namespace sb::agent

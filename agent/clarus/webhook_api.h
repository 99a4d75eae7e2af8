// Clarus webhooks (automations) into the journal: the fast path of the up
// direction (docs/clarus-model.md, Webhooks).
//
//   POST /clarus/webhooks/{secret}   the secret in the path
//   POST /clarus/webhooks            the secret in X-Stockbridge-Webhook-Secret
//
// Clarus signs nothing, so a webhook is believed only with all of: the secret
// (compared in constant time), X-ClarusWMS-Subdomain equal to the tenant, and
// X-ClarusWMS-Automation-ID in the allow-list. Otherwise 401 (secret) or 403
// (subdomain, automation), counted and logged without the secret; nothing is
// journaled. An empty secret or allow-list accepts nothing.
//
// Answers to an authenticated webhook, by data.type:
//   goods_in_receipts, stock_adjustments   mapped and journaled before the
//       answer: 201 accepted, 200 duplicate (the same fact journaled before,
//       by an earlier delivery or a sweep), 503 + Retry-After when the journal
//       is full or failing (Clarus delivers again)
//   goods_outs   202: the webhook carries no shipments, so the sweeper is
//       asked to read that goods out's shipments now. Only a hint: if the
//       agent dies first, the next shipments sweep still finds them.
//   stocks (held / released)   200, counted; availability, not a posting
//   anything else   422
// 413 over the body cap; 400 malformed JSON or envelope; 422 a record that
// does not map (missing field, receipt not completed, return not inspected),
// with the reason. Nothing is journaled on any 4xx/5xx.
// Thread-safety: handle() and counters() may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "agent/clarus/clarus_events.h"
#include "agent/journal.h"
#include "platform/core/clock.h"
#include "platform/core/json.h"
#include "platform/http/http.h"

namespace sb::agent {

struct WebhookCounters {
  uint64_t accepted = 0;         // new events journaled
  uint64_t duplicates = 0;       // facts already in the journal
  uint64_t goods_out_hints = 0;  // goods outs completed, passed to the sweeper
  uint64_t stock_holds = 0;      // held / released: counted, no event
  uint64_t unauthenticated = 0;  // 401 and 403
  // Every refused webhook by reason: bad_secret, wrong_subdomain,
  // unknown_automation, too_large, malformed, unmapped, unknown_type,
  // journal_full, journal_failed.
  std::map<std::string, uint64_t> rejected;
  int64_t last_accepted_at_ms = 0;
};

class ClarusWebhookIntake {
 public:
  ClarusWebhookIntake(Journal& journal, std::string site_id, std::string warehouse_code, std::string secret,
                      std::string subdomain, std::vector<std::string> allowed_automation_ids, size_t max_body,
                      std::function<void(int64_t goods_out_id)> on_goods_out_completed, const Clock& clock);

  // One webhook; path_secret is the {secret} path segment ("" on the header route).
  HttpResponse handle(const HttpRequest& request, const std::string& path_secret);

  WebhookCounters counters() const;

 private:
  HttpResponse refuse(int status, const std::string& reason_key, const std::string& reason, const HttpRequest& req);
  HttpResponse journal_record(const WebhookRecord& w, const HttpRequest& req);
  Status authenticate(const HttpRequest& req, const std::string& path_secret, int* http_status, std::string* key) const;

  Journal& journal_;
  ClarusSite site_;
  std::string secret_;
  std::string subdomain_;
  std::vector<std::string> automation_ids_;
  size_t max_body_;
  std::function<void(int64_t)> on_goods_out_completed_;
  const Clock& clock_;
  mutable std::mutex mu_;
  WebhookCounters counters_;
};

// Registers both routes on `router`; `intake` must outlive it.
void add_clarus_webhook_routes(Router& router, ClarusWebhookIntake& intake);

// The counters as the status page shows them.
Json webhook_counters_json(const WebhookCounters& c);

}  // namespace sb::agent

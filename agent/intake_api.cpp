#include "agent/agent_api.h"
#include "platform/core/log.h"

namespace sb::agent {

namespace {

HttpResponse unavailable(int retry_after_s, const std::string& reason) {
  HttpResponse r = HttpResponse::error(503, reason);
  r.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
  return r;
}

Json result_json(const v1::Event& e, const AppendResult& r) {
  Json j = Json::object();
  j.set("event_id", Json::string(e.event_id()));
  j.set("seq", Json::number(static_cast<int64_t>(r.seq)));
  j.set("status", Json::string(r.duplicate ? "duplicate" : "accepted"));
  return j;
}

}  // namespace

HttpResponse handle_post_events(AgentContext& ctx, const HttpRequest& req) {
  std::string type = req.header("Content-Type");
  if (!type.empty() && type.find("json") == std::string::npos) {
    ctx.counters.rejected++;
    return HttpResponse::error(415, "send events as application/json");
  }
  std::vector<v1::Event> events;
  bool batch = false;
  Status parsed = parse_events(req.body, ctx.site_id, ctx.limits, &events, &batch);
  if (!parsed.ok()) {
    ctx.counters.rejected++;
    log::warn("intake", "rejected a request; nothing journaled",
              {{"reason", parsed.message()}, {"remote", req.remote_address}});
    return HttpResponse::error(400, parsed.message());
  }
  Result<std::vector<AppendResult>> appended = ctx.journal->append(events);
  if (!appended.ok()) {
    const Status& s = appended.status();
    if (s.code() == Code::kResourceExhausted) {
      ctx.counters.refused_full++;
      log::warn("intake", "journal full; refusing new events until the relay catches up", {{"reason", s.message()}});
      return unavailable(30, s.message());
    }
    ctx.counters.failed++;
    log::error("intake", "could not journal events; the producer will retry", {{"error", s.to_string()}});
    return unavailable(5, "the journal could not store the events (" + s.to_string() + "); retry later");
  }
  uint64_t fresh = 0, dups = 0;
  for (const AppendResult& r : *appended) (r.duplicate ? dups : fresh)++;
  ctx.counters.accepted += fresh;
  ctx.counters.duplicates += dups;
  ctx.counters.last_event_at_ms = ctx.clock->wall_ms();
  if (!batch) {
    const AppendResult& r = appended->front();
    return HttpResponse::json(r.duplicate ? 200 : 201, result_json(events.front(), r).dump());
  }
  Json body = Json::object();
  body.set("accepted", Json::number(static_cast<int64_t>(fresh)));
  body.set("duplicates", Json::number(static_cast<int64_t>(dups)));
  Json& results = body.set("results", Json::array());
  for (size_t i = 0; i < events.size(); ++i) results.push(result_json(events[i], (*appended)[i]));
  return HttpResponse::json(fresh > 0 ? 201 : 200, body.dump());
}

}  // namespace sb::agent

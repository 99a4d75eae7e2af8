#include "relay/alerts.h"

#include <map>

#include "platform/core/log.h"

namespace sb::relay {
namespace {

constexpr char kLog[] = "alerts";

class WebhookSink : public AlertSink {
 public:
  WebhookSink(HttpClient& http, std::string url, Millis timeout) : http_(http), url_(std::move(url)), timeout_(timeout) {}
  std::string name() const override { return "webhook"; }
  Status send(const Json& message) override {
    ClientRequest req;
    req.method = "POST";
    req.url = url_;
    req.body = message.dump();
    req.content_type = "application/json";
    req.timeout = timeout_;
    Result<HttpResponse> r = http_.send(req);
    if (!r.ok()) return r.status();
    if (r->status < 200 || r->status > 299)
      return Status::Unavailable("the webhook answered " + std::to_string(r->status) + ": " + r->body.substr(0, 200));
    return Status::Ok();
  }

 private:
  HttpClient& http_;
  std::string url_;
  Millis timeout_;
};

class MqttSink : public AlertSink {
 public:
  MqttSink(MessageTransport& transport, std::string topic) : transport_(transport), topic_(std::move(topic)) {}
  std::string name() const override { return "mqtt"; }
  Status send(const Json& message) override { return transport_.publish(topic_, message.dump(), 1, false); }

 private:
  MessageTransport& transport_;
  std::string topic_;
};

std::string sent_key(const AlertSink& sink, const std::string& id) { return sink.name() + '\0' + id; }

// What closed it, from the last trail entry: "resolved by system: the condition cleared".
std::string closing_words(const ExceptionRecord& r) {
  if (r.trail.empty()) return std::string(to_string(r.state));
  const ExceptionAction& a = r.trail.back();
  std::string how = r.state == ExceptionState::kDiscarded ? "discarded by " + a.who : "resolved by " + a.who;
  return a.note.empty() ? how : how + ": " + a.note;
}

std::string line(const std::string& change, const ExceptionRecord& r) {
  std::string head = (change == "raised" ? "Raised " : "Resolved ") + r.id + " " + r.cls + " at " + r.site;
  if (change == "raised") return head + " (owner " + r.owner + "): " + r.reason;
  return head + " (" + closing_words(r) + "). It was: " + r.reason;
}

}  // namespace

std::unique_ptr<AlertSink> webhook_alert_sink(HttpClient& http, std::string url, Millis timeout) {
  return std::make_unique<WebhookSink>(http, std::move(url), timeout);
}

std::unique_ptr<AlertSink> mqtt_alert_sink(MessageTransport& transport, std::string topic) {
  return std::make_unique<MqttSink>(transport, std::move(topic));
}

std::set<std::string> parse_class_list(const std::string& text) {
  std::set<std::string> out;
  std::string cur;
  for (char c : text + ",") {
    if (c == ',' || c == ' ' || c == '\t') {
      if (!cur.empty()) out.insert(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  return out;
}

Result<std::unique_ptr<Alerts>> Alerts::open(KvStore& store, GroupCommitter& committer, ExceptionBook& book,
                                             const Clock& clock, AlertOptions options,
                                             std::vector<std::unique_ptr<AlertSink>> sinks) {
  std::unique_ptr<Alerts> a(new Alerts(store, committer, book, clock, std::move(options), std::move(sinks)));
  Result<TableId> t = store.table("alert_sent");
  if (!t.ok()) return t.status();
  a->sent_ = *t;
  return a;
}

Json Alerts::single(const Message& m) const {
  Json j = Json::object();
  j.set("text", Json::string("[" + options_.source + "] " + line(m.change, m.record)));
  Json& sb = j.set("stockbridge", Json::object());
  sb.set("kind", Json::string(m.change));
  sb.set("source", Json::string(options_.source));
  Json& list = sb.set("exceptions", Json::array());
  Json x = Json::object();
  x.set("id", Json::string(m.record.id));
  x.set("class", Json::string(m.record.cls));
  x.set("owner", Json::string(m.record.owner));
  x.set("site", Json::string(m.record.site));
  x.set("subject", Json::string(m.record.subject_id));
  x.set("reason", Json::string(m.record.reason));
  x.set("state", Json::string(std::string(to_string(m.record.state))));
  x.set("first_seen", Json::string(format_iso8601(m.record.first_seen_ms)));
  list.push(std::move(x));
  return j;
}

Json Alerts::digest(const std::vector<Message>& messages) const {
  size_t raised = 0;
  std::map<std::string, int64_t> by_class, by_owner;
  for (const Message& m : messages) {
    raised += m.change == "raised";
    ++by_class[m.record.cls];
    ++by_owner[m.record.owner];
  }
  auto counts = [](const std::map<std::string, int64_t>& m, std::string* text) {
    Json j = Json::object();
    for (const auto& [k, n] : m) {
      j.set(k, Json::number(n));
      *text += (text->empty() ? "" : ", ") + k + " " + std::to_string(n);
    }
    return j;
  };
  std::string classes, owners;
  Json c = counts(by_class, &classes);
  Json o = counts(by_owner, &owners);
  std::string text = "[" + options_.source + "] " + std::to_string(messages.size()) + " exception changes: " +
                     std::to_string(raised) + " raised, " + std::to_string(messages.size() - raised) +
                     " resolved.\nBy class: " + classes + "\nBy owner: " + owners;
  Json j = Json::object();
  Json& sb = j.set("stockbridge", Json::object());
  sb.set("kind", Json::string("digest"));
  sb.set("source", Json::string(options_.source));
  sb.set("raised", Json::number(static_cast<int64_t>(raised)));
  sb.set("resolved", Json::number(static_cast<int64_t>(messages.size() - raised)));
  sb.set("by_class", std::move(c));
  sb.set("by_owner", std::move(o));
  Json& list = sb.set("exceptions", Json::array());
  for (size_t i = 0; i < messages.size() && i < options_.digest_lines; ++i) {
    const Message& m = messages[i];
    text += "\n- " + line(m.change, m.record);
    Json x = single(m).find("stockbridge")->find("exceptions")->items().at(0);
    x.set("change", Json::string(m.change));
    list.push(std::move(x));
  }
  if (messages.size() > options_.digest_lines)
    text += "\n... and " + std::to_string(messages.size() - options_.digest_lines) + " more (see the relay's exceptions).";
  j.set("text", Json::string(text));
  return j;
}

Status Alerts::mark(AlertSink& sink, const std::vector<Message>& messages) {
  return committer_.run([&](WriteTxn& txn) -> Status {
    for (const Message& m : messages) {
      const std::string key = sent_key(sink, m.record.id);
      if (m.change == "raised") {
        SB_RETURN_IF_ERROR(txn.put(sent_, key, "raised"));
      } else {
        Status d = txn.del(sent_, key);
        if (!d.ok() && d.code() != Code::kNotFound) return d;
      }
    }
    return Status::Ok();
  });
}

Status Alerts::pass_for(AlertSink& sink, const std::vector<ExceptionRecord>& unclosed, uint64_t* owed) {
  // What this sink owes: "owed" (seen open, raised not yet sent) or "raised"
  // (resolution still to say).
  std::map<std::string, std::string> entries;
  const std::string prefix = sink.name() + '\0';
  {
    Result<std::unique_ptr<ReadTxn>> r = store_.read();
    if (!r.ok()) return r.status();
    SB_RETURN_IF_ERROR((*r)->scan(sent_, prefix, [&](std::string_view k, std::string_view v) {
      if (k.substr(0, prefix.size()) != prefix) return false;
      entries.emplace(std::string(k.substr(prefix.size())), std::string(v));
      return true;
    }));
  }
  std::vector<Message> messages;
  std::vector<std::string> first_seen;  // ids to remember as owed before anything is sent
  for (const ExceptionRecord& r : unclosed) {
    auto it = entries.find(r.id);
    if (it == entries.end()) first_seen.push_back(r.id);
    if (it == entries.end() || it->second == "owed") messages.push_back({"raised", r});
  }
  std::vector<std::string> forgotten;  // pruned from the book meanwhile: nothing left to say
  for (const auto& [id, state] : entries) {
    Result<ExceptionRecord> r = book_.get(id);
    if (!r.ok() && r.status().code() == Code::kNotFound) {
      forgotten.push_back(id);
    } else if (!r.ok()) {
      return r.status();
    } else if (is_closed(r->state)) {
      // Closed before its raise got out (the sink was down): both, in order.
      if (state == "owed") messages.push_back({"raised", *r});
      messages.push_back({"resolved", *r});
    }
  }
  if (!first_seen.empty() || !forgotten.empty()) {
    SB_RETURN_IF_ERROR(committer_.run([&](WriteTxn& txn) -> Status {
      for (const std::string& id : first_seen) SB_RETURN_IF_ERROR(txn.put(sent_, prefix + id, "owed"));
      for (const std::string& id : forgotten) {
        Status d = txn.del(sent_, prefix + id);
        if (!d.ok() && d.code() != Code::kNotFound) return d;
      }
      return Status::Ok();
    }));
  }
  if (messages.empty()) return Status::Ok();

  auto failed = [&](const Status& s) {
    log::warn(kLog, "could not send alerts; they wait for the next pass",
              {{"sink", sink.name()}, {"messages", messages.size()}, {"error", s.to_string()}});
    std::lock_guard lock(mu_);
    ++stats_.failures;
    stats_.last_error = sink.name() + ": " + s.to_string();
    return s;
  };
  if (messages.size() > options_.digest_after) {
    Status s = sink.send(digest(messages));
    if (!s.ok()) {
      *owed += messages.size();
      return failed(s);
    }
    log::info(kLog, "sent a digest", {{"sink", sink.name()}, {"messages", messages.size()}});
    {
      std::lock_guard lock(mu_);
      ++stats_.sent;
      ++stats_.digests;
    }
    return mark(sink, messages);
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    const Message& m = messages[i];
    Status s = sink.send(single(m));
    if (!s.ok()) {
      *owed += messages.size() - i;
      return failed(s);  // the sink is down: the rest waits too, in order
    }
    log::info(kLog, "sent an alert", {{"sink", sink.name()}, {"change", m.change}, {"id", m.record.id}, {"class", m.record.cls}});
    {
      std::lock_guard lock(mu_);
      ++stats_.sent;
    }
    SB_RETURN_IF_ERROR(mark(sink, {m}));
  }
  return Status::Ok();
}

Status Alerts::pass() {
  std::lock_guard pass_lock(pass_mu_);
  std::vector<ExceptionRecord> unclosed;
  Status first = book_.scan_unclosed([&](const ExceptionRecord& r) {
    if (wanted(r.cls)) unclosed.push_back(r);
    return true;
  });
  uint64_t owed = 0;
  if (first.ok()) {
    for (const std::unique_ptr<AlertSink>& sink : sinks_) {
      Status s = pass_for(*sink, unclosed, &owed);
      if (!s.ok() && first.ok()) first = s;
    }
  }
  std::lock_guard lock(mu_);
  stats_.owed = owed;
  stats_.last_pass_ms = clock_.wall_ms();
  if (!first.ok()) stats_.last_error = first.to_string();
  return first;
}

AlertStats Alerts::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

Json Alerts::status() const {
  AlertStats st = stats();
  Json j = Json::object();
  Json& sinks = j.set("sinks", Json::array());
  for (const std::unique_ptr<AlertSink>& s : sinks_) sinks.push(Json::string(s->name()));
  j.set("sent", Json::number(static_cast<int64_t>(st.sent)));
  j.set("digests", Json::number(static_cast<int64_t>(st.digests)));
  j.set("failures", Json::number(static_cast<int64_t>(st.failures)));
  j.set("owed", Json::number(static_cast<int64_t>(st.owed)));
  j.set("last_error", Json::string(st.last_error));
  j.set("last_pass_at", st.last_pass_ms ? Json::string(format_iso8601(st.last_pass_ms)) : Json());
  return j;
}

}  // namespace sb::relay

// Alerts: tells people when an exception is raised and when it is resolved,
// through a chat webhook (Slack / Teams incoming webhooks: JSON POST with a
// "text" field) and an MQTT topic, once per exception and sink.
//
// Durable and deduplicated by construction: the table "alert_sent" holds, per
// sink, <sink> NUL <exception id> -> "owed" (seen unclosed, its "raised" not
// sent yet) or "raised" (announced; its resolution notice still owed). Each
// pass (every alerts.batch_window):
//   - unclosed exceptions (of alerts.classes) not yet announced -> "raised";
//   - announced ones now closed -> "resolved", and the entry is deleted (a
//     closed exception never reopens: held again, the book opens a new one
//     with a new id);
//   - one seen unclosed whose raise never got out and that is closed now
//     (the sink was down meanwhile) -> "raised" then "resolved";
// An entry moves on only after the sink accepted the message (webhook 2xx,
// MQTT publish queued), so a sink that is down gets everything on a later
// pass, and nothing twice (short of a crash between a send and its commit,
// which repeats that one message). When a pass has more than
// alerts.digest_after messages for a sink, it sends one digest instead
// (counts by class and owner, the first lines): a storm makes one message.
// An exception raised and closed between two passes is never announced.
// Thread-safety: pass() runs on one thread at a time; status() from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "platform/core/clock.h"
#include "platform/core/json.h"
#include "platform/core/status.h"
#include "platform/http/http.h"
#include "platform/mqtt/transport.h"
#include "platform/store/exception_book.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"

namespace sb::relay {

// Where alerts go. send() returns OK once the message was accepted.
class AlertSink {
 public:
  virtual ~AlertSink() = default;
  virtual std::string name() const = 0;  // stable: it keys what was sent
  virtual Status send(const Json& message) = 0;
};

// POSTs the message as JSON to `url`; any 2xx is accepted.
std::unique_ptr<AlertSink> webhook_alert_sink(HttpClient& http, std::string url, Millis timeout);
// Publishes the message (QoS 1, not retained) on `topic`.
std::unique_ptr<AlertSink> mqtt_alert_sink(MessageTransport& transport, std::string topic);

struct AlertOptions {
  std::string source = "relay";   // who speaks: the relay's id
  std::set<std::string> classes;  // empty = every class
  size_t digest_after = 5;        // more messages than this in a pass make one digest
  size_t digest_lines = 20;       // lines listed in a digest
};

struct AlertStats {
  uint64_t sent = 0;       // messages accepted by a sink (a digest counts once)
  uint64_t digests = 0;
  uint64_t failures = 0;   // sends refused or failed
  uint64_t owed = 0;       // messages waiting after the last pass, over all sinks
  std::string last_error;
  int64_t last_pass_ms = 0;
};

class Alerts {
 public:
  static Result<std::unique_ptr<Alerts>> open(KvStore& store, GroupCommitter& committer, ExceptionBook& book,
                                              const Clock& clock, AlertOptions options,
                                              std::vector<std::unique_ptr<AlertSink>> sinks);
  // One batch window's work. The first failure is returned; the rest is owed.
  Status pass();
  AlertStats stats() const;
  Json status() const;  // {"sinks":[..],"sent","digests","failures","owed","last_error","last_pass_at"}

 private:
  struct Message {
    std::string change;  // "raised" or "resolved"
    ExceptionRecord record;
  };
  Alerts(KvStore& store, GroupCommitter& committer, ExceptionBook& book, const Clock& clock, AlertOptions options,
         std::vector<std::unique_ptr<AlertSink>> sinks)
      : store_(store), committer_(committer), book_(book), clock_(clock), options_(std::move(options)),
        sinks_(std::move(sinks)) {}
  Status pass_for(AlertSink& sink, const std::vector<ExceptionRecord>& unclosed, uint64_t* owed);
  // Writes (raised) or deletes (resolved) the sink's entries for `messages`.
  Status mark(AlertSink& sink, const std::vector<Message>& messages);
  Json single(const Message& m) const;
  Json digest(const std::vector<Message>& messages) const;
  bool wanted(const std::string& cls) const { return options_.classes.empty() || options_.classes.count(cls) > 0; }

  KvStore& store_;
  GroupCommitter& committer_;
  ExceptionBook& book_;
  const Clock& clock_;
  AlertOptions options_;
  std::vector<std::unique_ptr<AlertSink>> sinks_;
  TableId sent_{};
  std::mutex pass_mu_;
  mutable std::mutex mu_;
  AlertStats stats_;
};

// alerts.classes: "SITE_OFFLINE, BACKLOG" -> the set; "" = every class.
std::set<std::string> parse_class_list(const std::string& text);

}  // namespace sb::relay

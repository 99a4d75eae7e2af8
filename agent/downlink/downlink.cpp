#include "agent/downlink/downlink.h"

#include "platform/core/log.h"

namespace sb::agent {

Downlink::Downlink(CommandJournal& journal, MessageTransport& transport, CommandApplier& applier, const Clock& clock,
                   DownlinkOptions options)
    : journal_(journal), transport_(transport), applier_(applier), clock_(clock), options_(std::move(options)),
      backoff_(options_.retry) {
  journal_.on_accepted([this] {
    {
      std::lock_guard lock(mu_);
      work_ = true;
    }
    cv_.notify_all();
  });
}

Downlink::~Downlink() { stop(); }

void Downlink::attach() { (void)transport_.subscribe(v1::down_topic(options_.site_id), 1); }

void Downlink::handle_message(MqttMessage message) {
  {
    std::lock_guard lock(mu_);
    // Bounded: what is dropped here was not acknowledged, so the relay sends it again.
    if (inbox_.size() >= kMaxInbox) {
      stats_.dropped_busy++;
      return;
    }
    inbox_.push_back(std::move(message.payload));
  }
  cv_.notify_all();
}

void Downlink::start() {
  journal_.report_held();  // the relay may have missed them before a restart
  receiver_ = std::thread([this] { receive_loop(); });
  applier_thread_ = std::thread([this] { apply_loop(); });
}

void Downlink::request_stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
}

void Downlink::stop() {
  request_stop();
  if (receiver_.joinable()) receiver_.join();
  if (applier_thread_.joinable()) applier_thread_.join();
}

DownlinkStats Downlink::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void Downlink::send_ack(const std::string& epoch, uint64_t through) {
  v1::DownlinkAck ack;
  ack.set_site_id(options_.site_id);
  ack.set_downlink_epoch(epoch);
  ack.set_acked_through_seq(through);
  std::vector<v1::CommandOutcome> outcomes = journal_.take_unreported();
  for (const v1::CommandOutcome& o : outcomes) *ack.add_outcomes() = o;
  // Not connected: the relay sends the batch again and gets the ack then; the
  // outcomes wait for the next ack.
  if (!transport_.publish(v1::down_ack_topic(options_.site_id), ack.SerializeAsString(), 1, false).ok())
    journal_.report_again(std::move(outcomes));
}

void Downlink::receive_loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !inbox_.empty(); });
    if (stopping_) return;
    std::string payload = std::move(inbox_.front());
    inbox_.pop_front();
    lock.unlock();
    v1::DownlinkBatch batch;
    bool ok = batch.ParseFromString(payload) && batch.site_id() == options_.site_id;
    if (!ok) {
      log::warn("downlink", "ignored a message on the down topic that is not a command batch for this site",
                {{"bytes", static_cast<uint64_t>(payload.size())}});
      lock.lock();
      stats_.malformed++;
      continue;
    }
    Result<uint64_t> through = journal_.accept(batch);
    if (!through.ok()) {
      // Not acknowledged: the relay sends it again.
      log::error("downlink", "could not journal commands; the relay will send them again", {{"error", through.status().to_string()}});
    } else {
      send_ack(batch.downlink_epoch(), *through);
    }
    lock.lock();
    stats_.batches++;
    if (through.ok()) {
      last_epoch_ = batch.downlink_epoch();
      last_through_ = *through;
    }
  }
}

bool Downlink::apply_next() {
  Result<std::optional<PendingCommand>> next = journal_.next();
  if (!next.ok()) {
    log::error("downlink", "cannot read the command journal", {{"error", next.status().to_string()}});
    return false;
  }
  if (!next->has_value()) return false;
  const PendingCommand& p = **next;
  const v1::Command& c = p.command;
  const std::string key = command_business_key(c);
  {
    std::lock_guard lock(mu_);
    stats_.current = std::string(command_kind(c)) + " " + c.command_id();
    stats_.apply_attempts++;
  }
  v1::CommandOutcome outcome;
  outcome.set_command_id(c.command_id());
  outcome.set_seq(c.seq());
  std::vector<std::pair<std::string, std::string>> mappings;
  if (std::string holder = journal_.held_by(key); !holder.empty() && holder != c.command_id()) {
    outcome.set_kind(v1::CommandOutcome::HELD);
    outcome.set_reason(kWaitsBehind + holder + " for " + key + ", which Clarus refused");
  } else {
    Result<Applied> applied = applier_.apply(c);
    if (!applied.ok() && applied.status().code() != Code::kInvalidArgument && applied.status().code() != Code::kNotFound) {
      std::lock_guard lock(mu_);
      if (!stats_.clarus_unavailable) {
        stats_.unavailable_since_ms = clock_.wall_ms();
        log::warn("downlink", "Clarus unavailable; commands wait in the journal, in order",
                  {{"command", c.command_id()}, {"error", applied.status().to_string()}});
      }
      stats_.clarus_unavailable = true;
      // No answer: Clarus may still be creating the record. The retry looks it
      // up first, so it must not come before Clarus has finished.
      last_ambiguous_ = applied.status().ambiguous();
      stats_.retries++;
      stats_.last_error = applied.status().message();
      return false;
    }
    if (applied.ok()) {
      outcome.set_kind(v1::CommandOutcome::APPLIED);
      outcome.set_clarus_id(applied->clarus_id);
      outcome.set_reason(applied->note);
      mappings = applied->mappings;
    } else {
      outcome.set_kind(v1::CommandOutcome::HELD);
      outcome.set_reason(applied.status().message());
    }
  }
  outcome.set_at_ms(clock_.wall_ms());
  Status s = journal_.finish(p.local_seq, c, outcome, mappings);
  if (!s.ok()) {
    log::error("downlink", "could not record a command's outcome; it will be applied again (idempotently)",
               {{"command", c.command_id()}, {"error", s.to_string()}});
    return false;
  }
  bool held = outcome.kind() == v1::CommandOutcome::HELD;
  if (held) {
    log::warn("downlink", "command held", {{"command", c.command_id()}, {"kind", command_kind(c)}, {"reason", outcome.reason()}});
  } else {
    log::info("downlink", "command applied", {{"command", c.command_id()}, {"kind", command_kind(c)}, {"clarus_id", outcome.clarus_id()}});
  }
  std::string epoch;
  uint64_t through = 0;
  {
    std::lock_guard lock(mu_);
    if (stats_.clarus_unavailable) log::info("downlink", "Clarus reachable again");
    stats_.clarus_unavailable = false;
    stats_.current.clear();
    epoch = last_epoch_;
    through = last_through_;
  }
  if (!epoch.empty()) send_ack(epoch, through);
  return true;
}

void Downlink::apply_loop() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (stopping_) return;
      work_ = false;
    }
    bool progressed = apply_next();
    std::unique_lock lock(mu_);
    if (stopping_) return;
    if (progressed) {
      failures_ = 0;
      continue;
    }
    if (stats_.clarus_unavailable) {
      Millis wait = backoff_.delay(failures_++);
      if (last_ambiguous_ && wait < options_.ambiguous_wait) wait = options_.ambiguous_wait;
      cv_.wait_for(lock, wait, [&] { return stopping_; });
    } else {
      cv_.wait_for(lock, Millis(5'000), [&] { return stopping_ || work_; });
    }
  }
}

}  // namespace sb::agent

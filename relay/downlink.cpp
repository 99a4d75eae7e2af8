#include "relay/downlink.h"

#include "platform/core/log.h"

namespace sb::relay {

Downlink::Downlink(CommandOutbox& outbox, MessageTransport& transport, const Clock& clock, DownlinkOptions options)
    : outbox_(outbox), transport_(transport), clock_(clock), options_(options) {}

Downlink::~Downlink() { stop(); }

void Downlink::attach() { (void)transport_.subscribe(v1::kAllDownAckFilter, 1); }

void Downlink::start() { thread_ = std::thread([this] { loop(); }); }

void Downlink::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Downlink::handle_ack(const MqttMessage& message) {
  {
    std::lock_guard lock(mu_);
    if (acks_.size() >= 10'000) return;  // dropped: the agent acknowledges again on the next batch
    acks_.push_back({v1::site_of_topic(message.topic), message.payload});
  }
  cv_.notify_all();
}

void Downlink::connected() {
  {
    std::lock_guard lock(mu_);
    resend_all_ = true;
    work_ = true;
  }
  cv_.notify_all();
}

void Downlink::site_online(const std::string& site) {
  {
    std::lock_guard lock(mu_);
    sent_at_.erase(site);  // due at once
    work_ = true;
  }
  cv_.notify_all();
}

void Downlink::wake() {
  {
    std::lock_guard lock(mu_);
    work_ = true;
  }
  cv_.notify_all();
}

DownlinkStats Downlink::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

size_t Downlink::step() {
  std::deque<std::pair<std::string, std::string>> acks;  // topic's site, payload
  bool resend_all = false;
  {
    std::lock_guard lock(mu_);
    acks.swap(acks_);
    resend_all = resend_all_;
    resend_all_ = false;
    work_ = false;
  }
  for (const auto& [topic_site, payload] : acks) {
    v1::DownlinkAck ack;
    // A site speaks only for itself: an ack naming another site than its topic's is refused.
    if (!ack.ParseFromString(payload) || ack.site_id().empty() || ack.site_id() != topic_site) {
      std::lock_guard lock(mu_);
      stats_.malformed_acks++;
      continue;
    }
    const uint64_t before = outbox_.stats(ack.site_id()).acked_through;
    // The outcomes are indexed in the ack's commit (see CommandOutbox::ack).
    Status s = outbox_.ack(ack.site_id(), ack);
    if (!s.ok()) log::error("downlink", "could not record an acknowledgement", {{"site", ack.site_id()}, {"error", s.to_string()}});
    if (outbox_.stats(ack.site_id()).acked_through > before) {
      std::lock_guard lock(mu_);
      sent_at_.erase(ack.site_id());  // progress: the next batch of a backlog goes at once
    }
    for (const v1::CommandOutcome& o : ack.outcomes()) {
      if (o.kind() == v1::CommandOutcome::HELD)
        log::warn("downlink", "a site held a command", {{"site", ack.site_id()}, {"command", o.command_id()}, {"reason", o.reason()}});
    }
    std::lock_guard lock(mu_);
    stats_.acks++;
  }
  size_t sent = 0;
  const int64_t now = clock_.mono_ms();
  for (const std::string& site : outbox_.sites()) {
    OutboxSiteStats st = outbox_.stats(site);
    if (st.waiting == 0) continue;
    // An offline site's commands wait in the outbox, not in the broker's queue;
    // site_online() sends them when it is back.
    if (options_.is_offline && options_.is_offline(site)) continue;
    bool resend = false;
    {
      std::lock_guard lock(mu_);
      auto at = sent_at_.find(site);
      const bool never = at == sent_at_.end();
      const bool timed_out = !never && now - at->second >= options_.resend_after.count();
      const bool grown = sent_next_[site] != st.next_seq;  // new commands since the last batch
      if (!never && !timed_out && !grown && !resend_all) continue;
      resend = !never && !grown;
    }
    Result<std::vector<v1::Command>> commands = outbox_.unacked(site, options_.batch_commands);
    if (!commands.ok() || commands->empty()) continue;
    v1::DownlinkBatch batch;
    batch.set_site_id(site);
    batch.set_downlink_epoch(outbox_.epoch());
    batch.set_sent_at_ms(clock_.wall_ms());
    for (v1::Command& c : *commands) *batch.add_commands() = std::move(c);
    Status p = transport_.publish(v1::down_topic(site), batch.SerializeAsString(), 1, false);
    if (!p.ok()) break;  // not connected: everything waits in the outbox
    std::lock_guard lock(mu_);
    sent_at_[site] = now;
    sent_next_[site] = st.next_seq;
    stats_.batches_sent++;
    stats_.commands_sent += static_cast<uint64_t>(batch.commands_size());
    if (resend) stats_.resends++;
    sent++;
  }
  return sent;
}

void Downlink::loop() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, options_.idle_poll, [&] { return stopping_ || work_ || !acks_.empty(); });
      if (stopping_) return;
    }
    step();
  }
}

}  // namespace sb::relay

#include "agent/forwarder.h"

#include <algorithm>

#include "platform/core/log.h"

namespace sb::agent {

Forwarder::Forwarder(Journal& journal, MessageTransport& transport, HttpClient* http, OutcomeLog& outcomes,
                     const Clock& clock, ForwarderOptions options)
    : journal_(journal),
      transport_(transport),
      http_(http),
      outcomes_(outcomes),
      clock_(clock),
      options_(std::move(options)),
      writer_(options_.site_id, journal.epoch()),
      https_backoff_(BackoffPolicy{Millis(500), Millis(30'000)}) {
  ack_topic_ = v1::ack_topic(options_.site_id);
  relay_acked_ = sent_through_ = journal_.acked_through();
  stats_.relay_acked = stats_.sent_through = relay_acked_;
  last_progress_mono_ = last_ack_mono_ = disconnected_since_mono_ = tokens_at_mono_ = clock_.mono_ms();
  started_ms_ = clock_.wall_ms();
  stats_.broker_changed_at_ms = started_ms_;
}

Forwarder::~Forwarder() { stop(); }

std::string Forwarder::offline_state(const std::string& site_id, const std::string& version) {
  v1::AgentState st;
  st.set_site_id(site_id);
  st.set_online(false);
  st.set_version(version);
  return st.SerializeAsString();
}

void Forwarder::attach() {
  transport_.on_message([this](MqttMessage m) {
    // Paho's thread: queue and return. The transport has one handler; messages
    // that are not uplink acks (the downlink) go to whoever asked for them.
    if (m.topic != ack_topic_) {
      if (other_messages_) other_messages_(std::move(m));
      return;
    }
    {
      std::lock_guard lock(mu_);
      ack_payloads_.push_back(std::move(m.payload));
    }
    cv_.notify_one();
  });
  transport_.on_connection([this](bool connected, const std::string& reason) {
    {
      std::lock_guard lock(mu_);
      stats_.broker_connected = connected;
      stats_.broker_changed_at_ms = clock_.wall_ms();
      if (connected) reconnected_ = true;
    }
    if (connected) {
      log::info("forwarder", "broker connected");
    } else {
      log::warn("forwarder", "broker connection lost; events stay in the journal", {{"reason", reason}});
    }
    cv_.notify_one();
  });
  (void)transport_.subscribe(v1::ack_topic(options_.site_id), 1);
}

void Forwarder::start() {
  thread_ = std::thread([this] {
    while (true) {
      {
        std::unique_lock lock(mu_);
        if (stopping_) return;
      }
      step();
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(50),
                   [this] { return stopping_ || woken_ || reconnected_ || !ack_payloads_.empty(); });
      woken_ = false;
    }
  });
}

void Forwarder::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Forwarder::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_one();
}

ForwarderStats Forwarder::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void Forwarder::set_error(std::string e) {
  std::lock_guard lock(mu_);
  stats_.last_error = std::move(e);
}

void Forwarder::rewind(const char* why) {
  if (sent_through_ > relay_acked_) {
    log::info("forwarder", "resending unacknowledged events",
              {{"why", why}, {"from_seq", relay_acked_ + 1}, {"through_seq", sent_through_}});
    std::lock_guard lock(mu_);
    ++stats_.resends;
  }
  sent_through_ = relay_acked_;
  inflight_.clear();
  last_progress_mono_ = clock_.mono_ms();
}

void Forwarder::apply_ack(const v1::UplinkAck& ack, int64_t now) {
  if (ack.site_id() != options_.site_id || ack.journal_epoch() != journal_.epoch()) {
    log::warn("forwarder", "ignoring an acknowledgement for another site or journal",
              {{"site", ack.site_id()}, {"epoch", ack.journal_epoch()}});
    return;
  }
  for (const v1::EventOutcome& o : ack.outcomes()) outcomes_.record(o);
  if (ack.has_erp()) {
    std::lock_guard lock(mu_);
    // Acks can arrive out of order (a redelivered one, an HTTPS answer): keep the newest report.
    if (ack.erp().reported_at_ms() >= stats_.erp.reported_at_ms()) stats_.erp = ack.erp();
  }
  uint64_t through = std::min<uint64_t>(ack.acked_through_seq(), journal_.last_seq());
  if (through <= relay_acked_) return;
  relay_acked_ = through;
  last_progress_mono_ = now;
  last_ack_mono_ = now;
  timeouts_in_row_ = 0;
  while (!inflight_.empty() && inflight_.front().last_seq <= relay_acked_) inflight_.pop_front();
  if (sent_through_ < relay_acked_) sent_through_ = relay_acked_;
  std::lock_guard lock(mu_);
  stats_.relay_acked = relay_acked_;
  stats_.last_ack_at_ms = clock_.wall_ms();
  if (rate_sample_mono_ == 0) {
    rate_sample_mono_ = now;
    rate_sample_acked_ = relay_acked_;
  } else if (now - rate_sample_mono_ >= 1000) {
    double instant = static_cast<double>(relay_acked_ - rate_sample_acked_) * 1000.0 /
                     static_cast<double>(now - rate_sample_mono_);
    stats_.ack_rate = stats_.ack_rate == 0 ? instant : 0.5 * stats_.ack_rate + 0.5 * instant;
    rate_sample_mono_ = now;
    rate_sample_acked_ = relay_acked_;
  }
}

void Forwarder::release_acknowledged() {
  // Free what the relay holds. A failed release is retried on the next step;
  // the relay keeps answering duplicates, so nothing is lost either way.
  if (journal_.acked_through() >= relay_acked_) return;
  Status s = journal_.release_through(relay_acked_);
  if (!s.ok()) {
    log::error("forwarder", "could not free acknowledged events", {{"error", s.to_string()}});
    set_error("freeing acknowledged events: " + s.to_string());
  }
}

void Forwarder::handle_acks(int64_t now) {
  std::vector<std::string> payloads;
  bool reconnected;
  {
    std::lock_guard lock(mu_);
    payloads.swap(ack_payloads_);
    reconnected = reconnected_;
    reconnected_ = false;
  }
  for (const std::string& p : payloads) {
    v1::UplinkAck ack;
    if (!ack.ParseFromString(p)) {
      log::warn("forwarder", "ignoring an acknowledgement that does not parse", {{"bytes", p.size()}});
      continue;
    }
    apply_ack(ack, now);
  }
  if (reconnected) {
    rewind("reconnected");
    next_state_mono_ = 0;
  }
}

std::string Forwarder::next_batch(int64_t now, uint64_t* last_seq, size_t* count) {
  size_t allowed = options_.batch_events;
  if (options_.drain_rate > 0) {
    double rate = static_cast<double>(options_.drain_rate);
    tokens_ = std::min(rate, tokens_ + rate * static_cast<double>(now - tokens_at_mono_) / 1000.0);
    tokens_at_mono_ = now;
    allowed = std::min(allowed, static_cast<size_t>(tokens_));
    if (allowed == 0) return {};
  }
  *count = 0;
  Status s = journal_.read(sent_through_ + 1, allowed, options_.batch_bytes, [&](uint64_t seq, std::string_view b) {
    writer_.add_event(b);
    *last_seq = seq;
  });
  if (!s.ok()) {
    log::error("forwarder", "could not read the journal", {{"error", s.to_string()}});
    writer_.finish(0);
    return {};
  }
  *count = writer_.events();
  if (*count == 0) {
    writer_.finish(0);
    return {};
  }
  if (options_.drain_rate > 0) tokens_ -= static_cast<double>(*count);
  return writer_.finish(clock_.wall_ms());
}

bool Forwarder::send_mqtt_batches(int64_t now) {
  const std::string topic = v1::up_topic(options_.site_id);
  bool sent_any = false;
  while (inflight_.size() < options_.window && journal_.last_seq() > sent_through_) {
    uint64_t last = 0;
    size_t count = 0;
    std::string batch = next_batch(now, &last, &count);
    if (batch.empty()) break;
    Status s = transport_.publish(topic, batch, 1, false);
    if (!s.ok()) break;  // not connected: the next reconnect rewinds and resends
    if (inflight_.empty()) last_progress_mono_ = now;
    inflight_.push_back({last, now});
    sent_through_ = last;
    sent_any = true;
    std::lock_guard lock(mu_);
    stats_.sent_through = last;
    stats_.events_sent += count;
    ++stats_.batches_sent;
  }
  return sent_any;
}

void Forwarder::send_https_batch(int64_t now) {
  if (now < next_https_mono_) return;
  if (inflight_.empty()) sent_through_ = relay_acked_;
  uint64_t last = 0;
  size_t count = 0;
  std::string batch = next_batch(now, &last, &count);
  if (batch.empty()) return;
  {
    std::lock_guard lock(mu_);
    stats_.https_active = true;
  }
  ClientRequest req;
  req.method = "POST";
  req.url = options_.uplink_url + "/v1/sites/" + url_encode(options_.site_id) + "/uplink";
  req.content_type = "application/x-protobuf";
  req.body = std::move(batch);
  req.timeout = options_.https_timeout;
  if (!options_.uplink_token.empty()) req.headers.emplace_back("Authorization", "Bearer " + options_.uplink_token);
  Result<HttpResponse> resp = http_->send(req);
  v1::UplinkAck ack;
  if (resp.ok() && resp->status == 200 && ack.ParseFromString(resp->body)) {
    https_failures_ = 0;
    {
      std::lock_guard lock(mu_);
      stats_.events_sent += count;
      ++stats_.batches_sent;
      stats_.sent_through = last;
    }
    const uint64_t before = relay_acked_;
    apply_ack(ack, clock_.mono_ms());
    sent_through_ = relay_acked_;
    release_acknowledged();
    if (relay_acked_ > before) return;
    // The relay answered but took nothing (its record of this journal is behind
    // ours, or the batch is not what it expects): do not hammer it.
    log::warn("forwarder", "the relay answered the HTTPS uplink without taking the batch",
              {{"relay_acked_through", ack.acked_through_seq()}, {"sent_from", before + 1}});
    set_error("the relay took nothing from the HTTPS batch starting at seq " + std::to_string(before + 1));
    next_https_mono_ = now + https_backoff_.delay(https_failures_++).count();
    return;
  }
  std::string why = resp.ok() ? "HTTP " + std::to_string(resp->status) + " " + resp->body.substr(0, 200)
                              : resp.status().to_string();
  log::warn("forwarder", "HTTPS uplink failed; will retry", {{"error", why}});
  set_error("HTTPS uplink: " + why);
  next_https_mono_ = now + https_backoff_.delay(https_failures_++).count();
}

void Forwarder::publish_state(int64_t now) {
  if (now < next_state_mono_) return;
  next_state_mono_ = now + options_.state_interval.count();
  JournalStats js = journal_.stats();
  v1::AgentState st;
  st.set_site_id(options_.site_id);
  st.set_online(true);
  st.set_version(options_.version);
  st.set_backlog_events(js.backlog);
  st.set_oldest_unacked_ms(js.oldest_accepted_ms);
  st.set_started_at_ms(started_ms_);
  st.set_updated_at_ms(clock_.wall_ms());
  st.set_last_seq(js.last_seq);
  st.set_acked_through_seq(js.acked_through);
  (void)transport_.publish(v1::state_topic(options_.site_id), st.SerializeAsString(), 1, true);
}

void Forwarder::step() {
  const int64_t now = clock_.mono_ms();
  handle_acks(now);
  const bool connected = transport_.is_connected();
  const bool pending = journal_.last_seq() > relay_acked_;
  if (!pending) last_ack_mono_ = now;  // nothing owed: not a stall
  if (connected) disconnected_since_mono_ = 0;
  if (!connected && disconnected_since_mono_ == 0) disconnected_since_mono_ = now;
  // HTTPS when the broker has been unreachable, or reachable but nothing
  // acknowledges (the relay's own link to the broker may be the broken one).
  const bool fallback_configured = http_ && !options_.uplink_url.empty();
  const bool broker_gone = !connected && now - disconnected_since_mono_ >= options_.https_fallback_after.count();
  const bool stalled = connected && pending && now - last_ack_mono_ >= options_.https_fallback_after.count();
  if (fallback_configured && (broker_gone || stalled)) {
    if (!inflight_.empty()) rewind(stalled ? "no acknowledgement over MQTT; trying the HTTPS uplink" : "switching to the HTTPS uplink");
    send_https_batch(now);
    if (connected) publish_state(now);
    return;
  }
  {
    std::lock_guard lock(mu_);
    stats_.https_active = false;
  }
  if (connected) {
    // Each rewind in a row waits twice as long (up to 8x), so a relay that is
    // slow or away is not flooded with the same window again and again.
    const int64_t timeout = options_.ack_timeout.count() << std::min(timeouts_in_row_, 3);
    if (!inflight_.empty() && now - last_progress_mono_ > timeout) {
      ++timeouts_in_row_;
      rewind("no acknowledgement in time");
    }
    send_mqtt_batches(now);
    // Freeing costs a durable commit: do it after the next batches are on their way.
    release_acknowledged();
    publish_state(now);
    return;
  }
  release_acknowledged();
}

}  // namespace sb::agent

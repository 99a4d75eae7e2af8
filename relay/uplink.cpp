#include "relay/uplink.h"

#include "platform/core/log.h"

namespace sb::relay {
namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && std::string_view(s).substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

Uplink::Uplink(Ledger& ledger, Poster& poster, MessageTransport& transport, const Clock& clock, Millis flush_interval)
    : ledger_(ledger), poster_(poster), transport_(transport), clock_(clock), flush_interval_(flush_interval) {}

Uplink::~Uplink() { stop(); }

void Uplink::attach() {
  transport_.on_message([this](MqttMessage m) {
    // One handler per transport: the downlink's acknowledgements go to it.
    if (other_messages_ && ends_with(m.topic, "/down/ack")) {
      other_messages_(std::move(m));
      return;
    }
    {
      std::lock_guard lock(mu_);
      // Past the bound a batch is dropped unacknowledged: its site sends it again.
      if (inbox_bytes_ + m.payload.size() > kMaxInboxBytes) {
        ++stats_.dropped_busy;
        return;
      }
      inbox_bytes_ += m.payload.size();
      inbox_.push_back({std::move(m.topic), std::move(m.payload)});
    }
    cv_.notify_one();
  });
  transport_.on_connection([this](bool connected, const std::string& reason) {
    {
      std::lock_guard lock(mu_);
      stats_.broker_connected = connected;
    }
    if (connected) {
      log::info("uplink", "broker connected");
      if (on_connected_) on_connected_();
    } else {
      log::warn("uplink", "broker connection lost", {{"reason", reason}});
    }
  });
  (void)transport_.subscribe(v1::kAllUpFilter, 1);
  (void)transport_.subscribe(v1::kAllStateFilter, 1);
}

void Uplink::start() {
  thread_ = std::thread([this] { intake_loop(); });
}

void Uplink::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status Uplink::check_batch(const std::string& site, const v1::UplinkBatch& batch) {
  if (site.empty() || site.size() > 64) return Status::InvalidArgument("the site id must be 1 to 64 characters");
  for (char ch : site) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
              ch == '_' || ch == '.';
    if (!ok) return Status::InvalidArgument("the site id may hold only letters, digits, '-', '_' and '.'");
  }
  if (batch.site_id() != site)
    return Status::InvalidArgument("the batch names site '" + batch.site_id() + "' but came for site '" + site + "'");
  if (batch.journal_epoch().empty() || batch.journal_epoch().size() > 64)
    return Status::InvalidArgument("the batch has no valid journal_epoch");
  return Status::Ok();
}

void Uplink::on_state(const std::string& site, const std::string& payload) {
  SiteState st;
  if (payload.empty()) return;  // a cleared retained message
  if (!st.state.ParseFromString(payload)) {
    log::warn("uplink", "ignoring a site state that does not parse", {{"site", site}});
    return;
  }
  st.received_at_ms = clock_.wall_ms();
  bool was_online = false;
  {
    std::lock_guard lock(mu_);
    auto it = sites_.find(site);
    was_online = it != sites_.end() && it->second.state.online();
    sites_[site] = st;
  }
  if (was_online != st.state.online()) {
    log::info("uplink", st.state.online() ? "site online" : "site offline",
              {{"site", site}, {"backlog", st.state.backlog_events()}});
    if (st.state.online() && on_site_online_) on_site_online_(site);
  }
}

void Uplink::after_intake(const std::vector<IntakeResult>& results) {
  std::lock_guard lock(mu_);
  for (const IntakeResult& r : results) {
    ++stats_.batches;
    stats_.events_taken += r.fresh.size() + r.held.size();
    stats_.redelivered += r.redelivered;
    stats_.duplicate_ids += r.duplicate_ids;
    stats_.beyond_gap += r.beyond_gap;
  }
}

Result<std::vector<IntakeResult>> Uplink::take(const std::vector<const v1::UplinkBatch*>& batches) {
  // One at a time from the MQTT and HTTPS paths, so the poster's queues are
  // filled in the ledger's commit order (order per business key).
  std::lock_guard order(take_mu_);
  Result<std::vector<IntakeResult>> results = ledger_.accept(batches);
  if (!results.ok()) return results;
  for (const IntakeResult& r : *results) {
    poster_.enqueue(r.fresh);
    poster_.enqueue_held(r.held);
  }
  after_intake(*results);
  return results;
}

void Uplink::intake_loop() {
  int64_t next_flush = clock_.mono_ms() + flush_interval_.count();
  while (true) {
    std::vector<Inbound> inbox;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, flush_interval_, [this] { return stopping_ || !inbox_.empty(); });
      if (stopping_ && inbox_.empty()) break;
      inbox.swap(inbox_);
      inbox_bytes_ = 0;
    }
    std::vector<v1::UplinkBatch> batches;
    batches.reserve(inbox.size());
    for (Inbound& in : inbox) {
      const std::string site = v1::site_of_topic(in.topic);
      if (ends_with(in.topic, "/state")) {
        on_state(site, in.payload);
        continue;
      }
      v1::UplinkBatch batch;
      Status s = batch.ParseFromString(in.payload) ? check_batch(site, batch)
                                                    : Status::InvalidArgument("the batch does not parse");
      if (!s.ok()) {
        log::error("uplink", "refused a batch; the site will resend it", {{"topic", in.topic}, {"reason", s.message()}});
        std::lock_guard lock(mu_);
        ++stats_.rejected_batches;
        stats_.last_error = s.message();
        continue;
      }
      batches.push_back(std::move(batch));
    }
    // Bounded groups keep each ledger transaction short however much arrived at once.
    constexpr size_t kBatchesPerCommit = 64;
    for (size_t start = 0; start < batches.size(); start += kBatchesPerCommit) {
      std::vector<const v1::UplinkBatch*> group;
      for (size_t i = start; i < std::min(batches.size(), start + kBatchesPerCommit); ++i) group.push_back(&batches[i]);
      Result<std::vector<IntakeResult>> results = take(group);
      if (!results.ok()) {
        // Not acknowledged, so the sites send again; nothing is lost.
        log::error("uplink", "could not commit batches to the ledger", {{"error", results.status().to_string()}});
        std::lock_guard lock(mu_);
        stats_.last_error = results.status().to_string();
        continue;
      }
      for (const IntakeResult& r : *results) {
        v1::UplinkAck ack;
        ack.set_site_id(r.site_id);
        ack.set_journal_epoch(r.epoch);
        ack.set_acked_through_seq(r.acked_through);
        if (erp_link_) *ack.mutable_erp() = erp_link_();
        if (transport_.publish(v1::ack_topic(r.site_id), ack.SerializeAsString(), 1, false).ok()) {
          std::lock_guard lock(mu_);
          ++stats_.acks_published;
        }
      }
    }
    if (clock_.mono_ms() >= next_flush) {
      flush_outcomes();
      next_flush = clock_.mono_ms() + flush_interval_.count();
    }
  }
  flush_outcomes();
}

void Uplink::add_outcome(const std::string& site, const std::string& epoch, const v1::EventOutcome& outcome) {
  std::lock_guard lock(mu_);
  auto& list = outcomes_[{site, epoch}];
  if (list.size() < 10'000) list.push_back(outcome);  // best effort; the ledger holds the truth
}

void Uplink::flush_outcomes() {
  std::map<std::pair<std::string, std::string>, std::vector<v1::EventOutcome>> pending;
  {
    std::lock_guard lock(mu_);
    pending.swap(outcomes_);
  }
  for (auto& [stream, list] : pending) {
    v1::UplinkAck ack;
    ack.set_site_id(stream.first);
    ack.set_journal_epoch(stream.second);
    ack.set_acked_through_seq(ledger_.high_water(stream.first, stream.second));
    if (erp_link_) *ack.mutable_erp() = erp_link_();
    for (auto& o : list) *ack.add_outcomes() = std::move(o);
    if (transport_.publish(v1::ack_topic(stream.first), ack.SerializeAsString(), 1, false).ok()) {
      std::lock_guard lock(mu_);
      stats_.outcomes_published += static_cast<uint64_t>(ack.outcomes_size());
    } else {
      // The site is not reachable now; keep them for its next HTTPS answer or reconnect.
      std::lock_guard lock(mu_);
      auto& back = outcomes_[stream];
      for (auto& o : *ack.mutable_outcomes()) {
        if (back.size() < 10'000) back.push_back(std::move(o));
      }
    }
  }
}

Result<std::string> Uplink::accept_http(const std::string& site, const std::string& body) {
  v1::UplinkBatch batch;
  if (!batch.ParseFromString(body)) return Status::InvalidArgument("the body is not an UplinkBatch");
  SB_RETURN_IF_ERROR(check_batch(site, batch));
  Result<std::vector<IntakeResult>> results = take({&batch});
  if (!results.ok()) return results.status();
  const IntakeResult& r = results->front();
  v1::UplinkAck ack;
  ack.set_site_id(r.site_id);
  ack.set_journal_epoch(r.epoch);
  ack.set_acked_through_seq(r.acked_through);
  if (erp_link_) *ack.mutable_erp() = erp_link_();
  std::lock_guard lock(mu_);
  auto it = outcomes_.find({r.site_id, r.epoch});
  if (it != outcomes_.end()) {
    for (auto& o : it->second) *ack.add_outcomes() = std::move(o);
    outcomes_.erase(it);
  }
  return ack.SerializeAsString();
}

UplinkStats Uplink::stats() const {
  // broker_connected is kept by the connection handler: asking the transport
  // here, under mu_, would invert the lock order with Paho's callback thread.
  std::lock_guard lock(mu_);
  return stats_;
}

std::map<std::string, SiteState> Uplink::sites() const {
  std::map<std::string, SiteState> out;
  {
    std::lock_guard lock(mu_);
    out = sites_;
  }
  if (silent_after_.count() > 0) {
    const int64_t now = clock_.wall_ms();
    for (auto& [site, st] : out)
      if (st.state.online() && now - st.received_at_ms > silent_after_.count()) st.state.set_online(false);
  }
  return out;
}

}  // namespace sb::relay

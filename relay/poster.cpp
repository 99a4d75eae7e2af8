#include "relay/poster.h"

#include <algorithm>

#include "platform/core/log.h"

namespace sb::relay {

Poster::Poster(Ledger& ledger, ErpConnector& erp, const Clock& clock, PosterOptions options, OutcomeSink sink)
    : ledger_(ledger),
      erp_(erp),
      clock_(clock),
      options_(options),
      sink_(std::move(sink)),
      backoff_(options.backoff),
      limit_(std::max(1, options.max_concurrency)) {
  options_.min_concurrency = std::clamp(options_.min_concurrency, 1, limit_);
}

Poster::~Poster() { stop(); }

Status Poster::load() {
  std::lock_guard lock(mu_);
  uint64_t n = 0, held = 0, attempted = 0;
  Status s = ledger_.scan_open([&](uint64_t seq, const LedgerRecord& rec) {
    std::string key = scheduling_key(rec.event, seq);
    Key& k = keys_[key];
    k.seqs.push_back(seq);
    ++queued_;
    if (rec.held && k.seqs.size() == 1) {
      k.held = true;
      ++held_keys_;
      ++held;
    }
    if (rec.attempted) {
      attempted_.insert(seq);
      ++attempted;
    }
    ++n;
  });
  if (!s.ok()) return s;
  const int64_t now = clock_.mono_ms();
  for (auto& [key, k] : keys_) make_ready(key, k, now);
  log::info("poster", "loaded events in custody",
            {{"events", n}, {"keys", keys_.size()}, {"held", held}, {"attempted_before_restart", attempted}});
  return Status::Ok();
}

void Poster::make_ready(const std::string& key, Key& k, int64_t now) {
  if (k.busy || k.held || k.seqs.empty()) return;
  if (k.not_before > now) {
    delayed_.emplace(k.not_before, key);
  } else {
    ready_.push_back(key);
  }
}

void Poster::enqueue(const std::vector<LedgerEntry>& entries) {
  if (entries.empty()) return;
  {
    std::lock_guard lock(mu_);
    const int64_t now = clock_.mono_ms();
    for (const LedgerEntry& e : entries) {
      Key& k = keys_[e.key];
      k.seqs.push_back(e.ledger_seq);
      ++queued_;
      // A key that was idle becomes ready; one already queued or running keeps its place.
      if (k.seqs.size() == 1) make_ready(e.key, k, now);
    }
  }
  cv_.notify_all();
}

void Poster::enqueue_held(const std::vector<LedgerEntry>& entries) {
  std::lock_guard lock(mu_);
  for (const LedgerEntry& e : entries) {
    Key& k = keys_[e.key];
    k.seqs.push_back(e.ledger_seq);
    ++queued_;
    if (k.seqs.size() == 1) {
      k.held = true;
      ++held_keys_;
    }
  }
}

void Poster::start() {
  for (int i = 0; i < options_.max_concurrency; ++i) workers_.emplace_back([this] { worker(); });
}

void Poster::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

ErpOutcome Poster::attempt(uint64_t seq, bool lookup, LedgerRecord* record) {
  Result<LedgerRecord> loaded = ledger_.load(seq);
  if (!loaded.ok()) return ErpOutcome::retry("reading the ledger: " + loaded.status().to_string(), false);
  *record = std::move(loaded).value();
  // Never post what the ledger holds. An invalid event taken as held at intake
  // can sit behind earlier events of its business key when load() rebuilds the
  // queues, so it can reach the head here; it then blocks its key instead.
  if (record->held) return ErpOutcome::rejected(record->held_reason);
  if (lookup) {
    {
      std::lock_guard lock(mu_);
      ++stats_.lookups;
      ++stats_.erp_calls;
    }
    ErpOutcome found = erp_.find(record->event);
    if (found.kind == ErpOutcome::Kind::kPosted) {
      std::lock_guard lock(mu_);
      ++stats_.found_by_lookup;
      return found;
    }
    if (found.kind != ErpOutcome::Kind::kNotFound) {
      found.ambiguous = true;  // still unknown whether the first attempt landed
      return found;
    }
  }
  Status marked = ledger_.mark_attempted(seq);
  if (!marked.ok()) return ErpOutcome::retry("recording the attempt: " + marked.to_string(), false);
  {
    std::lock_guard lock(mu_);
    ++stats_.erp_calls;
  }
  return erp_.post(record->event);
}

void Poster::finish(const std::string& key, uint64_t seq, const LedgerRecord& record, const ErpOutcome& o) {
  v1::EventOutcome out;
  out.set_event_id(record.event.event_id());
  out.set_seq(record.event.seq());
  out.set_at_ms(clock_.wall_ms());
  ErpOutcome outcome = o;
  if (outcome.kind == ErpOutcome::Kind::kPosted) {
    Status s = ledger_.mark_posted(seq, record.event.event_id(), outcome.erp_id);
    if (!s.ok()) outcome = ErpOutcome::retry("recording the posting: " + s.to_string(), true);
  } else if (outcome.kind == ErpOutcome::Kind::kRejected && !record.held) {  // held already: nothing to record
    Status s = ledger_.mark_held(seq, record.event.event_id(), outcome.reason);
    if (!s.ok()) outcome = ErpOutcome::retry("recording the exception: " + s.to_string(), false);
  }

  std::unique_lock lock(mu_);
  const int64_t now = clock_.mono_ms();
  Key& k = keys_[key];
  k.busy = false;
  --active_;
  switch (outcome.kind) {
    case ErpOutcome::Kind::kPosted:
      k.seqs.pop_front();
      --queued_;
      k.attempts = 0;
      k.lookup_first = false;
      attempted_.erase(seq);
      ++stats_.posted;
      if (++successes_in_row_ >= options_.raise_after && limit_ < options_.max_concurrency) {
        ++limit_;
        successes_in_row_ = 0;
      }
      out.set_kind(v1::EventOutcome::POSTED);
      out.set_erp_id(outcome.erp_id);
      break;
    case ErpOutcome::Kind::kRejected:
      if (!k.held) ++held_keys_;
      k.held = true;
      ++stats_.held;
      out.set_kind(v1::EventOutcome::HELD);
      out.set_reason(outcome.reason);
      log::warn("poster", "event held as an exception; its key waits",
                {{"event_id", record.event.event_id()}, {"key", key}, {"reason", outcome.reason}});
      break;
    case ErpOutcome::Kind::kNotFound:  // not an answer post() gives; if it ever does, look up before posting again
      outcome.ambiguous = true;
      [[fallthrough]];
    case ErpOutcome::Kind::kRetry: {
      ++stats_.retries;
      stats_.last_error = outcome.reason;
      successes_in_row_ = 0;
      if (outcome.ambiguous) k.lookup_first = true;
      if (outcome.throttled) {
        ++stats_.throttled;
        int lowered = std::max(options_.min_concurrency, limit_ / 2);
        if (lowered < limit_) log::warn("poster", "ERP throttled us; lowering concurrency", {{"limit", lowered}});
        limit_ = lowered;
      }
      Millis wait = std::max(backoff_.delay(k.attempts++), outcome.retry_after);
      k.not_before = now + wait.count();
      log::info("poster", "will retry", {{"event_id", record.event.event_id()}, {"reason", outcome.reason},
                                         {"attempt", k.attempts}, {"wait_ms", static_cast<int64_t>(wait.count())}});
      break;
    }
  }
  if (k.seqs.empty()) {
    keys_.erase(key);
  } else {
    make_ready(key, k, now);
  }
  lock.unlock();
  cv_.notify_all();
  if (out.kind() != v1::EventOutcome::KIND_UNSPECIFIED && sink_) sink_(record.event.site_id(), record.epoch, out);
}

void Poster::worker() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    int64_t now = clock_.mono_ms();
    while (!delayed_.empty() && delayed_.begin()->first <= now) {
      std::string key = delayed_.begin()->second;
      delayed_.erase(delayed_.begin());
      auto it = keys_.find(key);
      if (it != keys_.end() && !it->second.busy && !it->second.held && !it->second.seqs.empty()) {
        ready_.push_back(key);
      }
    }
    if (active_ >= limit_ || ready_.empty()) {
      if (delayed_.empty()) {
        cv_.wait(lock);
      } else {
        cv_.wait_for(lock, Millis(std::clamp<int64_t>(delayed_.begin()->first - now, 1, 1000)));
      }
      continue;
    }
    std::string key = std::move(ready_.front());
    ready_.pop_front();
    auto it = keys_.find(key);
    if (it == keys_.end() || it->second.busy || it->second.held || it->second.seqs.empty()) continue;
    Key& k = it->second;
    k.busy = true;
    ++active_;
    const uint64_t seq = k.seqs.front();
    const bool lookup = k.lookup_first || attempted_.count(seq) > 0;
    lock.unlock();

    LedgerRecord record;
    ErpOutcome outcome = attempt(seq, lookup, &record);
    finish(key, seq, record, outcome);

    lock.lock();
  }
}

PosterStats Poster::stats() const {
  // Counters kept as work moves, so a status probe never walks every key.
  std::lock_guard lock(mu_);
  PosterStats s = stats_;
  s.keys = keys_.size();
  s.queued = queued_;
  s.blocked_keys = held_keys_;
  s.delayed_keys = delayed_.size();
  s.in_progress = active_;
  s.concurrency_limit = limit_;
  s.max_concurrency = options_.max_concurrency;
  return s;
}

}  // namespace sb::relay

#include "relay/poster.h"

#include <algorithm>

#include "platform/core/log.h"
#include "stockbridge/v1/event_view.h"
#include "stockbridge/v1/exceptions.h"

namespace sb::relay {

namespace {

// Before snapshots were kept for reconciliation, the connector held every
// InventorySnapshot. Such a hold is lifted: the snapshot is kept now (and its
// key no longer blocks every later snapshot).
bool held_by_old_snapshot_rule(const LedgerRecord& r) {
  return r.held && r.event.has_inventory_snapshot() &&
         r.held_reason.rfind("InventorySnapshot events are for reconciliation", 0) == 0;
}

constexpr char kEvent[] = "event";
// What ledger.cpp writes for an event held at intake.
constexpr char kInvalidPrefix[] = "invalid event from the agent";

std::string class_of_held(const LedgerRecord& r) {
  return r.held_reason.rfind(kInvalidPrefix, 0) == 0 ? "INVALID_EVENT" : "ERP_REJECTED";
}

ExceptionRaise raise_for(const LedgerRecord& r, const std::string& cls, const std::string& reason) {
  ExceptionRaise x;
  x.cls = cls;
  x.owner = std::string(v1::exception_owner(cls));
  x.subject_kind = kEvent;
  x.subject_id = r.event.event_id();
  x.site = r.event.site_id();
  x.key = r.event.business_key();
  x.reason = reason;
  x.detail = v1::event_view(r.event).dump();
  return x;
}

}  // namespace

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
  std::vector<std::pair<uint64_t, LedgerRecord>> held_records;
  std::unique_lock lock(mu_);
  uint64_t n = 0, held = 0, attempted = 0;
  Status s = ledger_.scan_open([&](uint64_t seq, const LedgerRecord& rec) {
    if (rec.held && !held_by_old_snapshot_rule(rec)) held_records.emplace_back(seq, rec);
    std::string key = scheduling_key(rec.event, seq);
    Key& k = keys_[key];
    k.seqs.push_back(seq);
    ++queued_;
    if (rec.held && !held_by_old_snapshot_rule(rec) && k.seqs.size() == 1) {
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
  lock.unlock();
  reconcile_exceptions(held_records);
  if (!book_) return Status::Ok();
  // Events released before the restart (retried, or re-validated) and not yet
  // posted: their exceptions resolve when they post.
  return book_->scan_unclosed([&](const ExceptionRecord& x) {
    if (x.subject_kind != kEvent) return true;
    Result<uint64_t> seq = ledger_.seq_of(x.subject_id);
    if (!seq.ok() || *seq == 0) return true;
    Result<LedgerRecord> rec = ledger_.load(*seq);
    std::lock_guard relock(mu_);
    if (rec.ok() && !rec->held) released_.insert(*seq);
    return true;
  });
}

void Poster::reconcile_exceptions(const std::vector<std::pair<uint64_t, LedgerRecord>>& held) {
  if (!book_) return;
  for (const auto& [seq, rec] : held) {
    const std::string key = scheduling_key(rec.event, seq);
    Result<ExceptionRecord> x = book_->find_subject(kEvent, rec.event.event_id());
    std::string cls = x.ok() ? x->cls : class_of_held(rec);
    if (!x.ok() || is_closed(x->state)) {
      Status r = book_->raise(raise_for(rec, cls, rec.held_reason)).status();
      if (!r.ok()) log::warn("poster", "could not record the exception of a held event", {{"event_id", rec.event.event_id()}, {"error", r.to_string()}});
    }
    std::lock_guard lock(mu_);
    auto it = keys_.find(key);
    if (it != keys_.end() && !it->second.seqs.empty() && it->second.seqs.front() == seq) held_class_[key] = cls;
  }
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
  std::vector<std::pair<uint64_t, LedgerRecord>> held;
  {
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
  if (!book_) return;
  for (const LedgerEntry& e : entries) {
    Result<LedgerRecord> r = ledger_.load(e.ledger_seq);
    if (r.ok()) held.emplace_back(e.ledger_seq, std::move(r).value());
  }
  reconcile_exceptions(held);
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

namespace {

// Stock adjustments that may net into one ERP record: one site, SKU,
// warehouse, unit and UTC day (the record's date must stay in its period).
bool coalescible(const v1::Event& head, const v1::Event& e) {
  if (!head.has_stock_adjustment() || !e.has_stock_adjustment()) return false;
  const v1::StockAdjustment& a = head.stock_adjustment();
  const v1::StockAdjustment& b = e.stock_adjustment();
  constexpr int64_t kDayMs = 86'400'000;
  return head.site_id() == e.site_id() && a.sku() == b.sku() && a.warehouse() == b.warehouse() &&
         a.unit() == b.unit() && head.occurred_at_ms() / kDayMs == e.occurred_at_ms() / kDayMs;
}

}  // namespace

Status Poster::form_group(Work& w) {
  w.group.clear();
  if (w.record.attempted) {
    // Attempted before: exactly the same events again, so one record stays one record.
    for (uint64_t seq : w.record.coalesced_with) {
      Result<LedgerRecord> r = ledger_.load(seq);
      if (r.status().code() == Code::kNotFound) continue;  // recorded already; nothing to post for it
      if (!r.ok()) return r.status();
      w.group.emplace_back(seq, std::move(r).value());
    }
    return Status::Ok();
  }
  if (!w.record.event.has_stock_adjustment()) return Status::Ok();
  for (uint64_t seq : w.behind) {
    Result<LedgerRecord> r = ledger_.load(seq);
    if (!r.ok()) return r.status();
    if (r->held || r->attempted || !coalescible(w.record.event, r->event)) break;  // order is kept: stop at the first misfit
    w.group.emplace_back(seq, std::move(r).value());
  }
  return Status::Ok();
}

std::optional<ErpOutcome> Poster::look_up(const v1::Event& e) {
  {
    std::lock_guard lock(mu_);
    ++stats_.lookups;
    ++stats_.erp_calls;
  }
  ErpOutcome found = erp_.find(e);
  if (found.kind == ErpOutcome::Kind::kNotFound) return std::nullopt;
  if (found.kind == ErpOutcome::Kind::kPosted) {
    std::lock_guard lock(mu_);
    ++stats_.found_by_lookup;
  } else {
    found.ambiguous = true;  // still unknown whether the first attempt landed
  }
  return found;
}

ErpOutcome Poster::attempt(Work& w) {
  Result<LedgerRecord> loaded = ledger_.load(w.seq);
  if (!loaded.ok()) return ErpOutcome::retry("reading the ledger: " + loaded.status().to_string(), false);
  w.record = std::move(loaded).value();
  // Never post what the ledger holds. An invalid event taken as held at intake
  // can sit behind earlier events of its business key when load() rebuilds the
  // queues, so it can reach the head here; it then blocks its key instead.
  if (w.record.held && !held_by_old_snapshot_rule(w.record)) {
    Result<ExceptionRecord> x = book_ ? book_->find_subject(kEvent, w.record.event.event_id())
                                      : Result<ExceptionRecord>(Status::NotFound(""));
    return ErpOutcome::rejected(w.record.held_reason, x.ok() ? x->cls : class_of_held(w.record));
  }
  if (Status s = form_group(w); !s.ok()) return ErpOutcome::retry("reading the ledger: " + s.to_string(), false);

  v1::Event net = w.record.event;  // the head, or the net of its group
  std::vector<std::string> covers{net.event_id()};
  std::vector<uint64_t> with;
  if (!w.group.empty()) {
    int64_t total = net.stock_adjustment().quantity_delta();
    for (const auto& [seq, rec] : w.group) {
      total += rec.event.stock_adjustment().quantity_delta();
      covers.push_back(rec.event.event_id());
      with.push_back(seq);
    }
    // A net of zero cannot be posted (and would leave its events with no ERP
    // record to trace): the group gives back its last events until it is not.
    while (total == 0 && !w.record.attempted && !w.group.empty()) {
      total -= w.group.back().second.event.stock_adjustment().quantity_delta();
      w.group.pop_back();
      covers.pop_back();
      with.pop_back();
    }
    net.mutable_stock_adjustment()->set_quantity_delta(total);
  }
  if (w.lookup) {
    if (std::optional<ErpOutcome> found = look_up(net)) {
      w.found_by_lookup = found->kind == ErpOutcome::Kind::kPosted;
      return *found;
    }
  }
  Status marked = ledger_.mark_attempted(w.seq, with);
  if (!marked.ok()) return ErpOutcome::retry("recording the attempt: " + marked.to_string(), false);
  {
    std::lock_guard lock(mu_);
    ++stats_.erp_calls;
  }
  if (w.group.empty()) return erp_.post(net);
  log::info("poster", "posting coalesced stock adjustments as one net record",
            {{"first_event_id", net.event_id()}, {"events", covers.size()},
             {"net_quantity", net.stock_adjustment().quantity_delta()}});
  return erp_.post_net(net, covers);
}

void Poster::finish(Work& w, const ErpOutcome& o) {
  const LedgerRecord& record = w.record;
  ErpOutcome outcome = o;
  ExceptionRecord raised;
  if (outcome.kind == ErpOutcome::Kind::kPosted) {
    std::vector<Ledger::Posted> done{{w.seq, record.event.event_id()}};
    for (const auto& [seq, rec] : w.group) done.push_back({seq, rec.event.event_id()});
    bool was_released;
    std::string quiet_why;
    {
      std::lock_guard lock(mu_);
      was_released = released_.count(w.seq) > 0;
      if (auto q = quiet_.find(w.seq); q != quiet_.end()) {
        was_released = true;
        quiet_why = q->second;
      }
    }
    Ledger::AlsoInTxn resolve;
    const std::string note =
        w.found_by_lookup ? "superseded: the ERP already holds record " + outcome.erp_id + " for this event"
        : quiet_why.empty() ? "posted as ERP record " + outcome.erp_id + " after the retry"
                            : "re-validated (" + quiet_why + "): posted as ERP record " + outcome.erp_id;
    if (was_released && book_) {
      resolve = [&](WriteTxn& txn) {
        Status r = book_->resolve_subject_in(txn, kEvent, record.event.event_id(), "system", note);
        return r.code() == Code::kNotFound ? Status::Ok() : r;
      };
    }
    Status s = ledger_.mark_posted(done, outcome.erp_id, resolve);
    if (!s.ok()) outcome = ErpOutcome::retry("recording the posting: " + s.to_string(), true);
  } else if (outcome.kind == ErpOutcome::Kind::kRejected && !record.held) {  // held already: nothing to record
    Ledger::AlsoInTxn raise;
    bool quiet;
    {
      std::lock_guard lock(mu_);
      quiet = quiet_.count(w.seq) > 0;
    }
    // A quiet re-validation held for the same class and reason changes nothing in the exception.
    if (quiet && book_) {
      Result<ExceptionRecord> x = book_->find_subject(kEvent, record.event.event_id());
      if (x.ok() && !is_closed(x->state) && x->cls == outcome.cls && x->reason == outcome.reason) {
        raised = *x;
      } else {
        quiet = false;
      }
    }
    if (book_ && !quiet) {
      raise = [&](WriteTxn& txn) {
        return book_->raise_in(txn, raise_for(record, outcome.cls, outcome.reason), &raised);
      };
    }
    Status s = ledger_.mark_held(w.seq, record.event.event_id(), outcome.reason, raise);
    if (!s.ok()) outcome = ErpOutcome::retry("recording the exception: " + s.to_string(), false);
  } else if (outcome.kind == ErpOutcome::Kind::kRejected && book_) {
    if (Result<ExceptionRecord> x = book_->find_subject(kEvent, record.event.event_id()); x.ok()) raised = *x;
  }

  std::vector<std::pair<std::string, v1::EventOutcome>> outs;  // epoch and outcome, sent once the lock is released
  auto report = [&](const LedgerRecord& r, v1::EventOutcome::Kind kind) {
    const v1::Event& e = r.event;
    auto& [epoch, out] = outs.emplace_back();
    epoch = r.epoch;
    out.set_event_id(e.event_id());
    out.set_seq(e.seq());
    out.set_at_ms(clock_.wall_ms());
    out.set_kind(kind);
    out.set_business_key(e.business_key());
    return &out;
  };
  std::unique_lock lock(mu_);
  const int64_t now = clock_.mono_ms();
  Key& k = keys_[w.key];
  k.busy = false;
  --active_;
  switch (outcome.kind) {
    case ErpOutcome::Kind::kPosted: {
      const size_t n = 1 + w.group.size();
      auto drop = [&](uint64_t seq) {  // the group is the key's head; searched all the same
        if (auto it = std::find(k.seqs.begin(), k.seqs.end(), seq); it != k.seqs.end()) {
          k.seqs.erase(it);
          --queued_;
        }
      };
      drop(w.seq);
      for (const auto& member : w.group) drop(member.first);
      k.attempts = 0;
      k.lookup_first = false;
      attempted_.erase(w.seq);
      released_.erase(w.seq);
      quiet_.erase(w.seq);
      stats_.posted += n;
      stats_.last_ok_ms = clock_.wall_ms();
      if (const int64_t second = clock_.mono_ms() / 1000;
          !posted_by_second_.empty() && posted_by_second_.back().first == second) {
        posted_by_second_.back().second += n;
      } else {
        posted_by_second_.emplace_back(second, n);
      }
      if (!w.group.empty()) {
        stats_.coalesced_events += n;
        stats_.calls_saved += n - 1;
        ++stats_.coalesced_records;
      }
      if (++successes_in_row_ >= options_.raise_after && limit_ < options_.max_concurrency) {
        ++limit_;
        successes_in_row_ = 0;
      }
      report(record, v1::EventOutcome::POSTED)->set_erp_id(outcome.erp_id);
      for (const auto& member : w.group) report(member.second, v1::EventOutcome::POSTED)->set_erp_id(outcome.erp_id);
      break;
    }
    case ErpOutcome::Kind::kRejected:
    {
      if (!k.held) ++held_keys_;
      k.held = true;
      ++stats_.held;
      stats_.last_ok_ms = clock_.wall_ms();  // the ERP answered: the link works, the record did not
      released_.erase(w.seq);
      quiet_.erase(w.seq);
      held_class_[w.key] = outcome.cls;
      v1::EventOutcome* out = report(record, v1::EventOutcome::HELD);
      out->set_reason(outcome.reason);
      out->set_exception_class(outcome.cls);
      out->set_exception_id(raised.id);
      log::warn("poster", "event held as an exception; its key waits",
                {{"event_id", record.event.event_id()}, {"key", w.key}, {"class", outcome.cls},
                 {"exception", raised.id}, {"reason", outcome.reason}, {"coalesced_with", w.group.size()}});
      break;
    }
    case ErpOutcome::Kind::kNotFound:  // not an answer post() gives; if it ever does, look up before posting again
      outcome.ambiguous = true;
      [[fallthrough]];
    case ErpOutcome::Kind::kRetry: {
      ++stats_.retries;
      stats_.last_error = outcome.reason;
      stats_.last_failure_ms = clock_.wall_ms();
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
    keys_.erase(w.key);
    held_class_.erase(w.key);
  } else {
    make_ready(w.key, k, now);
  }
  lock.unlock();
  cv_.notify_all();
  if (sink_) {
    for (const auto& [epoch, out] : outs) sink_(record.event.site_id(), epoch, out);
  }
}

Status Poster::find_held(const std::string& event_id, uint64_t* seq, LedgerRecord* rec, std::string* key) {
  Result<uint64_t> s = ledger_.seq_of(event_id);
  if (!s.ok()) return s.status();
  if (*s == 0) return Status::NotFound("event " + event_id + " is not in the relay's custody (posted, discarded or never received)");
  Result<LedgerRecord> r = ledger_.load(*s);
  if (!r.ok()) return r.status();
  if (!r->held) return Status::FailedPrecondition("event " + event_id + " is not held (it is queued or being posted)");
  *seq = *s;
  *rec = std::move(r).value();
  *key = scheduling_key(rec->event, *seq);
  // Its hold may be committed while the worker that held it has not yet let go
  // of its key: acting now would race that worker.
  std::lock_guard lock(mu_);
  auto it = keys_.find(*key);
  if (it != keys_.end() && it->second.busy && !it->second.seqs.empty() && it->second.seqs.front() == *seq)
    return Status::FailedPrecondition("event " + event_id + " is being recorded right now; try again in a moment");
  return Status::Ok();
}

void Poster::unblock(const std::string& key, uint64_t seq) {
  {
    std::lock_guard lock(mu_);
    ++stats_.released;
    released_.insert(seq);
    auto it = keys_.find(key);
    if (it == keys_.end()) return;
    Key& k = it->second;
    if (k.held && !k.seqs.empty() && k.seqs.front() == seq) {
      k.held = false;
      --held_keys_;
      held_class_.erase(key);
      k.lookup_first = true;  // the ERP may hold it already (superseded): look before posting
      k.attempts = 0;
      k.not_before = 0;
      make_ready(key, k, clock_.mono_ms());
    }
  }
  cv_.notify_all();
}

Status Poster::retry_held(const std::string& event_id, ExceptionAction action) {
  erp_.refresh_master_data();  // a person retries after a fix in the ERP: read it afresh
  return release_held(event_id, &action, "");
}

Status Poster::release_held(const std::string& event_id, const ExceptionAction* action, const std::string& why) {
  uint64_t seq = 0;
  LedgerRecord rec;
  std::string key;
  SB_RETURN_IF_ERROR(find_held(event_id, &seq, &rec, &key));
  Status s = ledger_.release(seq, nullptr, [&](WriteTxn& txn) -> Status {
    if (!book_ || !action) return Status::Ok();
    Result<ExceptionRecord> x = book_->find_subject_in(txn, kEvent, event_id);
    if (!x.ok() || is_closed(x->state)) return Status::Ok();
    return book_->act_in(txn, x->id, ExceptionState::kRetrying, *action);
  });
  if (!s.ok()) return s;
  if (action) {
    log::info("poster", "held event retried", {{"event_id", event_id}, {"who", action->who}, {"note", action->note}});
  } else {
    std::lock_guard lock(mu_);
    quiet_[seq] = why;
  }
  unblock(key, seq);
  return Status::Ok();
}

Status Poster::edit_held(const v1::Event& corrected, ExceptionAction action, const std::string& detail) {
  uint64_t seq = 0;
  LedgerRecord rec;
  std::string key;
  SB_RETURN_IF_ERROR(find_held(corrected.event_id(), &seq, &rec, &key));
  if (scheduling_key(corrected, seq) != key)
    return Status::InvalidArgument("a correction cannot move the event to another business key");
  Status s = ledger_.release(seq, &corrected, [&](WriteTxn& txn) -> Status {
    if (!book_) return Status::Ok();
    Result<ExceptionRecord> x = book_->find_subject_in(txn, kEvent, corrected.event_id());
    if (!x.ok()) return x.status();
    return book_->act_in(txn, x->id, ExceptionState::kRetrying, action, &detail);
  });
  if (!s.ok()) return s;
  log::info("poster", "held event corrected and resubmitted",
            {{"event_id", corrected.event_id()}, {"who", action.who}, {"change", action.change}});
  unblock(key, seq);
  return Status::Ok();
}

Status Poster::discard_held(const std::string& event_id, ExceptionAction action) {
  uint64_t seq = 0;
  LedgerRecord rec;
  std::string key;
  SB_RETURN_IF_ERROR(find_held(event_id, &seq, &rec, &key));
  std::string exception_id;
  Status s = ledger_.discard(seq, event_id, [&](WriteTxn& txn) -> Status {
    if (!book_) return Status::Ok();
    Result<ExceptionRecord> x = book_->find_subject_in(txn, kEvent, event_id);
    if (!x.ok() || is_closed(x->state)) return Status::Ok();
    exception_id = x->id;
    return book_->act_in(txn, x->id, ExceptionState::kDiscarded, action);
  });
  if (!s.ok()) return s;
  log::warn("poster", "held event discarded; it will not be posted",
            {{"event_id", event_id}, {"who", action.who}, {"reason", action.note}});
  {
    std::lock_guard lock(mu_);
    ++stats_.discarded;
    released_.erase(seq);
    auto it = keys_.find(key);
    if (it != keys_.end()) {
      Key& k = it->second;
      const bool was_head = !k.seqs.empty() && k.seqs.front() == seq;
      if (auto at = std::find(k.seqs.begin(), k.seqs.end(), seq); at != k.seqs.end()) {
        k.seqs.erase(at);
        --queued_;
      }
      if (was_head && k.held) {
        k.held = false;
        --held_keys_;
        held_class_.erase(key);
        k.attempts = 0;
        k.not_before = 0;
      }
      if (k.seqs.empty() && !k.busy) {
        keys_.erase(it);
      } else if (was_head) {
        make_ready(key, k, clock_.mono_ms());
      }
    }
  }
  cv_.notify_all();
  if (sink_) {
    v1::EventOutcome out;
    out.set_event_id(event_id);
    out.set_seq(rec.event.seq());
    out.set_at_ms(clock_.wall_ms());
    out.set_kind(v1::EventOutcome::DISCARDED);
    out.set_business_key(rec.event.business_key());
    out.set_reason(action.note);
    out.set_exception_id(exception_id);
    sink_(rec.event.site_id(), rec.epoch, out);
  }
  return Status::Ok();
}

size_t Poster::revalidate_master_data(const std::string& why, const MasterDataScope* scope) {
  std::vector<std::pair<uint64_t, std::string>> heads;  // seq, class
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, cls] : held_class_) {
      const v1::ExceptionClassInfo* info = v1::exception_class(cls);
      auto it = keys_.find(key);
      if (info && info->master_data && it != keys_.end() && it->second.held && !it->second.seqs.empty())
        heads.emplace_back(it->second.seqs.front(), cls);
    }
  }
  // Forgotten even when nothing waits: what the ERP changed must not be posted against from a stale copy.
  erp_.refresh_master_data();
  if (heads.empty()) return 0;
  // Whether the change can clear a hold of class `cls` on `e`.
  auto clears = [&](const std::string& cls, const v1::Event& e) {
    if (!scope) return true;
    if (cls == "UNKNOWN_CARRIER") return scope->carriers;
    for (const std::string& sku : v1::event_skus(e))
      if (scope->skus.count(sku)) return true;
    return false;
  };
  size_t released = 0;
  for (const auto& [seq, cls] : heads) {
    Result<LedgerRecord> r = ledger_.load(seq);
    if (!r.ok() || !r->held || !clears(cls, r->event)) continue;
    if (release_held(r->event.event_id(), nullptr, why).ok()) ++released;
  }
  if (released > 0) log::info("poster", "re-validating held events after a master data change", {{"events", released}, {"why", why}});
  return released;
}

size_t Poster::waiting_behind(const std::string& event_id) {
  Result<uint64_t> seq = ledger_.seq_of(event_id);
  if (!seq.ok() || *seq == 0) return 0;
  Result<LedgerRecord> r = ledger_.load(*seq);
  if (!r.ok()) return 0;
  std::lock_guard lock(mu_);
  auto it = keys_.find(scheduling_key(r->event, *seq));
  if (it == keys_.end() || it->second.seqs.empty()) return 0;
  return it->second.seqs.size() - 1;
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
    Work w;
    w.key = key;
    w.seq = k.seqs.front();
    w.lookup = k.lookup_first || attempted_.count(w.seq) > 0;
    if (options_.coalesce_max > 1) {
      // Under backlog the key holds more than its head: candidates to net with it.
      const size_t n = std::min(k.seqs.size(), static_cast<size_t>(options_.coalesce_max));
      w.behind.assign(k.seqs.begin() + 1, k.seqs.begin() + static_cast<std::ptrdiff_t>(n));
    }
    lock.unlock();

    ErpOutcome outcome = attempt(w);
    finish(w, outcome);

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
  const int64_t now_s = clock_.mono_ms() / 1000;
  while (!posted_by_second_.empty() && posted_by_second_.front().first <= now_s - 60) posted_by_second_.pop_front();
  for (const auto& [second, n] : posted_by_second_) s.posted_per_minute += static_cast<double>(n);
  return s;
}

}  // namespace sb::relay

#include "relay/ledger.h"

#include "platform/core/log.h"

namespace sb::relay {
namespace {

constexpr char kNextSeq[] = "next_seq";
constexpr char kPosted[] = "posted";
constexpr char kTaken[] = "taken";
constexpr char kDiscarded[] = "discarded";
constexpr size_t kMaxIdLength = 200;

Result<uint64_t> get_u64(ReadTxn& txn, TableId t, std::string_view key, uint64_t fallback = 0) {
  std::string v;
  Status s = txn.get(t, key, &v);
  if (s.code() == Code::kNotFound) return fallback;
  if (!s.ok()) return s;
  return decode_u64_key(v);
}

std::string stream_key(const std::string& site, const std::string& epoch) { return site + '\0' + epoch; }

// events value: [epoch length][epoch][Event bytes]
std::string frame(const std::string& epoch, const std::string& event_bytes) {
  std::string v;
  v.reserve(1 + epoch.size() + event_bytes.size());
  v += static_cast<char>(epoch.size());
  v += epoch;
  v += event_bytes;
  return v;
}

bool unframe(std::string_view v, LedgerRecord* out) {
  if (v.empty()) return false;
  size_t n = static_cast<unsigned char>(v[0]);
  if (v.size() < 1 + n) return false;
  out->epoch.assign(v.substr(1, n));
  v.remove_prefix(1 + n);
  return out->event.ParseFromArray(v.data(), static_cast<int>(v.size()));
}

// ids value: [state][ledger seq, 8 bytes][erp id]
std::string id_value(char state, uint64_t seq, const std::string& erp_id = "") {
  return std::string(1, state) + encode_u64_key(seq) + erp_id;
}

std::vector<uint64_t> decode_group(std::string_view v) {
  std::vector<uint64_t> out;
  for (size_t at = 0; at + 8 <= v.size(); at += 8) out.push_back(decode_u64_key(v.substr(at, 8)));
  return out;
}

// Why an event cannot be posted as it is, or "" when it can.
std::string invalid_reason(const v1::Event& e, const std::string& site) {
  if (e.event_id().empty()) return "the event has no event_id";
  if (e.event_id().size() > kMaxIdLength) return "the event_id is longer than 200 characters";
  if (e.site_id() != site) return "the event names site '" + e.site_id() + "' but came from site '" + site + "'";
  if (e.body_case() == v1::Event::BODY_NOT_SET) return "the event has no body this relay understands (a newer agent?)";
  if (e.business_key().empty()) return "the event has no business_key";
  return "";
}

}  // namespace

std::string scheduling_key(const v1::Event& e, uint64_t ledger_seq) {
  if (e.business_key().empty()) return "invalid:" + std::to_string(ledger_seq);
  return e.site_id() + '/' + e.business_key();
}

Result<std::unique_ptr<Ledger>> Ledger::open(KvStore& store, GroupCommitter& committer, const Clock& clock,
                                             LedgerOptions options) {
  std::unique_ptr<Ledger> l(new Ledger(store, committer, clock, options));
  Status s = l->init();
  if (!s.ok()) return s;
  return l;
}

Status Ledger::init() {
  for (auto [name, id] : {std::pair{"streams", &streams_}, {"events", &events_}, {"ids", &ids_},
                          {"attempted", &attempted_}, {"held", &held_}, {"meta", &meta_},
                          {"posted_log", &posted_log_}}) {
    Result<TableId> t = store_.table(name);
    if (!t.ok()) return t.status();
    *id = *t;
  }
  Result<std::unique_ptr<ReadTxn>> txn = store_.read();
  if (!txn.ok()) return txn.status();
  Result<uint64_t> pending = (*txn)->count(events_);
  Result<uint64_t> held = (*txn)->count(held_);
  Result<uint64_t> posted = get_u64(**txn, meta_, kPosted);
  Result<uint64_t> taken = get_u64(**txn, meta_, kTaken);
  Result<uint64_t> discarded = get_u64(**txn, meta_, kDiscarded);
  if (!discarded.ok()) return discarded.status();
  if (!pending.ok()) return pending.status();
  if (!held.ok()) return held.status();
  if (!posted.ok()) return posted.status();
  if (!taken.ok()) return taken.status();
  pending_ = *pending;
  held_count_ = *held;
  posted_ = *posted;
  taken_ = *taken;
  discarded_ = *discarded;
  log::info("ledger", "opened", {{"pending", *pending}, {"held", *held}, {"posted", *posted}});
  return Status::Ok();
}

Result<std::vector<IntakeResult>> Ledger::accept(const std::vector<const v1::UplinkBatch*>& batches) {
  if (disk_.used_up()) {
    return Status::ResourceExhausted("the ledger has used its disk allowance (ledger.max_map); batches wait at the sites");
  }
  std::vector<IntakeResult> results;
  const int64_t now = clock_.wall_ms();
  Status s = committer_.run(
      [&](WriteTxn& txn) -> Status {
        results.assign(batches.size(), {});
        Result<uint64_t> next = get_u64(txn, meta_, kNextSeq, 1);
        Result<uint64_t> taken = get_u64(txn, meta_, kTaken);
        if (!next.ok()) return next.status();
        if (!taken.ok()) return taken.status();
        uint64_t seq = *next;
        std::string v, bytes;
        for (size_t b = 0; b < batches.size(); ++b) {
          const v1::UplinkBatch& batch = *batches[b];
          IntakeResult& r = results[b];
          r.site_id = batch.site_id();
          r.epoch = batch.journal_epoch();
          const std::string skey = stream_key(r.site_id, r.epoch);
          Status g = txn.get(streams_, skey, &v);
          if (!g.ok() && g.code() != Code::kNotFound) return g;
          uint64_t hw = g.ok() && v.size() >= 8 ? decode_u64_key(std::string_view(v).substr(0, 8)) : 0;
          for (int i = 0; i < batch.events_size(); ++i) {
            const v1::Event& e = batch.events(i);
            if (e.seq() <= hw) {
              ++r.redelivered;
              continue;
            }
            if (e.seq() != hw + 1) {
              r.beyond_gap = static_cast<size_t>(batch.events_size() - i);
              break;
            }
            hw = e.seq();
            std::string reason = invalid_reason(e, r.site_id);
            std::string id = e.event_id();
            if (id.empty() || id.size() > kMaxIdLength) id = "invalid:" + skey + ":" + std::to_string(e.seq());
            Status d = txn.get(ids_, id, &v);
            if (d.ok()) {
              ++r.duplicate_ids;
              continue;
            }
            if (d.code() != Code::kNotFound) return d;
            e.SerializeToString(&bytes);
            const std::string key = encode_u64_key(seq);
            SB_RETURN_IF_ERROR(txn.put(events_, key, frame(r.epoch, bytes)));
            if (reason.empty()) {
              SB_RETURN_IF_ERROR(txn.put(ids_, id, id_value('P', seq)));
              if (intake_hook_) SB_RETURN_IF_ERROR(intake_hook_(txn, e));
              r.fresh.push_back({seq, scheduling_key(e, seq)});
            } else {
              SB_RETURN_IF_ERROR(txn.put(ids_, id, id_value('H', seq)));
              SB_RETURN_IF_ERROR(txn.put(held_, key, "invalid event from the agent: " + reason));
              // It blocks its own business key, as any held event does (order per key).
              r.held.push_back({seq, scheduling_key(e, seq)});
            }
            ++seq;
          }
          r.acked_through = hw;
          SB_RETURN_IF_ERROR(txn.put(streams_, skey, encode_u64_key(hw) + encode_u64_key(static_cast<uint64_t>(now))));
        }
        SB_RETURN_IF_ERROR(txn.put(meta_, kNextSeq, encode_u64_key(seq)));
        SB_RETURN_IF_ERROR(txn.put(meta_, kTaken, encode_u64_key(*taken + (seq - *next))));
        return Status::Ok();
      },
      [&] {
        for (const IntakeResult& r : results) {
          pending_ += r.fresh.size() + r.held.size();
          held_count_ += r.held.size();
          taken_ += r.fresh.size() + r.held.size();
        }
      });
  if (!s.ok()) return s;
  for (const IntakeResult& r : results) {
    for (const LedgerEntry& h : r.held) {
      log::warn("ledger", "held an invalid event from the agent", {{"site", r.site_id}, {"ledger_seq", h.ledger_seq}});
    }
  }
  return results;
}

Result<LedgerRecord> Ledger::load(uint64_t ledger_seq) {
  Result<std::unique_ptr<ReadTxn>> txn = store_.read();
  if (!txn.ok()) return txn.status();
  const std::string key = encode_u64_key(ledger_seq);
  std::string v;
  SB_RETURN_IF_ERROR((*txn)->get(events_, key, &v));
  LedgerRecord rec;
  if (!unframe(v, &rec)) return Status::Corruption("ledger entry " + std::to_string(ledger_seq) + " does not parse");
  std::string group;
  Status a = (*txn)->get(attempted_, key, &group);
  if (!a.ok() && a.code() != Code::kNotFound) return a;
  rec.attempted = a.ok();
  rec.coalesced_with = decode_group(group);
  Status h = (*txn)->get(held_, key, &rec.held_reason);
  if (!h.ok() && h.code() != Code::kNotFound) return h;
  rec.held = h.ok();
  return rec;
}

Status Ledger::mark_attempted(uint64_t ledger_seq, const std::vector<uint64_t>& coalesced_with) {
  // attempted value: the seqs of the rest of a coalesced group, 8 bytes each (empty when alone).
  std::string group;
  for (uint64_t s : coalesced_with) group += encode_u64_key(s);
  return committer_.run([&](WriteTxn& txn) { return txn.put(attempted_, encode_u64_key(ledger_seq), group); });
}

Status Ledger::mark_posted(uint64_t ledger_seq, const std::string& event_id, const std::string& erp_id) {
  return mark_posted({{ledger_seq, event_id}}, erp_id);
}

Status Ledger::mark_posted(const std::vector<Posted>& events, const std::string& erp_id, const AlsoInTxn& also) {
  uint64_t now_posted = 0, now_unheld = 0;  // what this commit changed: an earlier call's work must not count twice
  return committer_.run(
      [&](WriteTxn& txn) -> Status {
        now_posted = now_unheld = 0;
        Result<uint64_t> posted = get_u64(txn, meta_, kPosted);
        if (!posted.ok()) return posted.status();
        for (const Posted& e : events) {
          const std::string key = encode_u64_key(e.ledger_seq);
          std::string v;
          Status g = txn.get(events_, key, &v);
          if (g.code() == Code::kNotFound) continue;  // already recorded
          if (!g.ok()) return g;
          Status h = txn.get(held_, key, &v);
          SB_RETURN_IF_ERROR(txn.del(events_, key));
          (void)txn.del(attempted_, key);
          if (h.ok()) {
            SB_RETURN_IF_ERROR(txn.del(held_, key));
            ++now_unheld;
          }
          SB_RETURN_IF_ERROR(txn.put(ids_, e.event_id, id_value('D', e.ledger_seq, erp_id)));
          // Indexed by time, so ids can be forgotten after the retention.
          SB_RETURN_IF_ERROR(
              txn.put(posted_log_, encode_u64_key(static_cast<uint64_t>(clock_.wall_ms())) + key, e.event_id));
          ++now_posted;
        }
        if (now_posted == 0) return Status::Ok();
        SB_RETURN_IF_ERROR(txn.put(meta_, kPosted, encode_u64_key(*posted + now_posted)));
        return also ? also(txn) : Status::Ok();
      },
      [&] {
        pending_ -= now_posted;
        posted_ += now_posted;
        held_count_ -= now_unheld;
      });
}

Status Ledger::mark_held(uint64_t ledger_seq, const std::string& event_id, const std::string& reason,
                         const AlsoInTxn& also) {
  bool fresh = false;
  return committer_.run(
      [&](WriteTxn& txn) -> Status {
        const std::string key = encode_u64_key(ledger_seq);
        std::string v;
        Status h = txn.get(held_, key, &v);
        if (!h.ok() && h.code() != Code::kNotFound) return h;
        fresh = !h.ok();
        SB_RETURN_IF_ERROR(txn.put(held_, key, reason));
        SB_RETURN_IF_ERROR(txn.put(ids_, event_id, id_value('H', ledger_seq)));
        return also ? also(txn) : Status::Ok();
      },
      [&] {
        if (fresh) ++held_count_;
      });
}

// The held event at `key` in `txn`, or why it is not there / not held.
static Status held_event(WriteTxn& txn, TableId events, TableId held, const std::string& key, uint64_t ledger_seq,
                         std::string* framed) {
  Status g = txn.get(events, key, framed);
  if (g.code() == Code::kNotFound)
    return Status::NotFound("ledger entry " + std::to_string(ledger_seq) + " is no longer in custody");
  if (!g.ok()) return g;
  std::string reason;
  Status h = txn.get(held, key, &reason);
  if (h.code() == Code::kNotFound)
    return Status::FailedPrecondition("ledger entry " + std::to_string(ledger_seq) + " is not held");
  return h;
}

Status Ledger::release(uint64_t ledger_seq, const v1::Event* corrected, const AlsoInTxn& also) {
  return committer_.run(
      [&](WriteTxn& txn) -> Status {
        const std::string key = encode_u64_key(ledger_seq);
        std::string v;
        SB_RETURN_IF_ERROR(held_event(txn, events_, held_, key, ledger_seq, &v));
        LedgerRecord rec;
        if (!unframe(v, &rec)) return Status::Corruption("ledger entry " + std::to_string(ledger_seq) + " does not parse");
        if (corrected) {
          if (corrected->event_id() != rec.event.event_id())
            return Status::InvalidArgument("a correction keeps the event id");
          SB_RETURN_IF_ERROR(txn.put(events_, key, frame(rec.epoch, corrected->SerializeAsString())));
          // A refused attempt created nothing; the corrected event forms its own group again.
          Status a = txn.del(attempted_, key);
          if (!a.ok() && a.code() != Code::kNotFound) return a;
        }
        SB_RETURN_IF_ERROR(txn.del(held_, key));
        SB_RETURN_IF_ERROR(txn.put(ids_, rec.event.event_id(), id_value('P', ledger_seq)));
        return also ? also(txn) : Status::Ok();
      },
      [&] { --held_count_; });
}

Status Ledger::discard(uint64_t ledger_seq, const std::string& event_id, const AlsoInTxn& also) {
  return committer_.run(
      [&](WriteTxn& txn) -> Status {
        const std::string key = encode_u64_key(ledger_seq);
        std::string v;
        SB_RETURN_IF_ERROR(held_event(txn, events_, held_, key, ledger_seq, &v));
        Result<uint64_t> discarded = get_u64(txn, meta_, kDiscarded);
        if (!discarded.ok()) return discarded.status();
        SB_RETURN_IF_ERROR(txn.del(events_, key));
        SB_RETURN_IF_ERROR(txn.del(held_, key));
        (void)txn.del(attempted_, key);
        SB_RETURN_IF_ERROR(txn.put(ids_, event_id, id_value('X', ledger_seq)));
        // Forgotten after the retention like a posted id.
        SB_RETURN_IF_ERROR(
            txn.put(posted_log_, encode_u64_key(static_cast<uint64_t>(clock_.wall_ms())) + key, event_id));
        SB_RETURN_IF_ERROR(txn.put(meta_, kDiscarded, encode_u64_key(*discarded + 1)));
        return also ? also(txn) : Status::Ok();
      },
      [&] {
        --held_count_;
        --pending_;
        ++discarded_;
      });
}

Result<uint64_t> Ledger::seq_of(const std::string& event_id) {
  Result<std::unique_ptr<ReadTxn>> txn = store_.read();
  if (!txn.ok()) return txn.status();
  std::string v;
  Status s = (*txn)->get(ids_, event_id, &v);
  if (s.code() == Code::kNotFound) return uint64_t{0};
  if (!s.ok()) return s;
  if (v.size() < 9 || (v[0] != 'P' && v[0] != 'H')) return uint64_t{0};
  return decode_u64_key(std::string_view(v).substr(1, 8));
}

Status Ledger::scan_open(const std::function<void(uint64_t, const LedgerRecord&)>& visit) {
  Result<std::unique_ptr<ReadTxn>> txn = store_.read();
  if (!txn.ok()) return txn.status();
  Status inner;
  Status s = (*txn)->scan(events_, "", [&](std::string_view k, std::string_view v) {
    LedgerRecord rec;
    if (!unframe(v, &rec)) {
      inner = Status::Corruption("ledger entry " + std::to_string(decode_u64_key(k)) + " does not parse");
      return false;
    }
    std::string group;
    rec.attempted = (*txn)->get(attempted_, k, &group).ok();
    rec.coalesced_with = decode_group(group);
    rec.held = (*txn)->get(held_, k, &rec.held_reason).ok();
    visit(decode_u64_key(k), rec);
    return true;
  });
  return inner.ok() ? s : inner;
}

Result<std::string> Ledger::state_of(const std::string& event_id, std::string* erp_id) {
  Result<std::unique_ptr<ReadTxn>> txn = store_.read();
  if (!txn.ok()) return txn.status();
  std::string v;
  Status s = (*txn)->get(ids_, event_id, &v);
  if (s.code() == Code::kNotFound) return std::string();
  if (!s.ok()) return s;
  if (v.empty()) return Status::Corruption("empty id record for " + event_id);
  if (erp_id) *erp_id = v.size() > 9 ? v.substr(9) : std::string();
  switch (v[0]) {
    case 'P': return std::string("pending");
    case 'H': return std::string("held");
    case 'D': return std::string("posted");
    case 'X': return std::string("discarded");
  }
  return Status::Corruption("unknown id state for " + event_id);
}

Result<uint64_t> Ledger::prune_posted_ids(size_t max) {
  const uint64_t cutoff = static_cast<uint64_t>(clock_.wall_ms() - options_.dedup_retention.count());
  uint64_t total = 0;
  while (total < max) {
    uint64_t pruned = 0;
    Status s = committer_.run([&](WriteTxn& txn) -> Status {
      pruned = 0;
      std::vector<std::pair<std::string, std::string>> doomed;  // log key, event id
      SB_RETURN_IF_ERROR(txn.scan(posted_log_, "", [&](std::string_view k, std::string_view v) {
        if (doomed.size() >= 5'000 || k.size() < 16 || decode_u64_key(k.substr(0, 8)) >= cutoff) return false;
        doomed.emplace_back(std::string(k), std::string(v));
        return true;
      }));
      std::string v;
      for (auto& [key, id] : doomed) {
        // Only a posted (or discarded) record of this very entry goes; an id taken again since stays.
        Status g = txn.get(ids_, id, &v);
        if (g.ok() && v.size() >= 9 && (v[0] == 'D' || v[0] == 'X') && std::string_view(v).substr(1, 8) == std::string_view(key).substr(8, 8)) {
          SB_RETURN_IF_ERROR(txn.del(ids_, id));
        } else if (!g.ok() && g.code() != Code::kNotFound) {
          return g;
        }
        SB_RETURN_IF_ERROR(txn.del(posted_log_, key));
      }
      pruned = doomed.size();
      return Status::Ok();
    });
    if (!s.ok()) return s;
    total += pruned;
    if (pruned == 0) break;
  }
  return total;
}

std::vector<StreamInfo> Ledger::streams() {
  std::vector<StreamInfo> out;
  Result<std::unique_ptr<ReadTxn>> txn = store_.read();
  if (!txn.ok()) return out;
  (void)(*txn)->scan(streams_, "", [&](std::string_view k, std::string_view v) {
    StreamInfo si;
    auto nul = k.find('\0');
    si.site_id.assign(k.substr(0, nul));
    if (nul != std::string_view::npos) si.epoch.assign(k.substr(nul + 1));
    if (v.size() >= 16) {
      si.high_water = decode_u64_key(v.substr(0, 8));
      si.last_contact_ms = static_cast<int64_t>(decode_u64_key(v.substr(8, 8)));
    }
    out.push_back(std::move(si));
    return true;
  });
  return out;
}

uint64_t Ledger::high_water(const std::string& site_id, const std::string& epoch) {
  Result<std::unique_ptr<ReadTxn>> txn = store_.read();
  if (!txn.ok()) return 0;
  std::string v;
  if (!(*txn)->get(streams_, stream_key(site_id, epoch), &v).ok() || v.size() < 8) return 0;
  return decode_u64_key(std::string_view(v).substr(0, 8));
}

LedgerStats Ledger::stats() const {
  LedgerStats s;
  s.pending = pending_.load();
  s.held = held_count_.load();
  s.posted = posted_.load();
  s.taken = taken_.load();
  s.discarded = discarded_.load();
  return s;
}

}  // namespace sb::relay

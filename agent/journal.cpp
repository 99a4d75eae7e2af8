#include "agent/journal.h"

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <random>

#include <algorithm>

#include "platform/core/log.h"

namespace sb::agent {
namespace {

constexpr char kFormatKey[] = "format";
constexpr char kEpochKey[] = "epoch";
constexpr char kLastSeqKey[] = "last_seq";
constexpr char kAckedKey[] = "acked_through";
constexpr char kSiteKey[] = "site";  // format 2

Result<uint64_t> get_u64(ReadTxn& txn, TableId table, std::string_view key) {
  std::string v;
  Status s = txn.get(table, key, &v);
  if (s.code() == Code::kNotFound) return uint64_t{0};
  if (!s.ok()) return s;
  return decode_u64_key(v);
}

void append_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

std::string new_epoch(int64_t now_ms) {
  std::random_device rd;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%011llx%08x", static_cast<unsigned long long>(now_ms), rd());
  return buf;
}

}  // namespace

std::string_view peek_event_id(std::string_view b) {
  // Field 1, wire type 2 (length-delimited): tag byte 0x0A, then a varint length.
  if (b.size() < 2 || static_cast<unsigned char>(b[0]) != 0x0A) return {};
  uint64_t len = 0;
  size_t pos = 1;
  for (int shift = 0; pos < b.size() && shift < 64; shift += 7) {
    auto c = static_cast<unsigned char>(b[pos++]);
    len |= static_cast<uint64_t>(c & 0x7F) << shift;
    if (!(c & 0x80)) {
      if (pos + len > b.size()) return {};
      return b.substr(pos, len);
    }
  }
  return {};
}

Result<std::unique_ptr<Journal>> Journal::open(KvStore& store, GroupCommitter& committer, const Clock& clock,
                                               JournalOptions options) {
  std::unique_ptr<Journal> j(new Journal(store, committer, clock, options));
  Status s = j->init();
  if (!s.ok()) return s;
  return j;
}

Status Journal::init() {
  // The meta record first, alone: a journal of a newer format is refused
  // before any other table is opened (opening one may create it) and before
  // any write transaction exists, so its files stay exactly as they were.
  Result<TableId> meta = store_.table("meta");
  if (!meta.ok()) return meta.status();
  meta_ = *meta;
  int version = 0;  // 0: no journal yet
  SB_RETURN_IF_ERROR(check_format(&version));
  for (auto [name, id] : {std::pair{"events", &events_}, {"ids", &ids_}, {"freed", &freed_}}) {
    Result<TableId> t = store_.table(name);
    if (!t.ok()) return t.status();
    *id = *t;
  }
  SB_RETURN_IF_ERROR(check_site());

  Result<std::unique_ptr<WriteTxn>> txn = store_.write();
  if (!txn.ok()) return txn.status();
  if (version == 0) {
    epoch_ = new_epoch(clock_.wall_ms());
    site_ = options_.site_id;
    SB_RETURN_IF_ERROR((*txn)->put(meta_, kFormatKey, std::to_string(kFormatVersion)));
    SB_RETURN_IF_ERROR((*txn)->put(meta_, kEpochKey, epoch_));
    SB_RETURN_IF_ERROR((*txn)->put(meta_, kLastSeqKey, encode_u64_key(0)));
    SB_RETURN_IF_ERROR((*txn)->put(meta_, kAckedKey, encode_u64_key(0)));
    if (!site_.empty()) SB_RETURN_IF_ERROR((*txn)->put(meta_, kSiteKey, site_));
    SB_RETURN_IF_ERROR((*txn)->commit());
    log::info("journal", "created a new journal", {{"epoch", epoch_}, {"format", kFormatVersion}, {"site", site_}});
    return Status::Ok();
  }
  SB_RETURN_IF_ERROR((*txn)->get(meta_, kEpochKey, &epoch_));
  Result<uint64_t> last = get_u64(**txn, meta_, kLastSeqKey);
  Result<uint64_t> acked = get_u64(**txn, meta_, kAckedKey);
  if (!last.ok()) return last.status();
  if (!acked.ok()) return acked.status();
  // Format 1 -> 2 adds the site to the meta record; events and seqs stay as
  // they are. One transaction: a crash mid-way leaves format 1, migrated again.
  const bool record_site = site_.empty() && !options_.site_id.empty();
  if (version < kFormatVersion || record_site) {
    if (record_site) {
      site_ = options_.site_id;
      SB_RETURN_IF_ERROR((*txn)->put(meta_, kSiteKey, site_));
    }
    if (version < kFormatVersion) SB_RETURN_IF_ERROR((*txn)->put(meta_, kFormatKey, std::to_string(kFormatVersion)));
    SB_RETURN_IF_ERROR((*txn)->commit());
    if (version < kFormatVersion) {
      log::info("journal", "migrated the journal from format " + std::to_string(version) + " to " +
                               std::to_string(kFormatVersion),
                {{"site", site_}, {"last_seq", *last}, {"backlog", *last - *acked}});
    }
  }
  last_seq_ = *last;
  acked_through_ = *acked;
  log::info("journal", "opened", {{"epoch", epoch_}, {"site", site_}, {"last_seq", *last},
                                  {"acked_through", *acked}, {"backlog", *last - *acked}});
  return Status::Ok();
}

Status Journal::check_format(int* version) {
  Result<std::unique_ptr<ReadTxn>> txn = store_.read();
  if (!txn.ok()) return txn.status();
  std::string format;
  Status s = (*txn)->get(meta_, kFormatKey, &format);
  if (s.code() == Code::kNotFound) return Status::Ok();
  if (!s.ok()) return s;
  int v = 0;
  const char* end = format.data() + format.size();
  auto [p, ec] = std::from_chars(format.data(), end, v);
  if (ec != std::errc() || p != end || v < 1) {
    return Status::FailedPrecondition("the journal's format '" + format + "' is not one this agent knows; "
                                      "refusing to start and leaving the journal untouched");
  }
  if (v > kFormatVersion) {
    return Status::FailedPrecondition(
        "the journal was written by a newer agent: it is of format " + format + ", this agent supports formats 1 to " +
        std::to_string(kFormatVersion) + ". Refusing to start and leaving the journal untouched; "
        "install the newer agent again (every event in the journal is still there)");
  }
  *version = v;
  return Status::Ok();
}

Status Journal::check_site() {
  Result<std::unique_ptr<ReadTxn>> txn = store_.read();
  if (!txn.ok()) return txn.status();
  Status s = (*txn)->get(meta_, kSiteKey, &site_);
  if (!s.ok() && s.code() != Code::kNotFound) return s;
  const std::string& want = options_.site_id;
  if (want.empty()) return Status::Ok();
  auto refuse = [&](const std::string& whose, const std::string& found) {
    return Status::FailedPrecondition(
        "the journal" + whose + " site " + found + ", but site.id is " + want +
        ". Refusing to start, so that its events are not sent as another site's; set site.id = " + found +
        " if this is that site, or move the journal aside to start a new one");
  };
  if (!site_.empty()) return site_ == want ? Status::Ok() : refuse(" records", site_);
  // A journal without a recorded site (format 1) is vouched for by its events:
  // the oldest one still there names the site it was accepted for.
  std::string found;
  SB_RETURN_IF_ERROR((*txn)->scan(events_, "", [&](std::string_view, std::string_view bytes) {
    v1::Event e;
    if (e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) found = e.site_id();
    return false;
  }));
  return found.empty() || found == want ? Status::Ok() : refuse("'s events name", found);
}

Result<std::vector<AppendResult>> Journal::append(std::vector<v1::Event>& events) {
  if (over_disk_allowance()) {
    return Status::ResourceExhausted("the journal has used its disk allowance (journal.max_map): " +
                                     std::to_string(last_seq_.load() - acked_through_.load()) +
                                     " events wait for the relay; retry later");
  }
  // Checked before the commit: LMDB refuses keys over 511 bytes, and an op
  // that failed half-way must not leave writes behind in the shared commit.
  for (const v1::Event& e : events) {
    if (e.event_id().empty() || e.event_id().size() > kMaxEventIdBytes) {
      return Status::InvalidArgument("event_id must be 1 to " + std::to_string(kMaxEventIdBytes) + " bytes, got " +
                                     std::to_string(e.event_id().size()));
    }
  }
  const int64_t now = clock_.wall_ms();
  // Serialize outside the writer thread; the seq field is appended inside the
  // commit (protobuf accepts fields in any order), so the writer only copies bytes.
  std::vector<std::string> bytes(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    events[i].clear_seq();
    events[i].set_accepted_at_ms(now);
    events[i].SerializeToString(&bytes[i]);
  }
  // The same id twice in one request: every occurrence after the first is a
  // duplicate of it (found by sorting, without an allocation per event).
  std::vector<bool> in_batch_dup(events.size(), false);
  if (events.size() > 1) {
    std::vector<size_t> order(events.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return events[a].event_id() != events[b].event_id() ? events[a].event_id() < events[b].event_id() : a < b;
    });
    for (size_t k = 1; k < order.size(); ++k) {
      if (events[order[k]].event_id() == events[order[k - 1]].event_id()) in_batch_dup[order[k]] = true;
    }
  }
  std::vector<size_t> plain_size(events.size());
  for (size_t i = 0; i < events.size(); ++i) plain_size[i] = bytes[i].size();
  std::vector<AppendResult> results(events.size());
  uint64_t committed_last = 0;
  Status s = committer_.run(
      [&](WriteTxn& txn) -> Status {
        // A replay (after the store grew) starts from the bytes as serialized.
        for (size_t i = 0; i < bytes.size(); ++i) bytes[i].resize(plain_size[i]);
        Result<uint64_t> last = get_u64(txn, meta_, kLastSeqKey);
        Result<uint64_t> acked = get_u64(txn, meta_, kAckedKey);
        if (!last.ok()) return last.status();
        if (!acked.ok()) return acked.status();
        // Check before writing anything (the GroupCommitter contract): room for
        // every event that may be new. Only when that fails is it worth looking
        // up which ones really are (a retry of accepted events must still answer).
        uint64_t held = *last - *acked;
        if (gate_) {  // events held at the site count toward the cap too: they wait on this disk as well
          Result<uint64_t> at_site = gate_->held_count(txn);
          if (!at_site.ok()) return at_site.status();
          held += *at_site;
        }
        uint64_t candidates = 0;
        for (size_t i = 0; i < events.size(); ++i) candidates += in_batch_dup[i] ? 0 : 1;
        if (held + candidates > options_.max_events) {
          uint64_t fresh = 0;
          std::string v;
          for (size_t i = 0; i < events.size(); ++i) {
            if (in_batch_dup[i]) continue;
            Status g = txn.get(ids_, events[i].event_id(), &v);
            if (g.code() == Code::kNotFound) {
              ++fresh;
            } else if (!g.ok()) {
              return g;
            }
          }
          if (held + fresh > options_.max_events) {
            return Status::ResourceExhausted("the journal is full: " + std::to_string(held) + " of " +
                                             std::to_string(options_.max_events) +
                                             " events wait for the relay; retry later");
          }
        }
        uint64_t seq = *last;
        std::string existing;
        for (size_t i = 0; i < events.size(); ++i) {
          results[i] = {};
          if (in_batch_dup[i]) {
            results[i].duplicate = true;  // seq filled in below from its first occurrence
            continue;
          }
          // One lookup does both: record the id, or learn it was journaled before.
          Status p = txn.put_new(ids_, events[i].event_id(), encode_u64_key(seq + 1), &existing);
          if (p.code() == Code::kAlreadyExists) {
            results[i] = {decode_u64_key(existing), true};
            continue;
          }
          SB_RETURN_IF_ERROR(p);
          if (gate_) {
            Result<bool> held = gate_->hold_in(txn, events[i]);
            if (!held.ok()) return held.status();
            if (*held) {  // remembered with seq 0: a resend is a duplicate of the held event
              SB_RETURN_IF_ERROR(txn.put(ids_, events[i].event_id(), encode_u64_key(0)));
              results[i].held = true;
              continue;
            }
          }
          ++seq;
          append_varint(bytes[i], (3 << 3) | 0);  // field 3 (seq), varint
          append_varint(bytes[i], seq);
          SB_RETURN_IF_ERROR(txn.put_last(events_, encode_u64_key(seq), bytes[i]));
          results[i].seq = seq;
        }
        std::string v;
        for (size_t i = 0; i < events.size(); ++i) {
          if (results[i].duplicate && results[i].seq == 0) {
            SB_RETURN_IF_ERROR(txn.get(ids_, events[i].event_id(), &v));
            results[i].seq = decode_u64_key(v);
          }
        }
        if (seq != *last) SB_RETURN_IF_ERROR(txn.put(meta_, kLastSeqKey, encode_u64_key(seq)));
        committed_last = seq;
        return Status::Ok();
      },
      [&] {
        if (committed_last > last_seq_.load()) last_seq_ = committed_last;
      });
  if (!s.ok()) return s;
  for (size_t i = 0; i < events.size(); ++i) events[i].set_seq(results[i].seq);
  if (on_appended_) on_appended_();
  return results;
}

Result<uint64_t> Journal::append_released_in(WriteTxn& txn, std::vector<v1::Event>& events) {
  Result<uint64_t> last = get_u64(txn, meta_, kLastSeqKey);
  if (!last.ok()) return last.status();
  uint64_t seq = *last;
  std::string bytes;
  for (v1::Event& e : events) {
    e.set_seq(++seq);
    e.SerializeToString(&bytes);
    SB_RETURN_IF_ERROR(txn.put(ids_, e.event_id(), encode_u64_key(seq)));
    SB_RETURN_IF_ERROR(txn.put_last(events_, encode_u64_key(seq), bytes));
  }
  if (seq != *last) SB_RETURN_IF_ERROR(txn.put(meta_, kLastSeqKey, encode_u64_key(seq)));
  return seq;
}

void Journal::released(uint64_t last_seq) {
  uint64_t seen = last_seq_.load();
  while (last_seq > seen && !last_seq_.compare_exchange_weak(seen, last_seq)) {
  }
  if (on_appended_) on_appended_();
}

Status Journal::read(uint64_t from, size_t max_events, size_t max_bytes,
                     const std::function<void(uint64_t, std::string_view)>& visit) const {
  Result<std::unique_ptr<ReadTxn>> txn = store_.read();
  if (!txn.ok()) return txn.status();
  size_t n = 0, bytes = 0;
  return (*txn)->scan(events_, encode_u64_key(from), [&](std::string_view k, std::string_view v) {
    if (n >= max_events || (n > 0 && bytes + v.size() > max_bytes)) return false;
    visit(decode_u64_key(k), v);
    ++n;
    bytes += v.size();
    return true;
  });
}

Status Journal::release_through(uint64_t through) {
  // Frees in chunks so one release never makes a long write transaction.
  constexpr uint64_t kChunk = 5'000;  // appends wait behind each chunk's commit
  while (true) {
    uint64_t acked_now = acked_through_.load();
    uint64_t target = std::min({through, last_seq_.load(), acked_now + kChunk});
    if (target <= acked_now) return Status::Ok();
    uint64_t committed = 0;
    Status s = committer_.run(
        [&](WriteTxn& txn) -> Status {
          Result<uint64_t> acked = get_u64(txn, meta_, kAckedKey);
          if (!acked.ok()) return acked.status();
          if (target <= *acked) {
            committed = *acked;
            return Status::Ok();
          }
          std::vector<std::pair<uint64_t, std::string>> doomed;
          SB_RETURN_IF_ERROR(txn.scan(events_, encode_u64_key(*acked + 1), [&](std::string_view k, std::string_view v) {
            uint64_t seq = decode_u64_key(k);
            if (seq > target) return false;
            doomed.emplace_back(seq, std::string(peek_event_id(v)));
            return true;
          }));
          std::string freed_value = encode_u64_key(static_cast<uint64_t>(clock_.wall_ms()));
          for (auto& [seq, id] : doomed) {
            std::string key = encode_u64_key(seq);
            SB_RETURN_IF_ERROR(txn.del(events_, key));
            freed_value.resize(8);
            freed_value += id;
            SB_RETURN_IF_ERROR(txn.put(freed_, key, freed_value));
          }
          SB_RETURN_IF_ERROR(txn.put(meta_, kAckedKey, encode_u64_key(target)));
          committed = target;
          return Status::Ok();
        },
        [&] {
          if (committed > acked_through_.load()) acked_through_ = committed;
        });
    if (!s.ok()) return s;
  }
}

Result<uint64_t> Journal::prune_ids(size_t max) {
  uint64_t total = 0;
  while (total < max) {
    Result<uint64_t> n = prune_chunk(std::min<size_t>(5'000, max - total));
    if (!n.ok()) return n.status();
    total += *n;
    if (*n == 0) break;
  }
  return total;
}

Result<uint64_t> Journal::prune_chunk(size_t max) {
  const uint64_t cutoff = static_cast<uint64_t>(clock_.wall_ms() - options_.dedup_retention.count());
  uint64_t pruned = 0;
  Status s = committer_.run([&](WriteTxn& txn) -> Status {
    std::vector<std::pair<std::string, std::string>> doomed;  // freed key, event id
    SB_RETURN_IF_ERROR(txn.scan(freed_, "", [&](std::string_view k, std::string_view v) {
      if (doomed.size() >= max || v.size() < 8 || decode_u64_key(v.substr(0, 8)) >= cutoff) return false;
      doomed.emplace_back(std::string(k), std::string(v.substr(8)));
      return true;
    }));
    for (auto& [key, id] : doomed) {
      Status d = txn.del(ids_, id);
      if (!d.ok() && d.code() != Code::kNotFound) return d;
      SB_RETURN_IF_ERROR(txn.del(freed_, key));
    }
    pruned = doomed.size();
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return pruned;
}

JournalStats Journal::stats() const {
  JournalStats st;
  st.epoch = epoch_;
  st.acked_through = acked_through_.load();
  st.last_seq = last_seq_.load();
  st.backlog = st.last_seq > st.acked_through ? st.last_seq - st.acked_through : 0;
  st.capacity = options_.max_events;
  if (st.backlog > 0) {
    // The oldest unacknowledged event is the first one still in the table.
    (void)read(st.acked_through + 1, 1, SIZE_MAX, [&](uint64_t, std::string_view bytes) {
      v1::Event e;
      if (e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) st.oldest_accepted_ms = e.accepted_at_ms();
    });
  }
  return st;
}

std::string event_kind(const v1::Event& e) {
  switch (e.body_case()) {
    case v1::Event::kStockAdjustment: return "StockAdjustment";
    case v1::Event::kShipment: return "Shipment";
    case v1::Event::kGoodsReceipt: return "GoodsReceipt";
    case v1::Event::kReturnReceipt: return "ReturnReceipt";
    case v1::Event::kInventorySnapshot: return "InventorySnapshot";
    case v1::Event::BODY_NOT_SET: break;
  }
  return "empty";
}

Result<BacklogByKind> Journal::backlog_by_kind(size_t max_events, const BacklogByKind* before) const {
  // Read the freed mark and the last seq first: events freed meanwhile only make
  // the count a little stale, never wrong in kind.
  const uint64_t acked = acked_through_.load();
  const uint64_t last = last_seq_.load();
  BacklogByKind out;
  uint64_t from = acked + 1;
  if (before && before->acked_through == acked && before->through <= last && before->counted <= max_events) {
    out = *before;
    if (!out.complete || out.counted >= max_events) {  // the oldest max_events are the same events
      out.complete = out.complete && out.through == last;
      return out;
    }
    from = out.through + 1;
  }
  out.acked_through = acked;
  if (out.through < acked) out.through = acked;
  const size_t room = max_events > out.counted ? max_events - static_cast<size_t>(out.counted) : 0;
  if (room > 0 && from <= last) {
    Status s = read(from, room, SIZE_MAX, [&](uint64_t seq, std::string_view bytes) {
      if (seq > last) return;
      v1::Event e;
      ++out.counts[e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ? event_kind(e) : "unreadable"];
      ++out.counted;
      out.through = seq;
    });
    if (!s.ok()) return s;
  }
  out.complete = out.through >= last;
  return out;
}

}  // namespace sb::agent

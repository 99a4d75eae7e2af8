#include "relay/command_outbox.h"

#include "platform/core/log.h"

#include <algorithm>
#include <random>
#include <vector>

namespace sb::relay {
namespace {

constexpr char kEpochKey[] = "epoch";
constexpr char kIdsIndexedKey[] = "ids_indexed";  // out_ids_log covers every id
constexpr size_t kRecent = 200;

// Commands are keyed <site> NUL <seq, big-endian> so one site's are contiguous and ordered.
std::string command_key(const std::string& site, uint64_t seq) { return site + '\0' + encode_u64_key(seq); }
std::string next_key(const std::string& site) { return "next:" + site; }
std::string acked_key(const std::string& site) { return "acked:" + site; }

uint64_t read_u64(ReadTxn& txn, TableId t, const std::string& key, uint64_t fallback) {
  std::string v;
  return txn.get(t, key, &v).ok() ? decode_u64_key(v) : fallback;
}

std::string new_epoch(const Clock& clock) {
  std::random_device rd;
  char buf[48];
  std::snprintf(buf, sizeof buf, "dl-%lld-%08x", static_cast<long long>(clock.wall_ms()), rd());
  return buf;
}

}  // namespace

Result<std::unique_ptr<CommandOutbox>> CommandOutbox::open(KvStore& store, GroupCommitter& committer, const Clock& clock) {
  std::unique_ptr<CommandOutbox> o(new CommandOutbox(store, committer, clock));
  SB_RETURN_IF_ERROR(o->init());
  return o;
}

Status CommandOutbox::init() {
  const std::pair<const char*, TableId*> tables[] = {
      {"out_commands", &commands_}, {"out_ids", &ids_}, {"out_meta", &meta_}, {"out_ids_log", &ids_log_}};
  for (const auto& [name, id] : tables) {
    Result<TableId> t = store_.table(name);
    if (!t.ok()) return t.status();
    *id = *t;
  }
  std::string epoch = new_epoch(clock_);
  Status s = committer_.run([&](WriteTxn& txn) -> Status {
    std::string v;
    Status g = txn.get(meta_, kEpochKey, &v);
    if (g.code() != Code::kNotFound && !g.ok()) return g;
    if (g.ok()) epoch = v;
    if (!g.ok()) SB_RETURN_IF_ERROR(txn.put(meta_, kEpochKey, epoch));
    // Ids queued before they were indexed by time start their retention now.
    std::string indexed;
    if (txn.get(meta_, kIdsIndexedKey, &indexed).ok()) return Status::Ok();
    const std::string now = encode_u64_key(static_cast<uint64_t>(clock_.wall_ms()));
    std::vector<std::string> ids;
    SB_RETURN_IF_ERROR(txn.scan(ids_, "", [&](std::string_view k, std::string_view) {
      ids.emplace_back(k);
      return true;
    }));
    for (const std::string& id : ids) SB_RETURN_IF_ERROR(txn.put(ids_log_, now + id, ""));
    return txn.put(meta_, kIdsIndexedKey, "1");
  });
  if (!s.ok()) return s;
  epoch_ = epoch;
  return Status::Ok();
}

Result<uint64_t> CommandOutbox::enqueue(const std::string& site, v1::Command command) {
  if (site.empty() || site.size() > 128) return Status::InvalidArgument("a command needs a site id of 1 to 128 bytes");
  if (command.command_id().empty() || command.command_id().size() > 256)
    return Status::InvalidArgument("a command needs a command_id of 1 to 256 bytes");
  if (command.body_case() == v1::Command::BODY_NOT_SET) return Status::InvalidArgument("the command has no body");
  command.set_site_id(site);
  if (command.issued_at_ms() == 0) command.set_issued_at_ms(clock_.wall_ms());
  uint64_t seq = 0;
  Status s = committer_.run([&](WriteTxn& txn) -> Status {
    std::string existing;
    Status g = txn.get(ids_, command.command_id(), &existing);
    if (g.ok()) {
      seq = decode_u64_key(existing);
      return Status::Ok();
    }
    if (g.code() != Code::kNotFound) return g;
    seq = read_u64(txn, meta_, next_key(site), 1);
    command.set_seq(seq);
    SB_RETURN_IF_ERROR(txn.put(ids_, command.command_id(), encode_u64_key(seq)));
    SB_RETURN_IF_ERROR(txn.put(ids_log_, encode_u64_key(static_cast<uint64_t>(clock_.wall_ms())) + command.command_id(), ""));
    SB_RETURN_IF_ERROR(txn.put(commands_, command_key(site, seq), command.SerializeAsString()));
    if (on_enqueue_) SB_RETURN_IF_ERROR(on_enqueue_(txn, command));
    return txn.put(meta_, next_key(site), encode_u64_key(seq + 1));
  });
  if (!s.ok()) return s;
  return seq;
}

Result<uint64_t> CommandOutbox::prune_ids(Millis retention, size_t max) {
  const uint64_t cutoff = static_cast<uint64_t>(std::max<int64_t>(0, clock_.wall_ms() - retention.count()));
  uint64_t pruned = 0;
  Status s = committer_.run([&](WriteTxn& txn) -> Status {
    pruned = 0;
    std::vector<std::string> doomed;  // log keys: [queued at, 8 bytes][command id]
    SB_RETURN_IF_ERROR(txn.scan(ids_log_, "", [&](std::string_view k, std::string_view) {
      if (doomed.size() >= max || k.size() < 8 || decode_u64_key(k.substr(0, 8)) >= cutoff) return false;
      doomed.emplace_back(k);
      return true;
    }));
    for (const std::string& k : doomed) {
      Status d = txn.del(ids_, std::string_view(k).substr(8));
      if (!d.ok() && d.code() != Code::kNotFound) return d;
      SB_RETURN_IF_ERROR(txn.del(ids_log_, k));
    }
    pruned = doomed.size();
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return pruned;
}

Result<std::vector<v1::Command>> CommandOutbox::unacked(const std::string& site, size_t max) const {
  std::vector<v1::Command> out;
  Result<std::unique_ptr<ReadTxn>> r = store_.read();
  if (!r.ok()) return r.status();
  const std::string prefix = site + '\0';
  Status bad;
  Status s = (*r)->scan(commands_, prefix, [&](std::string_view k, std::string_view v) {
    if (k.substr(0, prefix.size()) != prefix || out.size() >= max) return false;
    v1::Command c;
    if (!c.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
      bad = Status::Corruption("a queued command of " + site + " does not parse");
      return false;
    }
    out.push_back(std::move(c));
    return true;
  });
  if (!s.ok()) return s;
  if (!bad.ok()) return bad;
  return out;
}

Status CommandOutbox::free_through(WriteTxn& txn, const std::string& site, uint64_t through) {
  const uint64_t acked = read_u64(txn, meta_, acked_key(site), 0);
  const uint64_t next = read_u64(txn, meta_, next_key(site), 1);
  // Never past what was queued: an ack from a confused agent frees nothing unsent.
  const uint64_t upto = std::min(through, next - 1);
  if (upto <= acked) return Status::Ok();
  for (uint64_t seq = acked + 1; seq <= upto; ++seq) {
    Status d = txn.del(commands_, command_key(site, seq));
    if (!d.ok() && d.code() != Code::kNotFound) return d;
  }
  return txn.put(meta_, acked_key(site), encode_u64_key(upto));
}

Status CommandOutbox::ack(const std::string& site, const std::string& epoch, uint64_t through) {
  if (epoch != epoch_) return Status::Ok();  // an ack of an older outbox's stream
  return committer_.run([&](WriteTxn& txn) -> Status { return free_through(txn, site, through); });
}

Status CommandOutbox::ack(const std::string& site, const v1::DownlinkAck& ack) {
  // Outcomes of an older outbox's stream still speak of commands the site applied.
  const bool ours = ack.downlink_epoch() == epoch_;
  Status s = committer_.run([&](WriteTxn& txn) -> Status {
    if (ours) SB_RETURN_IF_ERROR(free_through(txn, site, ack.acked_through_seq()));
    if (on_outcome_)
      for (const v1::CommandOutcome& o : ack.outcomes()) SB_RETURN_IF_ERROR(on_outcome_(txn, site, o));
    return Status::Ok();
  });
  if (s.ok()) {
    count_outcomes(site, ack);
    return s;
  }
  if (!on_outcome_ || ack.outcomes_size() == 0) return s;
  log::warn("downlink", "could not record an acknowledgement with its outcomes; trying them apart",
            {{"site", site}, {"error", s.to_string()}});
  s = this->ack(site, ack.downlink_epoch(), ack.acked_through_seq());
  record_outcomes(site, ack);
  return s;
}

void CommandOutbox::record_outcomes(const std::string& site, const v1::DownlinkAck& ack) {
  if (on_outcome_ && ack.outcomes_size() > 0) {
    Status s = committer_.run([&](WriteTxn& txn) -> Status {
      for (const v1::CommandOutcome& o : ack.outcomes()) SB_RETURN_IF_ERROR(on_outcome_(txn, site, o));
      return Status::Ok();
    });
    // Best effort, like the counts below: an outcome not indexed costs a monitor its view of one order.
    if (!s.ok()) log::warn("downlink", "could not record command outcomes for the monitors", {{"site", site}, {"error", s.to_string()}});
  }
  count_outcomes(site, ack);
}

void CommandOutbox::count_outcomes(const std::string& site, const v1::DownlinkAck& ack) {
  std::lock_guard lock(mu_);
  OutboxSiteStats& c = counts_[site];
  for (const v1::CommandOutcome& o : ack.outcomes()) {
    (o.kind() == v1::CommandOutcome::APPLIED ? c.applied : c.held)++;
    recent_.emplace_front(site, o);
  }
  while (recent_.size() > kRecent) recent_.pop_back();
}

std::vector<std::string> CommandOutbox::sites() const {
  std::vector<std::string> out;
  Result<std::unique_ptr<ReadTxn>> r = store_.read();
  if (!r.ok()) return out;
  (void)(*r)->scan(meta_, "next:", [&](std::string_view k, std::string_view) {
    if (k.substr(0, 5) != "next:") return false;
    out.emplace_back(k.substr(5));
    return true;
  });
  return out;
}

OutboxSiteStats CommandOutbox::stats(const std::string& site) const {
  OutboxSiteStats st;
  {
    std::lock_guard lock(mu_);
    if (auto it = counts_.find(site); it != counts_.end()) st = it->second;
  }
  Result<std::unique_ptr<ReadTxn>> r = store_.read();
  if (!r.ok()) return st;
  st.next_seq = read_u64(**r, meta_, next_key(site), 1);
  st.acked_through = read_u64(**r, meta_, acked_key(site), 0);
  st.waiting = st.next_seq - 1 - st.acked_through;
  if (st.waiting > 0) {
    std::string v;
    v1::Command c;
    if ((*r)->get(commands_, command_key(site, st.acked_through + 1), &v).ok() && c.ParseFromString(v))
      st.oldest_waiting_ms = c.issued_at_ms();
  }
  return st;
}

std::vector<std::pair<std::string, v1::CommandOutcome>> CommandOutbox::recent_outcomes() const {
  std::lock_guard lock(mu_);
  return {recent_.begin(), recent_.end()};
}

}  // namespace sb::relay

#include "agent/downlink/command_journal.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "platform/core/log.h"

namespace sb::agent {
namespace {

constexpr char kNextKey[] = "next_local_seq";
constexpr size_t kRecent = 50;
constexpr size_t kMaxUnreported = 10'000;

std::string stream_key(const std::string& epoch) { return "stream:" + epoch; }

uint64_t read_u64(ReadTxn& txn, TableId t, const std::string& key) {
  std::string v;
  return txn.get(t, key, &v).ok() ? decode_u64_key(v) : 0;
}

// A held command is stored as <4-byte length><command><outcome>.
std::string encode_held(const v1::Command& c, const v1::CommandOutcome& o) {
  std::string cb = c.SerializeAsString();
  uint32_t n = static_cast<uint32_t>(cb.size());
  std::string out(reinterpret_cast<const char*>(&n), 4);
  return out + cb + o.SerializeAsString();
}

bool decode_held(std::string_view v, HeldCommand* out) {
  if (v.size() < 4) return false;
  uint32_t n = 0;
  std::memcpy(&n, v.data(), 4);
  if (v.size() < 4 + static_cast<size_t>(n)) return false;
  return out->command.ParseFromArray(v.data() + 4, static_cast<int>(n)) &&
         out->outcome.ParseFromArray(v.data() + 4 + n, static_cast<int>(v.size() - 4 - n));
}

}  // namespace

const char* command_kind(const v1::Command& c) {
  switch (c.body_case()) {
    case v1::Command::kItemUpsert: return "ItemUpsert";
    case v1::Command::kCarrierUpsert: return "CarrierUpsert";
    case v1::Command::kSalesOrderRelease: return "SalesOrderRelease";
    case v1::Command::kSalesOrderCancel: return "SalesOrderCancel";
    case v1::Command::kPurchaseOrderRelease: return "PurchaseOrderRelease";
    case v1::Command::kReturnAuthorisation: return "ReturnAuthorisation";
    default: return "Unknown";
  }
}

std::string command_business_key(const v1::Command& c) {
  if (!c.business_key().empty()) return c.business_key();
  switch (c.body_case()) {
    case v1::Command::kItemUpsert: return "item:" + c.item_upsert().sku();
    case v1::Command::kCarrierUpsert: return "carrier:" + c.carrier_upsert().carrier() + ":" + c.carrier_upsert().service();
    case v1::Command::kSalesOrderRelease: return "order:" + c.sales_order_release().order_number();
    case v1::Command::kSalesOrderCancel: return "order:" + c.sales_order_cancel().order_number();
    case v1::Command::kPurchaseOrderRelease: return "po:" + c.purchase_order_release().po_number();
    case v1::Command::kReturnAuthorisation: return "rma:" + c.return_authorisation().rma_number();
    default: return "command:" + c.command_id();
  }
}

Result<std::unique_ptr<CommandJournal>> CommandJournal::open(KvStore& store, GroupCommitter& committer, const Clock& clock) {
  std::unique_ptr<CommandJournal> j(new CommandJournal(store, committer, clock));
  SB_RETURN_IF_ERROR(j->init());
  return j;
}

Status CommandJournal::init() {
  const std::pair<const char*, TableId*> tables[] = {{"dl_commands", &commands_}, {"dl_ids", &ids_},
                                                     {"dl_meta", &meta_},         {"dl_held", &held_},
                                                     {"dl_held_keys", &held_keys_}, {"dl_clarus_ids", &map_}};
  for (const auto& [name, id] : tables) {
    Result<TableId> t = store_.table(name);
    if (!t.ok()) return t.status();
    *id = *t;
  }
  Result<std::unique_ptr<ReadTxn>> r = store_.read();
  if (!r.ok()) return r.status();
  uint64_t next = read_u64(**r, meta_, kNextKey);
  // Never below the last queued command: a stored counter that lags would
  // make the next command overwrite one not yet applied.
  SB_RETURN_IF_ERROR((*r)->scan_back(commands_, "", [&](std::string_view k, std::string_view) {
    next = std::max(next, decode_u64_key(k) + 1);
    return false;
  }));
  next_local_seq_ = next == 0 ? 1 : next;
  return Status::Ok();
}

// Why a command cannot be journaled as it is ("" when it can): its id and
// business key become LMDB keys, which LMDB limits to 511 bytes.
std::string CommandJournal::unacceptable(const v1::Command& c) {
  if (c.command_id().empty()) return "the command has no command_id";
  if (c.command_id().size() > kMaxKeyBytes) return "the command_id is longer than " + std::to_string(kMaxKeyBytes) + " bytes";
  if (command_business_key(c).size() > kMaxKeyBytes) return "the command's business key is longer than " + std::to_string(kMaxKeyBytes) + " bytes";
  return "";
}

Result<uint64_t> CommandJournal::accept(const v1::DownlinkBatch& batch) {
  const std::string skey = stream_key(batch.downlink_epoch());
  if (skey.size() > kMaxKeyBytes) return Status::InvalidArgument("the downlink epoch is too long");
  const int64_t now = clock_.wall_ms();
  uint64_t high = 0, fresh = 0, dups = 0, next = 0;
  std::vector<v1::CommandOutcome> refused;
  Status s = committer_.run([&](WriteTxn& txn) -> Status {
    // May run twice (a replay after the map grew): start from the stored state.
    // Everything that can fail for a reason of the input is decided before the
    // first write, so a failing op leaves nothing behind in the shared commit.
    high = read_u64(txn, meta_, skey);
    next = read_u64(txn, meta_, kNextKey);
    if (next == 0) next = 1;
    fresh = dups = 0;
    refused.clear();
    std::vector<const v1::Command*> take;
    std::set<std::string> ids_in_batch;
    for (const v1::Command& c : batch.commands()) {
      if (c.seq() <= high) {
        dups++;
        continue;
      }
      if (c.seq() != high + 1) break;  // a gap: the relay sends the rest again
      high = c.seq();
      if (std::string why = unacceptable(c); !why.empty()) {
        // Acknowledged (so the stream moves on) and reported held, not journaled:
        // nothing could ever apply it.
        v1::CommandOutcome o;
        o.set_command_id(c.command_id().substr(0, 64));
        o.set_seq(c.seq());
        o.set_kind(v1::CommandOutcome::HELD);
        o.set_reason("refused at the agent: " + why);
        o.set_at_ms(now);
        refused.push_back(std::move(o));
        continue;
      }
      std::string existing;
      Status g = txn.get(ids_, c.command_id(), &existing);
      if (g.ok() || !ids_in_batch.insert(c.command_id()).second) {
        dups++;  // the same command under another epoch or seq: applied once
        continue;
      }
      if (g.code() != Code::kNotFound) return g;
      take.push_back(&c);
    }
    for (const v1::Command* c : take) {
      v1::Command stored = *c;
      stored.set_accepted_at_ms(now);
      if (stored.site_id().empty()) stored.set_site_id(batch.site_id());
      SB_RETURN_IF_ERROR(txn.put(ids_, c->command_id(), encode_u64_key(next)));
      SB_RETURN_IF_ERROR(txn.put_new(commands_, encode_u64_key(next), stored.SerializeAsString(), nullptr));
      next++;
      fresh++;
    }
    SB_RETURN_IF_ERROR(txn.put(meta_, skey, encode_u64_key(high)));
    return txn.put(meta_, kNextKey, encode_u64_key(next));
  });
  if (!s.ok()) return s;
  next_local_seq_ = next;
  {
    std::lock_guard lock(mu_);
    duplicates_ += dups;
    for (v1::CommandOutcome& o : refused) {
      log::warn("downlink", "refused a command that cannot be journaled", {{"command", o.command_id()}, {"reason", o.reason()}});
      unreported_.push_back(o);
      recent_.push_front(std::move(o));
      if (recent_.size() > kRecent) recent_.pop_back();
    }
  }
  if (fresh > 0 && on_accepted_) on_accepted_();
  return high;
}

Result<std::optional<PendingCommand>> CommandJournal::next() const {
  Result<std::unique_ptr<ReadTxn>> r = store_.read();
  if (!r.ok()) return r.status();
  std::optional<PendingCommand> found;
  Status parse_error;
  Status s = (*r)->scan(commands_, "", [&](std::string_view k, std::string_view v) {
    PendingCommand p;
    p.local_seq = decode_u64_key(k);
    if (!p.command.ParseFromArray(v.data(), static_cast<int>(v.size())))
      parse_error = Status::Corruption("command " + std::to_string(p.local_seq) + " does not parse");
    else
      found = std::move(p);
    return false;
  });
  if (!s.ok()) return s;
  if (!parse_error.ok()) return parse_error;
  return found;
}

Status CommandJournal::finish(uint64_t local_seq, const v1::Command& command, const v1::CommandOutcome& outcome,
                              const std::vector<std::pair<std::string, std::string>>& mappings) {
  const bool held = outcome.kind() == v1::CommandOutcome::HELD;
  const std::string key = command_business_key(command);
  std::vector<std::pair<std::string, std::string>> keep;
  for (const auto& m : mappings) {
    if (!m.first.empty() && m.first.size() <= kMaxKeyBytes) keep.push_back(m);
    else log::warn("downlink", "not remembering a Clarus id under an unusable key", {{"key_bytes", static_cast<uint64_t>(m.first.size())}});
  }
  Status s = committer_.run([&](WriteTxn& txn) -> Status {
    // The command is freed last, so a failed write never loses it unrecorded.
    for (const auto& [k, v] : keep) SB_RETURN_IF_ERROR(txn.put(map_, k, v));
    if (held) {
      SB_RETURN_IF_ERROR(txn.put(held_, command.command_id(), encode_held(command, outcome)));
      std::string holder;
      Status g = txn.get(held_keys_, key, &holder);
      if (g.code() == Code::kNotFound) SB_RETURN_IF_ERROR(txn.put(held_keys_, key, command.command_id()));
      else if (!g.ok()) return g;
    }
    Status d = txn.del(commands_, encode_u64_key(local_seq));
    if (!d.ok() && d.code() != Code::kNotFound) return d;
    return Status::Ok();
  });
  if (!s.ok()) return s;
  std::lock_guard lock(mu_);
  unreported_.push_back(outcome);
  while (unreported_.size() > kMaxUnreported) unreported_.pop_front();  // best effort, like uplink outcomes
  recent_.push_front(outcome);
  if (recent_.size() > kRecent) recent_.pop_back();
  if (!held) {
    applied_++;
    last_applied_at_ms_ = outcome.at_ms();
  }
  return Status::Ok();
}

void CommandJournal::report_again(std::vector<v1::CommandOutcome> outcomes) {
  std::lock_guard lock(mu_);
  for (auto it = outcomes.rbegin(); it != outcomes.rend(); ++it) unreported_.push_front(std::move(*it));
  while (unreported_.size() > kMaxUnreported) unreported_.pop_back();
}

void CommandJournal::report_held() {
  std::vector<v1::CommandOutcome> outcomes;
  for (HeldCommand& h : held(kMaxUnreported)) outcomes.push_back(std::move(h.outcome));
  report_again(std::move(outcomes));
}

std::string CommandJournal::mapping(const std::string& key) const {
  Result<std::unique_ptr<ReadTxn>> r = store_.read();
  std::string v;
  if (!r.ok() || !(*r)->get(map_, key, &v).ok()) return "";
  return v;
}

Status CommandJournal::put_mapping(const std::string& key, const std::string& clarus_id) {
  return committer_.run([&](WriteTxn& txn) { return txn.put(map_, key, clarus_id); });
}

std::string CommandJournal::held_by(const std::string& business_key) const {
  Result<std::unique_ptr<ReadTxn>> r = store_.read();
  std::string v;
  if (!r.ok() || !(*r)->get(held_keys_, business_key, &v).ok()) return "";
  return v;
}

std::vector<HeldCommand> CommandJournal::held(size_t max) const {
  std::vector<HeldCommand> out;
  Result<std::unique_ptr<ReadTxn>> r = store_.read();
  if (!r.ok()) return out;
  (void)(*r)->scan(held_, "", [&](std::string_view, std::string_view v) {
    HeldCommand h;
    if (decode_held(v, &h)) out.push_back(std::move(h));
    return out.size() < max;
  });
  return out;
}

std::vector<v1::CommandOutcome> CommandJournal::take_unreported() {
  std::lock_guard lock(mu_);
  std::vector<v1::CommandOutcome> out(unreported_.begin(), unreported_.end());
  unreported_.clear();
  return out;
}

std::vector<v1::CommandOutcome> CommandJournal::recent() const {
  std::lock_guard lock(mu_);
  return {recent_.begin(), recent_.end()};
}

uint64_t CommandJournal::high_water(const std::string& epoch) const {
  Result<std::unique_ptr<ReadTxn>> r = store_.read();
  return r.ok() ? read_u64(**r, meta_, stream_key(epoch)) : 0;
}

CommandJournalStats CommandJournal::stats() const {
  CommandJournalStats st;
  Result<std::unique_ptr<ReadTxn>> r = store_.read();
  if (r.ok()) {
    Result<uint64_t> n = (*r)->count(commands_);
    st.waiting = n.ok() ? *n : 0;
    Result<uint64_t> h = (*r)->count(held_);
    st.held = h.ok() ? *h : 0;
    (void)(*r)->scan(commands_, "", [&](std::string_view, std::string_view v) {
      v1::Command c;
      if (c.ParseFromArray(v.data(), static_cast<int>(v.size()))) st.oldest_waiting_ms = c.accepted_at_ms();
      return false;
    });
  }
  std::lock_guard lock(mu_);
  st.applied = applied_;
  st.duplicates = duplicates_;
  st.last_applied_at_ms = last_applied_at_ms_;
  return st;
}

}  // namespace sb::agent

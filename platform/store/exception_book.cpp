// ExceptionBook over four tables:
//   <prefix>          8-byte id counter -> record JSON (so byte order = creation order)
//   <prefix>_subject  kind '\0' subject id -> "EX-..." of the subject's latest exception
//   <prefix>_open     8-byte id counter -> {cls, owner, site, state, first_seen_ms}, unclosed only
//   <prefix>_meta     "next_id" -> the next counter (never reused, even after prune)
// The open table carries what counts() and the unclosed listings filter on, so
// they need not read the closed history that waits for prune.
#include "platform/store/exception_book.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace sb {
namespace {

constexpr char kNextId[] = "next_id";
constexpr size_t kMaxKeyBytes = 511;     // LMDB's key limit
constexpr size_t kScanChunk = 256;       // records loaded per read transaction by scan_unclosed
constexpr size_t kPrunePerCommit = 1000; // keeps prune's write transactions short

std::string format_id(uint64_t n) {
  std::string digits = std::to_string(n);
  if (digits.size() < 6) digits.insert(0, 6 - digits.size(), '0');
  return "EX-" + digits;
}

// The counter behind an id the book assigned, or 0 for any other text.
uint64_t parse_id(std::string_view id) {
  if (id.size() < 9 || id.size() > 23 || id.substr(0, 3) != "EX-") return 0;
  uint64_t n = 0;
  for (char c : id.substr(3)) {
    if (c < '0' || c > '9' || n > (std::numeric_limits<uint64_t>::max() - 9) / 10) return 0;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return format_id(n) == id ? n : 0;  // "EX-0000001" is not an id the book gave out
}

std::string subject_key(const std::string& kind, const std::string& id) { return kind + '\0' + id; }

// Reads typed members of a JSON object, remembering the first problem.
class Fields {
 public:
  explicit Fields(const Json& j) : j_(j) {}
  void text(std::string_view key, std::string* out, bool required = false) {
    const Json* v = j_.find(key);
    if (v == nullptr && !required) return;
    if (v == nullptr || !v->is_string()) return fail(key, "is missing or not a string");
    *out = v->as_string();
  }
  void integer(std::string_view key, int64_t* out) {
    const Json* v = j_.find(key);
    if (v != nullptr && (!v->is_number() || !v->as_int64(out))) fail(key, "is not an integer");
  }
  Status status() const { return error_.empty() ? Status::Ok() : Status::InvalidArgument(error_); }

 private:
  void fail(std::string_view key, const char* what) {
    if (error_.empty()) error_ = "exception record: '" + std::string(key) + "' " + what;
  }
  const Json& j_;
  std::string error_;
};

struct OpenEntry {
  std::string cls, owner, site;
  ExceptionState state = ExceptionState::kOpen;
  int64_t first_seen_ms = 0;
};

std::string encode_open(const ExceptionRecord& r) {
  Json j = Json::object();
  j.set("cls", Json::string(r.cls));
  j.set("owner", Json::string(r.owner));
  j.set("site", Json::string(r.site));
  j.set("state", Json::string(std::string(to_string(r.state))));
  j.set("first_seen_ms", Json::number(r.first_seen_ms));
  return j.dump();
}

bool decode_open(std::string_view v, OpenEntry* e) {
  Result<Json> j = Json::parse(v);
  if (!j.ok() || !j->is_object()) return false;
  Fields f(*j);
  std::string state;
  f.text("cls", &e->cls, true);
  f.text("owner", &e->owner, true);
  f.text("site", &e->site, true);
  f.text("state", &state, true);
  f.integer("first_seen_ms", &e->first_seen_ms);
  std::optional<ExceptionState> s = parse_exception_state(state);
  if (!f.status().ok() || !s) return false;
  e->state = *s;
  return true;
}

bool matches(const ExceptionFilter& f, const std::string& cls, const std::string& owner, const std::string& site,
             ExceptionState state) {
  return (f.cls.empty() || f.cls == cls) && (f.owner.empty() || f.owner == owner) &&
         (f.site.empty() || f.site == site) && (!f.state || *f.state == state) &&
         (!f.only_unclosed || !is_closed(state));
}

Status decode_record(std::string_view v, uint64_t n, ExceptionRecord* out) {
  Result<Json> j = Json::parse(v);
  Result<ExceptionRecord> r = j.ok() ? ExceptionRecord::from_json(*j) : Result<ExceptionRecord>(j.status());
  if (!r.ok()) return Status::Corruption("exception " + format_id(n) + " does not parse: " + r.status().message());
  *out = std::move(r).value();
  return Status::Ok();
}

Status load_record(ReadTxn& txn, TableId records, uint64_t n, ExceptionRecord* out) {
  std::string v;
  Status s = txn.get(records, encode_u64_key(n), &v);
  if (s.code() == Code::kNotFound) return Status::NotFound("no exception " + format_id(n));
  if (!s.ok()) return s;
  return decode_record(v, n, out);
}

// Writes the record and keeps the open table in step with its state.
Status write_record(WriteTxn& txn, TableId records, TableId open, uint64_t n, const ExceptionRecord& r) {
  const std::string key = encode_u64_key(n);
  SB_RETURN_IF_ERROR(txn.put(records, key, r.to_json().dump()));
  if (!is_closed(r.state)) return txn.put(open, key, encode_open(r));
  Status d = txn.del(open, key);
  return d.code() == Code::kNotFound ? Status::Ok() : d;
}

}  // namespace

std::string_view to_string(ExceptionState s) {
  switch (s) {
    case ExceptionState::kOpen: return "open";
    case ExceptionState::kRetrying: return "retrying";
    case ExceptionState::kResolved: return "resolved";
    case ExceptionState::kDiscarded: return "discarded";
  }
  return "open";
}

std::optional<ExceptionState> parse_exception_state(std::string_view s) {
  for (ExceptionState e : {ExceptionState::kOpen, ExceptionState::kRetrying, ExceptionState::kResolved,
                           ExceptionState::kDiscarded}) {
    if (to_string(e) == s) return e;
  }
  return std::nullopt;
}

Json ExceptionRecord::to_json() const {
  Json j = Json::object();
  for (auto [name, value] : {std::pair{"id", &id}, {"cls", &cls}, {"owner", &owner}, {"subject_kind", &subject_kind},
                             {"subject_id", &subject_id}, {"site", &site}, {"key", &key}, {"reason", &reason},
                             {"detail", &detail}}) {
    j.set(name, Json::string(*value));
  }
  j.set("state", Json::string(std::string(to_string(state))));
  j.set("first_seen_ms", Json::number(first_seen_ms));
  j.set("updated_ms", Json::number(updated_ms));
  j.set("attempts", Json::number(static_cast<int64_t>(attempts)));
  Json t = Json::array();
  for (const ExceptionAction& a : trail) {
    Json e = Json::object();
    e.set("at_ms", Json::number(a.at_ms));
    e.set("who", Json::string(a.who));
    e.set("action", Json::string(a.action));
    e.set("note", Json::string(a.note));
    e.set("change", Json::string(a.change));
    t.push(std::move(e));
  }
  j.set("trail", std::move(t));
  return j;
}

Result<ExceptionRecord> ExceptionRecord::from_json(const Json& j) {
  if (!j.is_object()) return Status::InvalidArgument("exception record: not a JSON object");
  ExceptionRecord r;
  Fields f(j);
  std::string state;
  int64_t attempts = 1;
  f.text("id", &r.id, true);
  f.text("cls", &r.cls, true);
  f.text("subject_kind", &r.subject_kind, true);
  f.text("subject_id", &r.subject_id, true);
  f.text("state", &state, true);
  for (auto [name, value] : {std::pair{"owner", &r.owner}, {"site", &r.site}, {"key", &r.key},
                             {"reason", &r.reason}, {"detail", &r.detail}}) {
    f.text(name, value);
  }
  f.integer("first_seen_ms", &r.first_seen_ms);
  f.integer("updated_ms", &r.updated_ms);
  f.integer("attempts", &attempts);
  SB_RETURN_IF_ERROR(f.status());
  std::optional<ExceptionState> s = parse_exception_state(state);
  if (!s) return Status::InvalidArgument("exception record: unknown state '" + state + "'");
  r.state = *s;
  if (attempts < 0 || attempts > std::numeric_limits<uint32_t>::max()) {
    return Status::InvalidArgument("exception record: 'attempts' is out of range");
  }
  r.attempts = static_cast<uint32_t>(attempts);
  const Json* trail = j.find("trail");
  if (trail == nullptr) return r;
  if (!trail->is_array()) return Status::InvalidArgument("exception record: 'trail' is not an array");
  for (const Json& e : trail->items()) {
    if (!e.is_object()) return Status::InvalidArgument("exception record: a trail entry is not an object");
    ExceptionAction a;
    Fields g(e);
    g.integer("at_ms", &a.at_ms);
    g.text("who", &a.who);
    g.text("action", &a.action, true);
    g.text("note", &a.note);
    g.text("change", &a.change);
    SB_RETURN_IF_ERROR(g.status());
    r.trail.push_back(std::move(a));
  }
  return r;
}

Result<std::unique_ptr<ExceptionBook>> ExceptionBook::open(KvStore& store, GroupCommitter& committer,
                                                           const Clock& clock, const std::string& prefix,
                                                           Options options) {
  if (prefix.empty()) return Status::InvalidArgument("the exception book needs a table prefix");
  std::unique_ptr<ExceptionBook> book(new ExceptionBook(store, committer, clock, options));
  for (auto [suffix, id] : {std::pair{"", &book->records_}, {"_subject", &book->subjects_},
                            {"_open", &book->open_}, {"_meta", &book->meta_}}) {
    Result<TableId> t = store.table(prefix + suffix);
    if (!t.ok()) return t.status();
    *id = *t;
  }
  return book;
}

Status ExceptionBook::raise_in(WriteTxn& txn, const ExceptionRaise& r, ExceptionRecord* out) {
  if (r.subject_kind.empty() || r.subject_id.empty() || r.cls.empty()) {
    return Status::InvalidArgument("an exception needs a class, a subject kind and a subject id");
  }
  const std::string skey = subject_key(r.subject_kind, r.subject_id);
  if (skey.size() > kMaxKeyBytes) return Status::InvalidArgument("the exception's subject id is too long");
  const int64_t now = clock_.wall_ms();
  const std::string who = r.who.empty() ? "system" : r.who;
  const std::string note = r.note.empty() ? r.reason : r.note;

  ExceptionRecord rec;
  uint64_t n = 0;
  std::string v;
  Status s = txn.get(subjects_, skey, &v);
  if (!s.ok() && s.code() != Code::kNotFound) return s;
  if (s.ok()) {
    n = parse_id(v);
    if (n == 0) return Status::Corruption("the subject index names '" + v + "', not an exception id");
    Status l = load_record(txn, records_, n, &rec);
    if (!l.ok() && l.code() != Code::kNotFound) return l;
    if (!l.ok() || is_closed(rec.state)) n = 0;  // its last exception is over: a new one
  }
  if (n != 0) {
    std::string change;
    if (rec.cls != r.cls) change = "cls: '" + rec.cls + "' -> '" + r.cls + "'";
    if (rec.owner != r.owner) {
      if (!change.empty()) change += "; ";
      change += "owner: '" + rec.owner + "' -> '" + r.owner + "'";
    }
    if (rec.attempts < std::numeric_limits<uint32_t>::max()) ++rec.attempts;
    rec.trail.push_back({now, who, "held again", note, change});
  } else {
    std::string next;
    Status g = txn.get(meta_, kNextId, &next);
    if (!g.ok() && g.code() != Code::kNotFound) return g;
    n = g.ok() ? decode_u64_key(next) : 1;
    if (n == 0) return Status::Corruption("the exception book's id counter does not parse");
    SB_RETURN_IF_ERROR(txn.put(meta_, kNextId, encode_u64_key(n + 1)));
    rec = ExceptionRecord{};
    rec.id = format_id(n);
    rec.subject_kind = r.subject_kind;
    rec.subject_id = r.subject_id;
    rec.first_seen_ms = now;
    rec.trail.push_back({now, who, "raised", note, ""});
    SB_RETURN_IF_ERROR(txn.put(subjects_, skey, rec.id));
  }
  rec.cls = r.cls;
  rec.owner = r.owner;
  rec.site = r.site;
  rec.key = r.key;
  rec.reason = r.reason;
  rec.detail = r.detail;
  rec.state = ExceptionState::kOpen;
  rec.updated_ms = now;
  SB_RETURN_IF_ERROR(write_record(txn, records_, open_, n, rec));
  if (out != nullptr) *out = std::move(rec);
  return Status::Ok();
}

Result<ExceptionRecord> ExceptionBook::raise(const ExceptionRaise& r) {
  ExceptionRecord rec;
  Status s = committer_.run([&](WriteTxn& txn) { return raise_in(txn, r, &rec); });
  if (!s.ok()) return s;
  return rec;
}

Status ExceptionBook::act_in(WriteTxn& txn, const std::string& id, ExceptionState to, ExceptionAction action,
                             const std::string* detail, ExceptionRecord* out) {
  const uint64_t n = parse_id(id);
  if (n == 0) return Status::NotFound("no exception " + id);
  ExceptionRecord rec;
  SB_RETURN_IF_ERROR(load_record(txn, records_, n, &rec));
  if (is_closed(rec.state)) {
    return Status::FailedPrecondition("exception " + id + " is " + std::string(to_string(rec.state)) +
                                      " and takes no more actions");
  }
  const int64_t now = clock_.wall_ms();
  if (action.at_ms == 0) action.at_ms = now;
  rec.trail.push_back(std::move(action));
  rec.state = to;
  rec.updated_ms = now;
  if (detail != nullptr) rec.detail = *detail;
  SB_RETURN_IF_ERROR(write_record(txn, records_, open_, n, rec));
  if (out != nullptr) *out = std::move(rec);
  return Status::Ok();
}

Result<ExceptionRecord> ExceptionBook::act(const std::string& id, ExceptionState to, ExceptionAction action,
                                           const std::string* detail) {
  ExceptionRecord rec;
  // act_in takes the action by value, so a replayed op starts from the caller's again.
  Status s = committer_.run([&](WriteTxn& txn) { return act_in(txn, id, to, action, detail, &rec); });
  if (!s.ok()) return s;
  return rec;
}

Status ExceptionBook::resolve_subject_in(WriteTxn& txn, const std::string& subject_kind, const std::string& subject_id,
                                         const std::string& who, const std::string& note, ExceptionRecord* out) {
  Result<ExceptionRecord> rec = find_subject_in(txn, subject_kind, subject_id);
  if (!rec.ok()) return rec.status();
  if (is_closed(rec->state)) {
    return Status::NotFound("no unclosed exception for " + subject_kind + " " + subject_id);
  }
  return act_in(txn, rec->id, ExceptionState::kResolved, {0, who.empty() ? "system" : who, "resolved", note, ""},
                nullptr, out);
}

Result<ExceptionRecord> ExceptionBook::resolve_subject(const std::string& subject_kind, const std::string& subject_id,
                                                       const std::string& who, const std::string& note) {
  ExceptionRecord rec;
  Status s = committer_.run(
      [&](WriteTxn& txn) { return resolve_subject_in(txn, subject_kind, subject_id, who, note, &rec); });
  if (!s.ok()) return s;
  return rec;
}

Result<ExceptionRecord> ExceptionBook::get(const std::string& id) {
  const uint64_t n = parse_id(id);
  if (n == 0) return Status::NotFound("no exception " + id);
  Result<std::unique_ptr<ReadTxn>> txn = store_.read();
  if (!txn.ok()) return txn.status();
  ExceptionRecord rec;
  SB_RETURN_IF_ERROR(load_record(**txn, records_, n, &rec));
  return rec;
}

Result<ExceptionRecord> ExceptionBook::find_subject_in(ReadTxn& txn, const std::string& subject_kind,
                                                       const std::string& subject_id) {
  const std::string skey = subject_key(subject_kind, subject_id);
  if (skey.size() > kMaxKeyBytes) return Status::NotFound("no exception for " + subject_kind + " " + subject_id);
  std::string id;
  Status s = txn.get(subjects_, skey, &id);
  if (s.code() == Code::kNotFound) return Status::NotFound("no exception for " + subject_kind + " " + subject_id);
  if (!s.ok()) return s;
  const uint64_t n = parse_id(id);
  if (n == 0) return Status::Corruption("the subject index names '" + id + "', not an exception id");
  ExceptionRecord rec;
  SB_RETURN_IF_ERROR(load_record(txn, records_, n, &rec));
  return rec;
}

Result<ExceptionRecord> ExceptionBook::find_subject(const std::string& subject_kind, const std::string& subject_id) {
  Result<std::unique_ptr<ReadTxn>> txn = store_.read();
  if (!txn.ok()) return txn.status();
  return find_subject_in(**txn, subject_kind, subject_id);
}

Result<std::vector<ExceptionRecord>> ExceptionBook::list(const ExceptionFilter& filter) {
  std::vector<ExceptionRecord> out;
  if (filter.limit == 0) return out;
  Result<std::unique_ptr<ReadTxn>> txn = store_.read();
  if (!txn.ok()) return txn.status();
  ReadTxn& r = **txn;
  Status bad;
  const bool unclosed = filter.only_unclosed || (filter.state && !is_closed(*filter.state));
  if (unclosed) {
    // The open table filters without reading the closed history; only matches are loaded.
    std::vector<uint64_t> hits;
    SB_RETURN_IF_ERROR(r.scan_back(open_, "", [&](std::string_view k, std::string_view v) {
      OpenEntry e;
      if (!decode_open(v, &e)) {
        bad = Status::Corruption("the open index entry of " + format_id(decode_u64_key(k)) + " does not parse");
        return false;
      }
      if (matches(filter, e.cls, e.owner, e.site, e.state)) hits.push_back(decode_u64_key(k));
      return hits.size() < filter.limit;
    }));
    SB_RETURN_IF_ERROR(bad);
    for (uint64_t n : hits) {
      SB_RETURN_IF_ERROR(load_record(r, records_, n, &out.emplace_back()));
    }
    return out;
  }
  SB_RETURN_IF_ERROR(r.scan_back(records_, "", [&](std::string_view k, std::string_view v) {
    ExceptionRecord rec;
    bad = decode_record(v, decode_u64_key(k), &rec);
    if (!bad.ok()) return false;
    if (matches(filter, rec.cls, rec.owner, rec.site, rec.state)) out.push_back(std::move(rec));
    return out.size() < filter.limit;
  }));
  SB_RETURN_IF_ERROR(bad);
  return out;
}

Status ExceptionBook::scan_unclosed(const std::function<bool(const ExceptionRecord&)>& visit) {
  // In chunks, each from its own read transaction, so that no transaction is
  // held while `visit` runs (it may act on the exception it is shown).
  std::string from;
  for (;;) {
    std::vector<ExceptionRecord> chunk;
    bool more = false;
    {
      Result<std::unique_ptr<ReadTxn>> txn = store_.read();
      if (!txn.ok()) return txn.status();
      std::vector<uint64_t> ids;
      SB_RETURN_IF_ERROR((*txn)->scan(open_, from, [&](std::string_view k, std::string_view) {
        if (ids.size() == kScanChunk) {
          from.assign(k);
          more = true;
          return false;
        }
        ids.push_back(decode_u64_key(k));
        return true;
      }));
      for (uint64_t n : ids) SB_RETURN_IF_ERROR(load_record(**txn, records_, n, &chunk.emplace_back()));
    }
    for (const ExceptionRecord& rec : chunk) {
      if (!visit(rec)) return Status::Ok();
    }
    if (!more) return Status::Ok();
  }
}

ExceptionCounts ExceptionBook::counts() {
  ExceptionCounts c;
  Result<std::unique_ptr<ReadTxn>> txn = store_.read();
  if (!txn.ok()) return c;
  Status s = (*txn)->scan(open_, "", [&](std::string_view, std::string_view v) {
    OpenEntry e;
    if (!decode_open(v, &e)) return true;  // list() reports it; the counts go on
    ++c.open;
    if (e.state == ExceptionState::kRetrying) ++c.retrying;
    ++c.by_class[e.cls];
    ++c.by_owner[e.owner];
    if (c.oldest_first_seen_ms == 0 || e.first_seen_ms < c.oldest_first_seen_ms) {
      c.oldest_first_seen_ms = e.first_seen_ms;
    }
    return true;
  });
  return s.ok() ? c : ExceptionCounts{};
}

Result<uint64_t> ExceptionBook::prune(size_t max) {
  const int64_t cutoff = clock_.wall_ms() - options_.retention.count();
  std::vector<uint64_t> doomed;
  {
    Result<std::unique_ptr<ReadTxn>> txn = store_.read();
    if (!txn.ok()) return txn.status();
    // Oldest first. Records are created in id order and updated_ms >= first_seen_ms,
    // so the scan stops at the first one first seen after the cutoff.
    Status s = (*txn)->scan(records_, "", [&](std::string_view k, std::string_view v) {
      if (doomed.size() >= max) return false;
      ExceptionRecord rec;
      const uint64_t n = decode_u64_key(k);
      if (!decode_record(v, n, &rec).ok()) return true;  // kept for a person to see
      if (rec.first_seen_ms >= cutoff) return false;
      if (is_closed(rec.state) && rec.updated_ms < cutoff) doomed.push_back(n);
      return true;
    });
    if (!s.ok()) return s;
  }
  uint64_t pruned = 0;
  for (size_t at = 0; at < doomed.size(); at += kPrunePerCommit) {
    const size_t end = std::min(doomed.size(), at + kPrunePerCommit);
    uint64_t in_commit = 0;
    Status s = committer_.run([&](WriteTxn& txn) -> Status {
      in_commit = 0;  // a replayed op counts again
      for (size_t i = at; i < end; ++i) {
        ExceptionRecord rec;
        Status l = load_record(txn, records_, doomed[i], &rec);
        if (l.code() == Code::kNotFound) continue;  // pruned meanwhile
        if (!l.ok()) return l;
        SB_RETURN_IF_ERROR(txn.del(records_, encode_u64_key(doomed[i])));
        const std::string skey = subject_key(rec.subject_kind, rec.subject_id);
        std::string latest;
        Status g = txn.get(subjects_, skey, &latest);
        if (!g.ok() && g.code() != Code::kNotFound) return g;
        if (g.ok() && latest == rec.id) SB_RETURN_IF_ERROR(txn.del(subjects_, skey));
        ++in_commit;
      }
      return Status::Ok();
    });
    if (!s.ok()) return s;
    pruned += in_commit;
  }
  return pruned;
}

Json ExceptionCounts::to_json() const {
  auto num = [](uint64_t v) { return Json::number(static_cast<int64_t>(v)); };
  Json j = Json::object();
  j.set("open", num(open));
  j.set("retrying", num(retrying));
  Json& classes = j.set("by_class", Json::object());
  for (const auto& [cls, n] : by_class) classes.set(cls, num(n));
  Json& owners = j.set("by_owner", Json::object());
  for (const auto& [owner, n] : by_owner) owners.set(owner, num(n));
  j.set("oldest_first_seen_ms", Json::number(oldest_first_seen_ms));
  return j;
}

}  // namespace sb

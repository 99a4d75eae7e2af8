// The checks of `journal verify`; the report's forms and the command line are
// in journal_verify_cli.cpp.
#include "agent/journal_verify.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <memory>
#include <optional>

#include "agent/journal.h"
#include "stockbridge/v1/wire.h"

namespace sb::agent {
namespace {

// The tables and meta keys as Journal (journal.cpp) and EdgeRules
// (rules/edge_rules.cpp) name them. journal_verify_test checks a journal those
// classes wrote, so a rename there that is not made here fails it.
constexpr char kEvents[] = "events";
constexpr char kIds[] = "ids";
constexpr char kFreed[] = "freed";
constexpr char kMeta[] = "meta";
constexpr char kHeld[] = "held_events";
constexpr char kHeldIds[] = "held_ids";

using Severity = JournalFinding::Severity;

std::string seq_range(uint64_t first, uint64_t last) {
  return first == last ? "seq " + std::to_string(first) : "seqs " + std::to_string(first) + ".." + std::to_string(last);
}

std::string count_of(uint64_t n, const char* one) { return std::to_string(n) + " " + one + (n == 1 ? "" : "s"); }

// A held event's key is its business key, a NUL, then 8 bytes of order.
std::string held_key_text(std::string_view key) {
  size_t nul = key.find('\0');
  std::string out(key.substr(0, nul));
  if (nul != std::string_view::npos && key.size() == nul + 9) out += " #" + std::to_string(decode_u64_key(key.substr(nul + 1)));
  return out;
}

class Verifier {
 public:
  Verifier(KvStore& store, const JournalVerifyOptions& options, JournalVerifyReport& report)
      : store_(store), options_(options), r_(report), expected_site_(options.site_id) {}

  Status run() {
    SB_RETURN_IF_ERROR(open_tables());
    Result<std::unique_ptr<ReadTxn>> txn = store_.read();
    if (!txn.ok()) return txn.status();
    ReadTxn& t = **txn;
    if (!check_meta(t)) return Status::Ok();  // a newer format: read nothing else
    check_events(t);
    check_ids(t);
    check_held(t);
    r_.site = expected_site_;
    return Status::Ok();
  }

 private:
  Status open_tables() {
    for (auto [name, id] : {std::pair{kEvents, &events_}, {kIds, &ids_}, {kMeta, &meta_}}) {
      Result<TableId> t = store_.table(name);
      if (t.status().code() == Code::kNotFound) return Status::NotFound("the store holds no journal (no " + std::string(name) + " table)");
      if (!t.ok()) return t.status();
      *id = *t;
    }
    // Tables another part of the agent makes; absent, there is nothing of theirs to check.
    for (auto [name, id] : {std::pair{kFreed, &freed_}, {kHeld, &held_}, {kHeldIds, &held_ids_}}) {
      Result<TableId> t = store_.table(name);
      if (t.ok()) *id = *t;
      else if (t.status().code() != Code::kNotFound) return t.status();
    }
    return Status::Ok();
  }

  void add(Severity severity, const char* where, std::string what) {
    (severity == Severity::kError ? r_.errors : r_.warnings)++;
    if (r_.findings.size() < options_.max_findings) r_.findings.push_back({severity, where, std::move(what)});
  }
  void error(const char* where, std::string what) { add(Severity::kError, where, std::move(what)); }
  void warning(const char* where, std::string what) { add(Severity::kWarning, where, std::move(what)); }
  void read_failed(const char* where, const Status& s) {
    error(where, "reading the " + std::string(where) + " table failed part-way: " + s.to_string());
  }

  // A progress line at most every progress_every; the clock is read once per 4096 items.
  void tick(const char* phase, uint64_t done, uint64_t total) {
    if (!options_.progress || (done & 4095) != 0) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_progress_ < options_.progress_every) return;
    last_progress_ = now;
    options_.progress(std::string("journal verify: ") + phase + " " + std::to_string(done) + " of " +
                      std::to_string(total) + " checked, " + std::to_string(r_.errors) + " errors so far");
  }

  Result<uint64_t> meta_u64(ReadTxn& t, const char* key) {
    std::string v;
    Status s = t.get(meta_, key, &v);
    if (s.code() == Code::kNotFound) {
      error("meta", std::string("the meta record has no ") + key);
      return uint64_t{0};
    }
    if (!s.ok()) return s;
    if (v.size() != 8) error("meta", std::string(key) + " is " + std::to_string(v.size()) + " bytes, not an 8-byte seq");
    return decode_u64_key(v);
  }

  // False when the journal is of a newer format and must not be read further.
  bool check_meta(ReadTxn& t) {
    Status s = t.get(meta_, "format", &r_.format_text);
    if (s.code() == Code::kNotFound) {
      error("meta", "the meta record has no format version (not a journal, or its meta record is lost)");
    } else if (!s.ok()) {
      read_failed("meta", s);
    } else {
      int version = 0;
      const char* end = r_.format_text.data() + r_.format_text.size();
      auto [p, ec] = std::from_chars(r_.format_text.data(), end, version);
      if (ec != std::errc() || p != end || version < 1) {
        error("meta", "the format version '" + r_.format_text + "' is not a number this agent knows");
      } else if (version > Journal::kFormatVersion) {
        r_.newer_format = true;
        return false;
      }
    }
    // Format 2 records the journal's site: the events must name it, and a
    // configured site.id that differs is what the agent refuses to start with.
    std::string recorded;
    s = t.get(meta_, "site", &recorded);
    if (!s.ok() && s.code() != Code::kNotFound) {
      read_failed("meta", s);
    } else if (!recorded.empty() && expected_site_.empty()) {
      expected_site_ = recorded;
    } else if (!recorded.empty() && recorded != expected_site_) {
      error("meta", "the journal records site " + recorded + ", but site.id is " + expected_site_ +
                        ": the agent refuses to start with this journal");
    }
    s = t.get(meta_, "epoch", &r_.epoch);
    if (s.code() == Code::kNotFound || (s.ok() && r_.epoch.empty())) error("meta", "the meta record has no epoch");
    else if (!s.ok()) read_failed("meta", s);
    Result<uint64_t> last = meta_u64(t, "last_seq");
    Result<uint64_t> acked = meta_u64(t, "acked_through");
    if (!last.ok()) read_failed("meta", last.status());
    if (!acked.ok()) read_failed("meta", acked.status());
    r_.last_seq = last.ok() ? *last : 0;
    r_.acked_through = acked.ok() ? *acked : 0;
    if (r_.acked_through > r_.last_seq) {
      error("meta", "acked_through " + std::to_string(r_.acked_through) + " is ahead of last_seq " +
                        std::to_string(r_.last_seq) + ": the relay cannot have acknowledged events never journaled");
    }
    r_.unacked = r_.last_seq > r_.acked_through ? r_.last_seq - r_.acked_through : 0;
    return true;
  }

  // A run of consecutive seqs outside acked_through+1..last_seq, reported as one finding.
  struct Stray {
    uint64_t first = 0, last = 0;
    std::string why;
  };
  void flush(Stray& s) {
    if (s.first != 0) error("events", seq_range(s.first, s.last) + " " + s.why);
    s.first = 0;
  }
  void note_stray(Stray& s, uint64_t seq, const std::string& why) {
    if (s.first != 0 && (seq != s.last + 1 || s.why != why)) flush(s);
    if (s.first == 0) s = {seq, seq, why};
    s.last = seq;
  }

  void check_events(ReadTxn& t) {
    const uint64_t first = r_.acked_through + 1, last = r_.last_seq;
    uint64_t expected = first;  // the next seq that must come; keys arrive in ascending order
    Stray stray;
    const std::string below = "at or below acked_through " + std::to_string(r_.acked_through) + " (should have been freed)";
    const std::string above = "beyond last_seq " + std::to_string(last) + ": the meta record is behind the events";
    Result<uint64_t> total = t.count(events_);
    Status s = t.scan(events_, "", [&](std::string_view key, std::string_view value) {
      ++r_.events;
      tick("events", r_.events, total.ok() ? *total : 0);
      if (key.size() != 8) {
        error("events", "a key of " + std::to_string(key.size()) + " bytes is not a seq");
        return true;
      }
      const uint64_t seq = decode_u64_key(key);
      if (seq < first || seq > last) {
        note_stray(stray, seq, seq < first ? below : above);
      } else {
        flush(stray);
        if (seq > expected) missing(expected, seq - 1);
        expected = seq + 1;
      }
      check_event(t, seq, value);
      return true;
    });
    flush(stray);
    if (!s.ok()) return read_failed("events", s);
    if (expected <= last) missing(expected, last);
  }

  void missing(uint64_t from, uint64_t to) {
    error("events", seq_range(from, to) + " missing (" + count_of(to - from + 1, "unacknowledged event") +
                        " the relay has not had)");
  }

  void check_event(ReadTxn& t, uint64_t seq, std::string_view bytes) {
    v1::Event e;
    const std::string at = "seq " + std::to_string(seq);
    if (!e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return error("events", at + " does not parse as an event (" + std::to_string(bytes.size()) + " bytes)");
    }
    if (e.event_id().empty()) return error("events", at + " has no event_id");
    const std::string which = at + " (" + e.event_id() + ")";
    if (e.seq() != seq) error("events", which + " says it is seq " + std::to_string(e.seq()));
    if (e.site_id().empty()) {
      error("events", which + " names no site");
    } else if (expected_site_.empty()) {
      expected_site_ = e.site_id();
    } else if (e.site_id() != expected_site_) {
      error("events", which + " is of site " + e.site_id() + ", the journal's is " + expected_site_);
    }
    if (e.body_case() == v1::Event::BODY_NOT_SET) error("events", which + " has no body");
    if (e.accepted_at_ms() <= 0) warning("events", which + " has no accepted_at: its age is unknown");
    else if (r_.oldest_accepted_ms == 0 || e.accepted_at_ms() < r_.oldest_accepted_ms) r_.oldest_accepted_ms = e.accepted_at_ms();
    std::string v;
    Status g = t.get(ids_, e.event_id(), &v);
    if (g.code() == Code::kNotFound) {
      error("ids", which + " is not in the id index: a resend of it would be journaled again");
    } else if (!g.ok()) {
      read_failed("ids", g);
    } else if (decode_u64_key(v) != seq) {
      error("ids", which + ": the id index points to seq " + std::to_string(decode_u64_key(v)) +
                       " (the event is journaled twice, or the index is stale)");
    }
  }

  void check_ids(ReadTxn& t) {
    Result<uint64_t> total = t.count(ids_);
    std::string v;
    Status s = t.scan(ids_, "", [&](std::string_view id, std::string_view value) {
      ++r_.ids;
      tick("event ids", r_.ids, total.ok() ? *total : 0);
      const std::string which = "id " + std::string(id);
      if (value.size() != 8) {
        error("ids", which + " maps to " + std::to_string(value.size()) + " bytes, not a seq");
        return true;
      }
      const uint64_t seq = decode_u64_key(value);
      // 0: held at the site (or discarded there); <= acked_through: freed. Neither is in the events table.
      if (seq == 0 || seq <= r_.acked_through) return true;
      const std::string to = which + " points to seq " + std::to_string(seq);
      if (seq > r_.last_seq) {
        error("ids", to + ", beyond last_seq " + std::to_string(r_.last_seq));
        return true;
      }
      Status g = t.get(events_, encode_u64_key(seq), &v);
      if (g.code() == Code::kNotFound) {
        error("ids", to + ", which is not in the journal");
      } else if (!g.ok()) {
        read_failed("events", g);
      } else if (std::string_view found = peek_event_id(v); found != id) {
        error("ids", to + ", which holds " + (found.empty() ? std::string("an unreadable event") : "event " + std::string(found)));
      }
      return true;
    });
    if (!s.ok()) read_failed("ids", s);
    if (freed_) {
      Result<uint64_t> n = t.count(*freed_);
      if (n.ok()) r_.freed = *n;
    }
  }

  void check_held(ReadTxn& t) {
    if (!held_) return;
    Result<uint64_t> total = t.count(*held_);
    std::string v;
    Status s = t.scan(*held_, "", [&](std::string_view key, std::string_view value) {
      ++r_.held;
      tick("held events", r_.held, total.ok() ? *total : 0);
      const std::string at = "held event " + held_key_text(key);
      v1::Event e;
      if (!e.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
        error("held", at + " does not parse as an event (" + std::to_string(value.size()) + " bytes)");
        return true;
      }
      if (e.event_id().empty()) {
        error("held", at + " has no event_id");
        return true;
      }
      const std::string which = at + " (" + e.event_id() + ")";
      // Held, the id is remembered with seq 0, so a resend is a duplicate of it.
      Status g = t.get(ids_, e.event_id(), &v);
      if (g.code() == Code::kNotFound) warning("ids", which + " is not in the id index: a resend of it would be accepted again");
      else if (!g.ok()) read_failed("ids", g);
      if (!held_ids_) return true;
      g = t.get(*held_ids_, e.event_id(), &v);
      if (g.code() == Code::kNotFound || (g.ok() && v != key)) {
        error("held", which + " is not found by its id: a retry, edit or discard of it would fail");
      } else if (!g.ok()) {
        read_failed("held", g);
      }
      return true;
    });
    if (!s.ok()) read_failed("held", s);
  }

  KvStore& store_;
  const JournalVerifyOptions& options_;
  JournalVerifyReport& r_;
  std::string expected_site_;
  TableId events_{}, ids_{}, meta_{};
  std::optional<TableId> freed_, held_, held_ids_;  // absent in a store the agent's other parts never opened
  std::chrono::steady_clock::time_point last_progress_ = std::chrono::steady_clock::now();
};

}  // namespace

Result<JournalVerifyReport> verify_journal(KvStore& store, const JournalVerifyOptions& options) {
  JournalVerifyReport report;
  Verifier v(store, options, report);
  SB_RETURN_IF_ERROR(v.run());
  return report;
}

}  // namespace sb::agent

// JournalVerify: site IT's integrity check of the agent's journal,
// `stockbridge-agent journal verify [--config FILE] [--json]`.
//
// It reads what Journal (agent/journal.h) and EdgeRules (agent/rules/edge_rules.h)
// wrote, in one read transaction (a consistent snapshot), and never writes:
// the command opens the LMDB environment read-only, so it is safe beside a
// running agent. Memory stays bounded however long the journal is: the
// tables are streamed in key order and checked against a running expected
// seq, never loaded.
//
// What it checks, each problem a finding in plain words:
//   meta    the format is one this binary knows (a newer one: nothing else is
//           read); format, epoch, last_seq and acked_through are present,
//           acked_through <= last_seq, and the recorded site (format 2) is site.id
//   events  every seq from acked_through+1 to last_seq is there, and nothing
//           at or below acked_through or above last_seq; each event parses,
//           has an event_id, its own seq, a body, and the journal's site
//   ids     every unacknowledged event's id maps to its seq, and every id
//           that maps to an unacknowledged seq finds that event there
//   held    events held at the site parse, and their held index finds them
// Thread-safety: verify_journal may run beside other users of the store.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "platform/core/clock.h"
#include "platform/core/json.h"
#include "platform/core/status.h"
#include "platform/store/kv_store.h"

namespace sb::agent {

struct JournalFinding {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  std::string where;  // the table: "meta", "events", "ids", "held"
  std::string what;   // what is wrong and at which seq or id
};

struct JournalVerifyReport {
  // Written by a newer agent: only the format was read (see format_text).
  bool newer_format = false;
  std::string format_text;     // as stored, "1"
  std::string epoch;
  std::string site;            // the journal's site: recorded (format 2), else site.id or the first event's
  uint64_t last_seq = 0;
  uint64_t acked_through = 0;
  uint64_t unacked = 0;        // last_seq - acked_through: what the events table should hold
  uint64_t events = 0;         // what it does hold
  uint64_t held = 0;           // held at the site
  uint64_t ids = 0;            // event ids remembered (unacknowledged, held, and freed within dedup_retention)
  uint64_t freed = 0;          // freed events whose ids are still remembered
  int64_t oldest_accepted_ms = 0;  // of the events held for the relay; 0 when none
  StoreStats store;            // filled by the command (the environment's map and pages)
  std::vector<JournalFinding> findings;  // the first max_findings, in the order found
  uint64_t errors = 0;         // all of them, kept or not
  uint64_t warnings = 0;

  bool ok() const { return errors == 0 && !newer_format; }
  std::string to_text() const;  // the short report for people
  Json to_json() const;
};

struct JournalVerifyOptions {
  std::string site_id;        // the site events must name; "" = the recorded one, else the first event's
  size_t max_findings = 50;   // kept in detail; the rest are only counted
  // Called with one line (no newline) at most every progress_every while the
  // check runs; null = silent.
  std::function<void(const std::string& line)> progress;
  Millis progress_every{1000};
};

// Checks the journal in `store`. The report holds what is wrong; an error
// Status only when the journal cannot be read at all (NotFound: no journal in
// this store). A read that fails part-way (a damaged file) is a finding.
Result<JournalVerifyReport> verify_journal(KvStore& store, const JournalVerifyOptions& options = {});

// The command line. argv[1] is "journal". Output to `out`, progress and
// errors to `err`. Exit codes: 0 OK (warnings allowed), 1 errors found,
// 2 bad usage or config, 3 the journal cannot be opened, 4 a newer format.
bool is_journal_command(int argc, char** argv);
int run_journal_command(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace sb::agent

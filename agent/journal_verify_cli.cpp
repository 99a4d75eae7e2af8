// `stockbridge-agent journal verify`: the report's forms and the command line.
#include <cstdio>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/journal.h"
#include "agent/journal_verify.h"
#include "agent/settings.h"
#include "platform/core/config.h"
#include "platform/core/log.h"

namespace sb::agent {
namespace {

constexpr int kOk = 0, kProblems = 1, kUsage = 2, kCannotOpen = 3, kNewerFormat = 4;

std::string with_commas(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string plural(uint64_t n, const char* one, const char* many) { return with_commas(n) + " " + (n == 1 ? one : many); }

std::string mib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

Json num(uint64_t v) { return Json::number(static_cast<int64_t>(v)); }

std::string newer_format_text(const JournalVerifyReport& r) {
  return "the journal was written by a newer agent (format " + r.format_text + "; this agent reads up to format " +
         std::to_string(Journal::kFormatVersion) + "): not checked, nothing changed";
}

std::string usage(const char* program) {
  std::string p = program;
  return "usage: " + p + " journal verify [--config FILE] [--set key=value ...] [--json]\n"
         "  Checks the agent's journal (journal.path in the config) without changing it;\n"
         "  safe while the agent runs. --json prints the report as a JSON document.\n"
         "exit codes: 0 OK (warnings allowed), 1 problems found, 2 bad usage or config,\n"
         "  3 the journal cannot be opened, 4 written by a newer agent\n";
}

}  // namespace

std::string JournalVerifyReport::to_text() const {
  if (newer_format) return newer_format_text(*this) + "\n";
  std::string backlog = unacked == 0 ? "no events unacknowledged"
                                     : plural(unacked, "event", "events") + " unacknowledged (seq " +
                                           std::to_string(acked_through + 1) + ".." + std::to_string(last_seq) + ")";
  backlog += ", " + with_commas(held) + " held";
  std::string out;
  if (ok()) {
    out = "journal OK: " + backlog + ", 0 problems" + (warnings ? ", " + plural(warnings, "warning", "warnings") : "") + "\n";
  } else {
    out = "journal has problems: " + plural(errors, "error", "errors") + ", " + plural(warnings, "warning", "warnings") +
          " (" + backlog + ")\n";
  }
  for (const JournalFinding& f : findings) {
    out += std::string("  ") + (f.severity == JournalFinding::Severity::kError ? "error   " : "warning ") + f.where +
           ": " + f.what + "\n";
  }
  if (errors + warnings > findings.size())
    out += "  ... and " + with_commas(errors + warnings - findings.size()) + " more (the first " +
           std::to_string(findings.size()) + " are listed)\n";
  out += "  journal: format " + format_text + ", epoch " + epoch + ", site " + (site.empty() ? "(none)" : site) +
         ", last_seq " + std::to_string(last_seq) + ", acked_through " + std::to_string(acked_through) + "\n";
  out += "  counts: " + plural(events, "event", "events") + " in the journal, " + with_commas(held) +
         " held at the site, " + plural(ids, "event id", "event ids") + " remembered (" + with_commas(freed) +
         " of events already sent)\n";
  if (oldest_accepted_ms > 0) out += "  oldest unacknowledged event accepted at " + format_iso8601(oldest_accepted_ms) + "\n";
  if (store.map_bytes > 0)
    out += "  store: map " + mib(store.map_bytes) + ", " + mib(store.used_bytes) + " of pages in use (" +
           mib(store.free_bytes) + " of them free for reuse)\n";
  return out;
}

Json JournalVerifyReport::to_json() const {
  Json j = Json::object();
  j.set("ok", Json::boolean(ok()));
  j.set("newer_format", Json::boolean(newer_format));
  j.set("format", Json::string(format_text));
  if (newer_format) {
    j.set("message", Json::string(newer_format_text(*this)));
    return j;
  }
  j.set("epoch", Json::string(epoch));
  j.set("site", Json::string(site));
  j.set("last_seq", num(last_seq));
  j.set("acked_through", num(acked_through));
  Json& c = j.set("counts", Json::object());
  c.set("unacknowledged", num(unacked));
  c.set("events", num(events));
  c.set("held", num(held));
  c.set("ids", num(ids));
  c.set("freed_ids", num(freed));
  j.set("oldest_accepted_at", oldest_accepted_ms > 0 ? Json::string(format_iso8601(oldest_accepted_ms)) : Json());
  Json& s = j.set("store", Json::object());
  s.set("map_bytes", num(store.map_bytes));
  s.set("used_bytes", num(store.used_bytes));
  s.set("free_bytes", num(store.free_bytes));
  j.set("errors", num(errors));
  j.set("warnings", num(warnings));
  Json& list = j.set("findings", Json::array());
  for (const JournalFinding& f : findings) {
    Json one = Json::object();
    one.set("severity", Json::string(f.severity == JournalFinding::Severity::kError ? "error" : "warning"));
    one.set("where", Json::string(f.where));
    one.set("what", Json::string(f.what));
    list.push(std::move(one));
  }
  j.set("findings_not_listed", num(errors + warnings - findings.size()));
  return j;
}

bool is_journal_command(int argc, char** argv) { return argc >= 2 && argv[1] && std::string_view(argv[1]) == "journal"; }

int run_journal_command(int argc, char** argv, std::ostream& out, std::ostream& err) {
  const char* program = "stockbridge-agent";
  if (argc >= 3 && (std::string_view(argv[2]) == "--help" || std::string_view(argv[2]) == "-h")) {
    out << usage(program);
    return kOk;
  }
  if (argc < 3 || std::string_view(argv[2]) != "verify") {
    err << program << " journal: expected 'verify'\n\n" << usage(program);
    return kUsage;
  }
  std::string config_path;
  std::vector<std::pair<std::string, std::string>> overrides;
  bool json = false;
  for (int i = 3; i < argc; ++i) {
    const std::string_view a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--json") {
      json = true;
    } else if (a == "--help" || a == "-h") {
      out << usage(program);
      return kOk;
    } else if ((a == "--config" || a == "-c") && has_value) {
      config_path = argv[++i];
    } else if (a == "--set" && has_value && std::string_view(argv[i + 1]).find('=') != std::string_view::npos) {
      std::string kv = argv[++i];
      overrides.emplace_back(kv.substr(0, kv.find('=')), kv.substr(kv.find('=') + 1));
    } else {
      err << program << " journal verify: unknown or incomplete argument '" << a << "'\n\n" << usage(program);
      return kUsage;
    }
  }
  // The agent's own table, except that site.id may be unset here: the check
  // then takes the site the events name (a run with only the defaults works).
  SettingTable table = agent_settings();
  for (Setting& setting : table) {
    if (setting.name != "site.id") continue;
    setting.check = [full = setting.check](const std::string& v) { return v.empty() ? std::string() : full(v); };
  }
  Result<Config> cfg = Config::load(config_path, table, overrides);
  if (!cfg.ok()) {
    err << program << " journal verify: " << cfg.status().message() << "\n";
    return kUsage;
  }
  log::set_level(log::Level::kWarn);  // the report is the output; the store's own info lines are noise here

  LmdbOptions o;
  o.path = cfg->str("journal.path");
  o.read_only = true;  // never writes, never resizes: safe beside the running agent
  Result<std::unique_ptr<KvStore>> store = open_lmdb_store(o);
  if (!store.ok()) {
    err << program << " journal verify: cannot open the journal at " << o.path << ": " << store.status().to_string() << "\n";
    return kCannotOpen;
  }
  JournalVerifyOptions vo;
  vo.site_id = cfg->str("site.id");
  vo.progress = [&err](const std::string& line) { err << line << std::endl; };
  Result<JournalVerifyReport> report = verify_journal(**store, vo);
  if (!report.ok()) {
    err << program << " journal verify: cannot read the journal at " << o.path << ": " << report.status().to_string() << "\n";
    return kCannotOpen;
  }
  report->store = (*store)->stats();
  if (json) {
    out << report->to_json().dump() << "\n";
  } else {
    out << report->to_text();
  }
  if (report->newer_format) return kNewerFormat;
  return report->ok() ? kOk : kProblems;
}

}  // namespace sb::agent

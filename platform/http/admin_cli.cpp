#include "platform/http/admin_cli.h"

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <ostream>
#include <sstream>
#include <string_view>

#include <openssl/crypto.h>

#include "platform/core/clock.h"
#include "platform/core/json.h"
#include "platform/core/program.h"
#include "platform/http/admin_auth.h"
#include "platform/store/exception_book.h"

namespace sb {
namespace {

constexpr int kDone = 0;
constexpr int kRefused = 1;
constexpr int kUsage = 2;
constexpr int kUnreachable = 3;

// Every option of `exceptions`, and the subcommands that take it ("*" = all).
struct Flag {
  std::string_view name;
  bool takes_value;
  std::string_view commands;
};
constexpr Flag kFlags[] = {
    {"--class", true, "list"},          {"--owner", true, "list"},        {"--state", true, "list"},
    {"--site", true, "list"},           {"--limit", true, "list"},        {"--json", false, "list show"},
    {"--note", true, "retry edit"},     {"--reason", true, "discard"},    {"--url", true, "*"},
    {"--user", true, "*"},              {"--password-file", true, "*"},   {"--ca-file", true, "*"},
};

bool flag_applies(const Flag& f, std::string_view command) {
  if (f.commands == "*") return true;
  std::string_view rest = f.commands;
  while (!rest.empty()) {
    const size_t sp = rest.find(' ');
    if (rest.substr(0, sp) == command) return true;
    rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
  }
  return false;
}

std::string usage(const std::string& p, uint16_t port) {
  return "usage:\n"
         "  " + p + " exceptions list [--class C] [--owner O] [--state S] [--site S] [--limit N] [--json]\n"
         "  " + p + " exceptions show ID [--json]\n"
         "  " + p + " exceptions retry ID [--note TEXT]\n"
         "  " + p + " exceptions edit ID FIELD=VALUE... [--note TEXT]\n"
         "  " + p + " exceptions discard ID --reason TEXT\n"
         "  " + p + " hash-password NAME      (password on stdin; prints the users-file line)\n"
         "  " + p + " status [--json]          (what /api/status says, one line per figure)\n"
         "options:\n"
         "  --url URL             the program's API (default: $STOCKBRIDGE_URL, else http://127.0.0.1:" +
         std::to_string(port) + ")\n"
         "  --user NAME           who acts (default: $STOCKBRIDGE_USER)\n"
         "  --password-file FILE  the password (default: $STOCKBRIDGE_PASSWORD)\n"
         "  --ca-file FILE        extra trust anchors for an https URL\n"
         "  --state S             open, retrying, resolved, discarded or unclosed\n"
         "exit codes: 0 done, 1 the program refused, 2 bad usage, 3 the program could not be reached\n";
}

struct Invocation {
  std::string command;                       // list, show, retry, edit, discard
  std::vector<std::string> args;             // ID, FIELD=VALUE...
  std::map<std::string, std::string> flags;  // "--note" -> text; "--json" -> ""
  bool has(std::string_view f) const { return flags.count(std::string(f)) != 0; }
  std::string get(std::string_view f) const {
    auto it = flags.find(std::string(f));
    return it == flags.end() ? "" : it->second;
  }
};

// "" when fine, else what is wrong with the command line.
std::string parse_invocation(int argc, char** argv, Invocation* inv) {
  if (argc < 3) return "exceptions needs a command: list, show, retry, edit or discard";
  inv->command = argv[2];
  static const std::vector<std::string> kCommands = {"list", "show", "retry", "edit", "discard"};
  if (std::find(kCommands.begin(), kCommands.end(), inv->command) == kCommands.end()) {
    return "unknown command '" + inv->command + "' (list, show, retry, edit or discard)";
  }
  bool options_done = false;
  for (int i = 3; i < argc; ++i) {
    std::string_view a = argv[i];
    if (options_done || a.size() < 2 || a.substr(0, 2) != "--") {
      inv->args.emplace_back(a);
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    const size_t eq = a.find('=');
    const std::string_view name = a.substr(0, eq);
    const Flag* flag = nullptr;
    for (const Flag& f : kFlags) {
      if (f.name == name) flag = &f;
    }
    if (!flag || !flag_applies(*flag, inv->command)) {
      return "exceptions " + inv->command + " takes no option " + std::string(name);
    }
    std::string value;
    if (!flag->takes_value) {
      if (eq != std::string_view::npos) return std::string(name) + " takes no value";
    } else if (eq != std::string_view::npos) {
      value = std::string(a.substr(eq + 1));
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return std::string(name) + " needs a value";
    }
    if (!inv->flags.emplace(std::string(name), std::move(value)).second) return std::string(name) + " is given twice";
  }

  const size_t want = inv->command == "list" ? 0 : 1;
  if (inv->command == "edit") {
    if (inv->args.size() < 2) return "edit needs an ID and at least one FIELD=VALUE";
    for (size_t i = 1; i < inv->args.size(); ++i) {
      const size_t eq = inv->args[i].find('=');
      if (eq == std::string::npos || eq == 0) return "'" + inv->args[i] + "' is not FIELD=VALUE";
    }
  } else if (inv->args.size() != want) {
    return want == 0 ? "list takes no ID (filter with --class, --owner, --state, --site)"
                     : inv->command + " needs exactly one exception ID";
  }
  if (inv->command == "discard" && inv->get("--reason").find_first_not_of(" \t\r\n") == std::string::npos) {
    return "discard needs --reason TEXT: why the work is dropped (it goes in the audit trail)";
  }
  const std::string state = inv->get("--state");
  if (!state.empty() && state != "unclosed" && !parse_exception_state(state)) {
    return "--state must be open, retrying, resolved, discarded or unclosed";
  }
  const std::string limit = inv->get("--limit");
  if (inv->has("--limit") &&
      (limit.empty() || limit.size() > 6 || limit.find_first_not_of("0123456789") != std::string::npos ||
       std::stoul(limit) == 0)) {
    return "--limit must be a positive number";
  }
  return "";
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// Width on a terminal, counting UTF-8 code points (not bytes).
size_t width(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// At most `max` code points, the cut marked with "...".
std::string fit(std::string_view s, size_t max) {
  if (width(s) <= max) return std::string(s);
  size_t points = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((s[i] & 0xC0) != 0x80 && points++ == max - 3) break;
  }
  return std::string(s.substr(0, i)) + "...";
}

std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return s;
}

std::string age(int64_t since_ms) {
  if (since_ms <= 0) return "-";
  const int64_t s = std::max<int64_t>(0, (SystemClock::instance().wall_ms() - since_ms) / 1000);
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m";
  if (s < 86400) return std::to_string(s / 3600) + "h" + std::to_string(s % 3600 / 60) + "m";
  return std::to_string(s / 86400) + "d" + std::to_string(s % 86400 / 3600) + "h";
}

std::string when(int64_t ms) { return ms > 0 ? format_iso8601(ms) : "-"; }

std::string subject(const ExceptionRecord& r) { return r.subject_kind + " " + r.subject_id; }

void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  // Cells are already cut to size; the last column is not padded.
  std::vector<size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], width(row[c]));
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - width(row[c]) + 2, ' ');
    }
    out << line << '\n';
  }
}

void print_list(std::ostream& out, const Json& body, size_t limit) {
  std::vector<std::vector<std::string>> rows{{"ID", "CLASS", "OWNER", "STATE", "AGE", "TRIES", "SUBJECT", "REASON"}};
  static const Json kNone = Json::array();
  const Json* items = body.find("exceptions");
  for (const Json& item : (items ? *items : kNone).items()) {
    Result<ExceptionRecord> r = ExceptionRecord::from_json(item);
    if (!r.ok()) continue;
    rows.push_back({r->id, fit(r->cls, 24), fit(r->owner, 12), std::string(to_string(r->state)),
                    age(r->first_seen_ms), std::to_string(r->attempts), fit(one_line(subject(*r)), 36),
                    fit(one_line(r->reason), 60)});
  }
  const size_t shown = rows.size() - 1;
  if (shown == 0) {
    out << "no exceptions match\n";
  } else {
    print_table(out, rows);
  }
  const Json* counts = body.find("counts");
  if (!counts) return;
  int64_t open = 0, retrying = 0, oldest = 0;
  if (const Json* n = counts->find("open")) n->as_int64(&open);
  if (const Json* n = counts->find("retrying")) n->as_int64(&retrying);
  if (const Json* n = counts->find("oldest_first_seen_ms")) n->as_int64(&oldest);
  out << "\n" << shown << " shown" << (shown == limit ? " (the limit: narrow with filters or --limit)" : "")
      << "; not closed: " << open << " (" << retrying << " retrying)";
  if (oldest > 0) out << ", oldest first seen " << when(oldest) << " (" << age(oldest) << " ago)";
  out << '\n';
}

void print_trail_entry(std::ostream& out, const ExceptionAction& a, size_t who_w, size_t action_w) {
  std::string line = "  " + when(a.at_ms) + "  " + a.who + std::string(who_w - width(a.who) + 2, ' ') + a.action;
  if (!a.change.empty() || !a.note.empty()) line += std::string(action_w - width(a.action), ' ');
  if (!a.change.empty()) line += "  change: " + one_line(a.change);
  if (!a.note.empty()) line += "  note: " + one_line(a.note);
  out << line << '\n';
}

void print_record(std::ostream& out, const Json& body, const ExceptionRecord& r) {
  auto field = [&](std::string_view label, const std::string& value) {
    out << label << ':' << std::string(label.size() < 14 ? 14 - label.size() : 1, ' ') << (value.empty() ? "-" : value)
        << '\n';
  };
  field("id", r.id);
  field("class", r.cls);
  field("owner", r.owner);
  field("state", std::string(to_string(r.state)));
  field("subject kind", r.subject_kind);
  field("subject id", r.subject_id);
  field("site", r.site);
  field("key", r.key);
  field("reason", r.reason);
  field("attempts", std::to_string(r.attempts));
  field("first seen", when(r.first_seen_ms) + " (" + age(r.first_seen_ms) + " ago)");
  field("updated", when(r.updated_ms));
  field("detail", r.detail);
  // What the program adds (describe): every member the record itself lacks.
  const Json plain = ExceptionRecord().to_json();
  for (const auto& [name, value] : body.members()) {
    if (plain.find(name)) continue;
    std::string text;
    if (value.is_string()) {
      text = value.as_string();
    } else if (value.is_array() && std::all_of(value.items().begin(), value.items().end(),
                                               [](const Json& v) { return v.is_string(); })) {
      for (const Json& v : value.items()) text += (text.empty() ? "" : ", ") + v.as_string();
      if (text.empty()) text = "-";
    } else {
      text = value.dump();
    }
    field(name, text);
  }
  out << "trail:\n";
  size_t who_w = 0, action_w = 0;
  for (const ExceptionAction& a : r.trail) {
    who_w = std::max(who_w, width(a.who));
    action_w = std::max(action_w, width(a.action));
  }
  for (const ExceptionAction& a : r.trail) print_trail_entry(out, a, who_w, action_w);
}

// The request an invocation makes; "" user when it needs no credentials.
ClientRequest build_request(const Invocation& inv, const std::string& base) {
  ClientRequest req;
  req.timeout = Millis(15'000);
  const std::string path = base + "/api/exceptions";
  if (inv.command == "list") {
    std::string query;
    for (const char* name : {"class", "owner", "state", "site", "limit"}) {
      const std::string flag = std::string("--") + name;
      if (inv.has(flag)) query += (query.empty() ? "?" : "&") + std::string(name) + "=" + url_encode(inv.get(flag));
    }
    req.url = path + query;
    return req;
  }
  req.url = path + "/" + url_encode(inv.args.front());
  if (inv.command == "show") return req;
  req.method = "POST";
  req.url += "/" + inv.command;
  Json body = Json::object();
  if (inv.command == "edit") {
    Json& patch = body.set("patch", Json::object());
    for (size_t i = 1; i < inv.args.size(); ++i) {
      const size_t eq = inv.args[i].find('=');
      patch.set(inv.args[i].substr(0, eq), Json::string(inv.args[i].substr(eq + 1)));
    }
  }
  if (inv.command == "discard") body.set("reason", Json::string(inv.get("--reason")));
  if (inv.has("--note")) body.set("note", Json::string(inv.get("--note")));
  req.body = body.dump();
  return req;
}

// The reason in an {"error": ...} answer, else what the body starts with.
std::string refusal_reason(const HttpResponse& r) {
  Result<Json> j = Json::parse(r.body);
  if (j.ok() && j->is_object() && j->find("error")) return j->get_string("error", j->find("error")->dump());
  std::string body = one_line(r.body);
  return body.empty() ? "(no reason given)" : fit(body, 200);
}

// A transport failure in words: "connection refused" rather than Poco's text.
std::string transport_reason(const Status& s) {
  std::string m = s.message();
  const size_t at = m.rfind("cannot connect: ");
  if (at != std::string::npos) m = m.substr(at + 16);
  if (m.rfind("Connection refused", 0) == 0) return "connection refused";
  if (!m.empty()) m[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(m[0])));
  return m;
}

int run_exceptions(int argc, char** argv, const std::string& program, const AdminCliInfo& info, std::ostream& out,
                   std::ostream& err, HttpClient* http) {
  Invocation inv;
  if (std::string problem = parse_invocation(argc, argv, &inv); !problem.empty()) {
    err << program << " exceptions: " << problem << "\n\n" << usage(program, info.default_port);
    return kUsage;
  }
  std::string base = inv.has("--url") ? inv.get("--url") : env("STOCKBRIDGE_URL");
  if (base.empty()) base = "http://127.0.0.1:" + std::to_string(info.default_port);
  while (!base.empty() && base.back() == '/') base.pop_back();

  ClientRequest req = build_request(inv, base);
  if (req.method == "POST") {
    const std::string user = inv.has("--user") ? inv.get("--user") : env("STOCKBRIDGE_USER");
    std::string password;
    if (inv.has("--password-file")) {
      Result<std::string> secret = read_secret_file(inv.get("--password-file"));
      if (!secret.ok()) {
        err << program << " exceptions: " << secret.status().message() << '\n';
        return kUsage;
      }
      password = std::move(secret).value();
    } else {
      password = env("STOCKBRIDGE_PASSWORD");
    }
    if (user.empty() || password.empty()) {
      err << program << " exceptions " << inv.command
          << ": who is acting? give --user NAME (or $STOCKBRIDGE_USER) and the password in "
             "$STOCKBRIDGE_PASSWORD or --password-file FILE\n";
      return kUsage;
    }
    req.headers.emplace_back("Authorization", basic_authorization(user, password));
    OPENSSL_cleanse(password.data(), password.size());
  }

  std::unique_ptr<HttpClient> owned;
  if (!http) {
    HttpClientOptions options;
    options.ca_file = inv.get("--ca-file");
    owned = make_poco_http_client(options);
    http = owned.get();
  }
  Result<HttpResponse> resp = http->send(req);
  if (!resp.ok()) {
    const Status& s = resp.status();
    if (s.code() == Code::kInvalidArgument) {
      err << program << " exceptions: " << s.message() << '\n';
      return kUsage;
    }
    if (s.ambiguous() && req.method == "POST") {
      err << program << " exceptions " << inv.command << ": no answer from " << base << " (" << transport_reason(s)
          << "); the " << inv.command << " may or may not have been done: check with '" << program
          << " exceptions show " << inv.args.front() << "'\n";
    } else {
      err << program << " exceptions: cannot reach " << base << ": " << transport_reason(s) << '\n';
    }
    return kUnreachable;
  }
  if (resp->status < 200 || resp->status >= 300) {
    err << program << " exceptions " << inv.command << ": refused (HTTP " << resp->status
        << "): " << refusal_reason(*resp);
    if (resp->status == 401) err << " (check --user and the password)";
    err << '\n';
    return kRefused;
  }
  if (inv.has("--json")) {
    out << resp->body << (resp->body.empty() || resp->body.back() != '\n' ? "\n" : "");
    return kDone;
  }
  Result<Json> body = Json::parse(resp->body);
  Result<ExceptionRecord> record =
      body.ok() ? ExceptionRecord::from_json(*body) : Result<ExceptionRecord>(body.status());
  if (inv.command == "list") {
    if (!body.ok() || !body->is_object()) {
      err << program << " exceptions list: the answer is not a list of exceptions ("
          << (body.ok() ? std::string("not an object") : body.status().message()) << ")\n";
      return kRefused;
    }
    print_list(out, *body, inv.has("--limit") ? std::stoul(inv.get("--limit")) : 200);
    return kDone;
  }
  if (!record.ok()) {
    err << program << " exceptions " << inv.command << ": the answer is not an exception record ("
        << record.status().message() << ")\n";
    return kRefused;
  }
  if (inv.command == "show") {
    print_record(out, *body, *record);
  } else {
    out << record->id << " is now " << to_string(record->state) << '\n';
    if (!record->trail.empty()) {
      const ExceptionAction& a = record->trail.back();
      print_trail_entry(out, a, width(a.who), width(a.action));
    }
  }
  return kDone;
}

// Echo off while a person types a password at a terminal.
class HiddenInput {
 public:
  HiddenInput() : active_(tcgetattr(STDIN_FILENO, &saved_) == 0) {
    if (!active_) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  ~HiddenInput() {
    if (active_) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }
  HiddenInput(const HiddenInput&) = delete;
  HiddenInput& operator=(const HiddenInput&) = delete;

 private:
  termios saved_{};
  bool active_;
};

bool read_password(std::istream& in, std::string* password) {
  if (!std::getline(in, *password)) return false;
  if (!password->empty() && password->back() == '\r') password->pop_back();
  return true;
}

int run_hash_password(int argc, char** argv, const std::string& program, const AdminCliInfo& info,
                      std::ostream& out, std::ostream& err, std::istream& in) {
  if (argc != 3 || std::string_view(argv[2]).rfind("--", 0) == 0) {
    err << program << " hash-password: give exactly one user NAME; the password is read from stdin\n\n"
        << usage(program, info.default_port);
    return kUsage;
  }
  const std::string name = argv[2];
  std::string password;
  const bool interactive = &in == &std::cin && isatty(STDIN_FILENO);
  if (interactive) {
    std::string again;
    {
      HiddenInput hidden;
      err << "password for " << name << ": " << std::flush;
      const bool got = read_password(in, &password);
      err << "\nagain: " << std::flush;
      if (!got || !read_password(in, &again)) password.clear();
      err << '\n';
    }
    if (password != again) {
      err << program << " hash-password: the two passwords differ\n";
      return kUsage;
    }
  } else if (!read_password(in, &password)) {
    password.clear();
  }
  if (password.empty()) {
    err << program << " hash-password: no password on stdin\n";
    return kUsage;
  }
  Result<std::string> line = make_password_line(name, password);
  OPENSSL_cleanse(password.data(), password.size());
  if (!line.ok()) {
    err << program << " hash-password: " << line.status().message() << '\n';
    return line.status().code() == Code::kInvalidArgument ? kUsage : kRefused;
  }
  out << *line << '\n';
  err << "add the line to the file named by admin.users_file\n";
  return kDone;
}

// "journal.backlog: 12" lines for every scalar of a JSON document; an array
// of objects shows how many it holds, an array of scalars its values.
void print_flat(std::ostream& out, const Json& j, const std::string& path) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.members()) print_flat(out, v, path.empty() ? k : path + "." + k);
    return;
  }
  out << path << ": ";
  if (j.is_array()) {
    bool scalars = true;
    for (const Json& item : j.items()) scalars = scalars && !item.is_object() && !item.is_array();
    if (!scalars) {
      out << "[" << j.items().size() << " entries]\n";
      return;
    }
    std::string joined;
    for (const Json& item : j.items()) joined += (joined.empty() ? "" : ", ") + (item.is_string() ? item.as_string() : item.dump());
    out << joined << '\n';
    return;
  }
  out << (j.is_null() ? "-" : j.is_string() ? one_line(j.as_string()) : j.dump()) << '\n';
}

int run_status(int argc, char** argv, const std::string& program, const AdminCliInfo& info, std::ostream& out,
               std::ostream& err, HttpClient* http) {
  std::string base = env("STOCKBRIDGE_URL"), ca_file;
  bool json = false;
  for (int i = 2; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--json") {
      json = true;
    } else if ((a == "--url" || a == "--ca-file") && i + 1 < argc) {
      (a == "--url" ? base : ca_file) = argv[++i];
    } else {
      err << program << " status: unknown argument '" << a << "'\n\n" << usage(program, info.default_port);
      return kUsage;
    }
  }
  if (base.empty()) base = "http://127.0.0.1:" + std::to_string(info.default_port);
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::unique_ptr<HttpClient> owned;
  if (!http) {
    HttpClientOptions options;
    options.ca_file = ca_file;
    owned = make_poco_http_client(options);
    http = owned.get();
  }
  ClientRequest req;
  req.method = "GET";
  req.url = base + "/api/status";
  Result<HttpResponse> resp = http->send(req);
  if (!resp.ok()) {
    err << program << " status: cannot reach " << base << ": " << transport_reason(resp.status()) << '\n';
    return kUnreachable;
  }
  if (resp->status != 200) {
    err << program << " status: refused (HTTP " << resp->status << "): " << refusal_reason(*resp) << '\n';
    return kRefused;
  }
  Result<Json> body = Json::parse(resp->body);
  if (json || !body.ok()) {
    out << resp->body << (resp->body.empty() || resp->body.back() != '\n' ? "\n" : "");
    return kDone;
  }
  print_flat(out, *body, "");
  return kDone;
}

}  // namespace

bool is_admin_command(int argc, char** argv) {
  if (argc < 2 || !argv[1]) return false;
  const std::string_view c = argv[1];
  return c == "exceptions" || c == "hash-password" || c == "status";
}

int run_admin_command(int argc, char** argv, const AdminCliInfo& info, std::ostream& out, std::ostream& err,
                      std::istream& in, HttpClient* http) {
  std::string program = info.program;
  if (program.empty() && argc > 0 && argv[0]) {
    program = argv[0];
    program = program.substr(program.rfind('/') + 1);
  }
  if (!is_admin_command(argc, argv)) {
    err << usage(program, info.default_port);
    return kUsage;
  }
  for (int i = 2; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      out << usage(program, info.default_port);
      return kDone;
    }
  }
  if (std::string_view(argv[1]) == "hash-password") return run_hash_password(argc, argv, program, info, out, err, in);
  if (std::string_view(argv[1]) == "status") return run_status(argc, argv, program, info, out, err, http);
  return run_exceptions(argc, argv, program, info, out, err, http);
}

}  // namespace sb

// The command line staff use beside the status page, for a running agent or
// relay: it speaks to the program's HTTP API, so it works from any shell that
// can reach the port, and every action is authenticated and audited there.
//
//   <program> exceptions list [--class C] [--owner O] [--state S] [--site S] [--json]
//   <program> exceptions show ID [--json]
//   <program> exceptions retry ID [--note TEXT]
//   <program> exceptions edit ID FIELD=VALUE... [--note TEXT]
//   <program> exceptions discard ID --reason TEXT
//   <program> hash-password NAME      (password on stdin; prints the users-file line)
//   <program> status [--json]          (GET /api/status, one "path: value" line per figure)
//
// Common options: --url URL (default: $STOCKBRIDGE_URL, else
// http://127.0.0.1:<default port>), --user NAME (default: $STOCKBRIDGE_USER),
// the password from $STOCKBRIDGE_PASSWORD or --password-file FILE, --ca-file FILE.
// Exit codes: 0 done; 1 the program refused (its reason is printed); 2 bad
// usage; 3 the program could not be reached.
//
// The HTTP API it speaks (served by exception_routes.h):
//   GET  /api/exceptions?class=&owner=&state=&site=&limit=
//        -> {"exceptions":[record...], "counts":{...}}
//   GET  /api/exceptions/{id}                   -> record (+ "subject", "editable", "waiting_behind")
//   POST /api/exceptions/{id}/retry    {"note":"..."}                 -> record
//   POST /api/exceptions/{id}/edit     {"patch":{"field":"value"}, "note":"..."} -> record
//   POST /api/exceptions/{id}/discard  {"reason":"..."}               -> record
// A record is ExceptionRecord::to_json(); errors are {"error":"reason"}.
// Thread-safety: call from main only.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "platform/http/http.h"

namespace sb {

struct AdminCliInfo {
  std::string program;        // "stockbridge-agent"
  uint16_t default_port = 0;  // the API's default port (intake.port / http.port)
};

// True when argv[1] names an admin command (exceptions, hash-password, status).
bool is_admin_command(int argc, char** argv);

// Runs the admin command in argv (argv[1] is the command). `http` is the
// client to use (tests pass their own; null = a Poco client with --ca-file).
// Output goes to `out`, errors to `err`; `in` gives the password for hash-password.
int run_admin_command(int argc, char** argv, const AdminCliInfo& info, std::ostream& out, std::ostream& err,
                      std::istream& in, HttpClient* http = nullptr);

}  // namespace sb

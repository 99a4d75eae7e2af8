// The HTTP routes for exceptions, shared by the agent and the relay (the API
// is documented in admin_cli.h). What an action does to the held work is the
// program's business (ExceptionActions); the routes authenticate the person,
// check the request, call the action and answer with the record as it stands.
//
// Rules every action follows:
//   - POST only (a GET never changes state); Basic credentials from the users
//     file, else 401; a request carrying an Origin header that is not this
//     host's own is refused (403), so a web page elsewhere cannot act;
//   - a closed exception (resolved, discarded) takes no action: 409;
//   - discard needs a non-empty "reason"; edit needs a "patch" of string
//     values whose fields the class allows (ExceptionActions::editable), else 400
//     naming the field;
//   - every action is logged with who did it; the trail is written by the action.
// Status codes from the action's Status: InvalidArgument 400, NotFound 404,
// FailedPrecondition/AlreadyExists 409, anything else 503.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "platform/core/clock.h"
#include "platform/core/json.h"
#include "platform/http/admin_auth.h"
#include "platform/http/http.h"
#include "platform/store/exception_book.h"

namespace sb {

// What the program does when a person acts on an exception. Each call returns
// once the action and its trail entry are durable (ExceptionBook::act or act_in).
class ExceptionActions {
 public:
  virtual ~ExceptionActions() = default;
  // Fields an exception of this record's class may have patched, e.g. {"carrier", "tracking_number"}.
  virtual std::vector<std::string> editable(const ExceptionRecord& r) const = 0;
  // Extra facts for GET /api/exceptions/{id}: an object whose members are added
  // to the record (e.g. "subject": the held event, "waiting_behind": 3).
  virtual Json describe(const ExceptionRecord& r) = 0;
  virtual Status retry(const ExceptionRecord& r, const std::string& who, const std::string& note) = 0;
  virtual Status edit(const ExceptionRecord& r, const std::map<std::string, std::string>& patch, const std::string& who,
                      const std::string& note) = 0;
  virtual Status discard(const ExceptionRecord& r, const std::string& who, const std::string& reason) = 0;
};

// A browser names the page that sent a request in Origin. Only a page served
// by this host may act; requests without Origin (curl, the CLI) are not from a
// page at all. False for another host's page (answer 403).
bool same_origin(const HttpRequest& req);

// Adds GET /api/exceptions, GET /api/exceptions/{id} and the three POSTs.
// `users` may be empty: then every action answers 401 ("no admin users are
// configured: set admin.users_file"), while reading stays open like /api/status.
void add_exception_routes(Router& router, ExceptionBook& book, std::shared_ptr<const AdminUsers> users,
                          ExceptionActions& actions);

}  // namespace sb

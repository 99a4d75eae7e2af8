#include "platform/http/exception_routes.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <optional>
#include <string_view>

#include "platform/core/log.h"

namespace sb {
namespace {

constexpr char kLog[] = "exceptions";
constexpr size_t kDefaultLimit = 200;
constexpr size_t kMaxLimit = 1000;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "host:port" with the scheme's default port dropped, lower case.
std::string normal_authority(std::string_view authority, std::string_view scheme) {
  std::string a = lower(authority);
  const std::string default_port = scheme == "https" ? ":443" : ":80";
  if (a.size() > default_port.size() && a.compare(a.size() - default_port.size(), default_port.size(),
                                                  default_port) == 0) {
    a.resize(a.size() - default_port.size());
  }
  return a;
}

}  // namespace

bool same_origin(const HttpRequest& req) {
  const std::string origin = req.header("Origin");
  if (origin.empty()) return true;
  const size_t sep = origin.find("://");
  if (sep == std::string::npos) return false;  // "null" and other opaque origins
  const std::string scheme = lower(std::string_view(origin).substr(0, sep));
  std::string_view authority = std::string_view(origin).substr(sep + 3);
  authority = authority.substr(0, authority.find('/'));
  const std::string host = req.header("Host");
  return !authority.empty() && !host.empty() && normal_authority(authority, scheme) == normal_authority(host, scheme);
}

namespace {

int http_status(const Status& s) {
  switch (s.code()) {
    case Code::kInvalidArgument: return 400;
    case Code::kNotFound: return 404;
    case Code::kFailedPrecondition:
    case Code::kAlreadyExists: return 409;
    default: return 503;
  }
}

HttpResponse refused(const Status& s) { return HttpResponse::error(http_status(s), s.message()); }

Result<ExceptionFilter> list_filter(const HttpRequest& req) {
  ExceptionFilter f;
  f.cls = req.query_param("class");
  f.owner = req.query_param("owner");
  f.site = req.query_param("site");
  const std::string state = req.query_param("state");
  if (state == "unclosed") {
    f.only_unclosed = true;
  } else if (!state.empty()) {
    f.state = parse_exception_state(state);
    if (!f.state) {
      return Status::InvalidArgument("state '" + state + "' is not one of open, retrying, resolved, discarded, unclosed");
    }
  }
  f.limit = kDefaultLimit;
  const std::string limit = req.query_param("limit");
  if (!limit.empty()) {
    size_t n = 0;
    bool digits = limit.size() <= 9;
    for (char c : limit) {
      if (c < '0' || c > '9') digits = false;
      else n = n * 10 + static_cast<size_t>(c - '0');
    }
    if (!digits || n == 0) return Status::InvalidArgument("limit '" + limit + "' is not a positive number");
    f.limit = std::min(n, kMaxLimit);
  }
  return f;
}

HttpResponse list_response(ExceptionBook& book, const HttpRequest& req) {
  Result<ExceptionFilter> filter = list_filter(req);
  if (!filter.ok()) return HttpResponse::error(400, filter.status().message());
  Result<std::vector<ExceptionRecord>> records = book.list(*filter);
  if (!records.ok()) return HttpResponse::error(503, "cannot read the exceptions: " + records.status().message());
  Json j = Json::object();
  Json& items = j.set("exceptions", Json::array());
  for (const ExceptionRecord& r : *records) items.push(r.to_json());
  j.set("counts", book.counts().to_json());
  return HttpResponse::json(200, j.dump());
}

HttpResponse read_error(const Status& s, const std::string& id) {
  if (s.code() == Code::kNotFound) return HttpResponse::error(404, "no exception " + id);
  return HttpResponse::error(503, "cannot read exception " + id + ": " + s.message());
}

HttpResponse show_response(ExceptionBook& book, ExceptionActions& actions, const HttpRequest& req) {
  const std::string& id = req.params.at("id");
  Result<ExceptionRecord> r = book.get(id);
  if (!r.ok()) return read_error(r.status(), id);
  Json j = r->to_json();
  Json extra = actions.describe(*r);
  for (const auto& [name, value] : extra.members()) j.set(name, value);
  Json& editable = j.set("editable", Json::array());
  for (const std::string& field : actions.editable(*r)) editable.push(Json::string(field));
  return HttpResponse::json(200, j.dump());
}

// What a POST asks for, checked before anything is called.
struct ActionRequest {
  std::string note;
  std::string reason;
  std::map<std::string, std::string> patch;
};

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "none" : out;
}

// The body's members, each a string, from the ones `allowed` for the action.
Status parse_body(const std::string& body, std::string_view action, const std::vector<std::string>& allowed,
                  Json* out) {
  std::string_view text = body;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  if (text.empty()) {
    *out = Json::object();
    return Status::Ok();
  }
  Result<Json> j = Json::parse(body);
  if (!j.ok()) return Status::InvalidArgument("request body: " + j.status().message());
  if (!j->is_object()) return Status::InvalidArgument("request body: expected a JSON object");
  for (const auto& [name, value] : j->members()) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      return Status::InvalidArgument("request body: " + std::string(action) + " takes no '" + name + "' (only " +
                                     joined(allowed) + ")");
    }
    if (name != "patch" && !value.is_string()) {
      return Status::InvalidArgument("request body: '" + name + "' must be a string");
    }
  }
  *out = std::move(j).value();
  return Status::Ok();
}

// The patch of an edit: a non-empty object of strings, each a field the class allows.
Status parse_patch(const Json* patch, const ExceptionRecord& r, const std::vector<std::string>& editable,
                   std::map<std::string, std::string>* out) {
  if (!patch || !patch->is_object() || patch->members().empty()) {
    return Status::InvalidArgument("edit needs a \"patch\": an object of field names and new values");
  }
  for (const auto& [field, value] : patch->members()) {
    if (std::find(editable.begin(), editable.end(), field) == editable.end()) {
      return Status::InvalidArgument("field '" + field + "' cannot be edited on a " + r.cls +
                                     " exception (editable: " + joined(editable) + ")");
    }
    if (!value.is_string()) return Status::InvalidArgument("patch: the value of '" + field + "' must be a string");
    (*out)[field] = value.as_string();
  }
  return Status::Ok();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

class ExceptionApi {
 public:
  ExceptionApi(ExceptionBook& book, std::shared_ptr<const AdminUsers> users, ExceptionActions& actions)
      : book_(book), users_(std::move(users)), actions_(actions) {}

  HttpResponse list(const HttpRequest& req) {
    if (!same_origin(req)) return cross_origin(req, "list");
    return list_response(book_, req);
  }

  HttpResponse show(const HttpRequest& req) {
    if (!same_origin(req)) return cross_origin(req, "show");
    return show_response(book_, actions_, req);
  }

  // Origin, credentials, body, state, then the action; the record as it then stands.
  HttpResponse act(const HttpRequest& req, const std::string& action) {
    const std::string& id = req.params.at("id");
    if (!same_origin(req)) return cross_origin(req, action);
    std::string why = "no admin users are configured: set admin.users_file";
    std::optional<std::string> who;
    if (users_ && !users_->empty()) who = users_->authenticate(req, &why);
    if (!who) {
      log::warn(kLog, "refused an unauthenticated action",
                {{"action", action}, {"id", id}, {"why", why}, {"remote", req.remote_address}});
      return unauthorized(why);
    }
    const std::vector<std::string> allowed = action == "retry"  ? std::vector<std::string>{"note"}
                                             : action == "edit" ? std::vector<std::string>{"patch", "note"}
                                                                : std::vector<std::string>{"reason"};
    Json body;
    if (Status s = parse_body(req.body, action, allowed, &body); !s.ok()) return refuse(*who, id, action, s);
    Result<ExceptionRecord> r = book_.get(id);
    if (!r.ok()) return read_error(r.status(), id);
    if (is_closed(r->state)) {
      return refuse(*who, id, action,
                    Status::FailedPrecondition(id + " is " + std::string(to_string(r->state)) +
                                               " already; a closed exception takes no action"));
    }
    const std::string note = body.get_string("note");
    Status done;
    if (action == "retry") {
      done = actions_.retry(*r, *who, note);
    } else if (action == "edit") {
      std::map<std::string, std::string> patch;
      done = parse_patch(body.find("patch"), *r, actions_.editable(*r), &patch);
      if (done.ok()) done = actions_.edit(*r, patch, *who, note);
    } else {
      const std::string reason(trim(body.get_string("reason")));
      done = reason.empty() ? Status::InvalidArgument("discard needs a non-empty \"reason\"")
                            : actions_.discard(*r, *who, reason);
    }
    if (!done.ok()) return refuse(*who, id, action, done);
    log::info(kLog, "exception action done",
              {{"who", *who}, {"id", id}, {"action", action},
               {"note", action == "discard" ? body.get_string("reason") : note}});
    Result<ExceptionRecord> now = book_.get(id);
    if (!now.ok()) return read_error(now.status(), id);
    return HttpResponse::json(200, now->to_json().dump());
  }

 private:
  HttpResponse cross_origin(const HttpRequest& req, std::string_view action) {
    log::warn(kLog, "refused a request from another origin",
              {{"action", action}, {"origin", req.header("Origin")}, {"host", req.header("Host")},
               {"remote", req.remote_address}});
    return HttpResponse::error(403, "requests from another origin (" + req.header("Origin") + ") are refused");
  }

  HttpResponse refuse(const std::string& who, const std::string& id, const std::string& action, const Status& s) {
    log::warn(kLog, "exception action refused",
              {{"who", who}, {"id", id}, {"action", action}, {"error", s.to_string()}});
    return refused(s);
  }

  ExceptionBook& book_;
  const std::shared_ptr<const AdminUsers> users_;
  ExceptionActions& actions_;
};

}  // namespace

void add_exception_routes(Router& router, ExceptionBook& book, std::shared_ptr<const AdminUsers> users,
                          ExceptionActions& actions) {
  // Shared by the handlers, which the Router keeps (and copies) for its lifetime.
  auto api = std::make_shared<ExceptionApi>(book, std::move(users), actions);
  router.add("GET", "/api/exceptions", [api](const HttpRequest& r) { return api->list(r); });
  router.add("GET", "/api/exceptions/{id}", [api](const HttpRequest& r) { return api->show(r); });
  for (const char* action : {"retry", "edit", "discard"}) {
    router.add("POST", std::string("/api/exceptions/{id}/") + action,
               [api, a = std::string(action)](const HttpRequest& r) { return api->act(r, a); });
  }
}

}  // namespace sb

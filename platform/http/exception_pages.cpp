#include "platform/http/exception_pages.h"

#include <algorithm>
#include <cctype>
#include <memory>

#include "platform/core/log.h"

namespace sb {
namespace {

using html::escape;

constexpr char kLog[] = "exceptions";

std::string state_pill(ExceptionState s) {
  switch (s) {
    case ExceptionState::kOpen: return html::pill("bad", "open");
    case ExceptionState::kRetrying: return html::pill("warn", "retrying");
    case ExceptionState::kResolved: return html::pill("ok", "resolved");
    case ExceptionState::kDiscarded: return html::pill("idle", "discarded");
  }
  return "";
}

std::string option(const std::string& value, const std::string& label, const std::string& selected) {
  return "<option value=\"" + escape(value) + "\"" + (value == selected ? " selected" : "") + ">" + escape(label) +
         "</option>";
}

const ExceptionClassText* find_class(const ExceptionVocabulary& v, const std::string& name) {
  for (const ExceptionClassText& c : v)
    if (c.name == name) return &c;
  return nullptr;
}

// A value of the held work's description as text: strings as they are, the rest as JSON.
std::string value_text(const Json& v) { return v.is_string() ? v.as_string() : v.dump(); }

struct Pages {
  ExceptionPagesContext ctx;

  html::PageOptions options(const HttpRequest& req, const std::string& title, int refresh) {
    return ctx.sessions->page_options(req, title, refresh);
  }

  HttpResponse list(const HttpRequest& req) {
    ExceptionFilter f = exception_filter_from(req);
    Result<std::vector<ExceptionRecord>> records = ctx.book->list(f);
    std::string b = "<h1>Exceptions</h1>";
    b += exception_filter_form("/exceptions", f, ctx.vocabulary, ctx.with_site);
    if (!records.ok()) {
      b += "<div class=\"notice bad\">The exceptions cannot be read: " + escape(records.status().message()) + "</div>";
      return html::respond(503, html::page(ctx.chrome, options(req, "Exceptions", 0), b));
    }
    b += "<p class=\"muted\" id=\"exception-count\">" + std::to_string(records->size()) + " shown" +
         (records->size() >= f.limit ? " (the newest " + std::to_string(f.limit) + ")" : "") + ".</p>";
    b += exception_table(*records, ctx.clock->wall_ms(), ctx.with_site);
    return html::respond(200, html::page(ctx.chrome, options(req, "Exceptions", 30), b));
  }

  std::string facts(const ExceptionRecord& r, int64_t now) {
    std::string b = "<div class=\"scroll\"><table id=\"exception-facts\">";
    auto row = [&](const std::string& k, const std::string& v_html) {
      b += "<tr><th>" + escape(k) + "</th><td>" + v_html + "</td></tr>";
    };
    row("State", state_pill(r.state));
    const ExceptionClassText* c = find_class(ctx.vocabulary, r.cls);
    row("Class", "<strong>" + escape(r.cls) + "</strong>" + (c ? "<br>" + escape(c->meaning) : ""));
    row("Owner", escape(r.owner));
    if (!r.site.empty()) row("Site", escape(r.site));
    if (!r.key.empty()) row("Business key", escape(r.key));
    row("Held work", escape(r.subject_kind + " " + r.subject_id));
    row("Reason", "<span id=\"exception-reason\">" + escape(r.reason) + "</span>");
    if (c) row("What to do", escape(c->fix));
    row("First seen", escape(html::time_text(r.first_seen_ms, now)) + " (" +
                          escape(html::duration_text((now - r.first_seen_ms) / 1000)) + " ago)");
    row("Last change", escape(html::time_text(r.updated_ms, now)));
    row("Attempts", std::to_string(r.attempts));
    b += "</table></div>";
    return b;
  }

  // What the program adds about the held work: objects as tables (the held
  // event), single facts as one table ("subject state: held at the site").
  std::string subject(const Json& described) {
    std::string b, facts;
    auto words = [](std::string name) {
      std::replace(name.begin(), name.end(), '_', ' ');
      if (!name.empty()) name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
      return name;
    };
    for (const auto& [name, value] : described.members()) {
      if (value.is_object()) {
        b += "<h2>" + escape(name == "subject" ? "The held work" : words(name)) + "</h2><div class=\"scroll\"><table class=\"subject\">";
        for (const auto& [k, v] : value.members())
          b += "<tr><th>" + escape(k) + "</th><td>" + escape(value_text(v)) + "</td></tr>";
        b += "</table></div>";
      } else {
        facts += "<tr><th>" + escape(words(name)) + "</th><td>" + escape(value_text(value)) + "</td></tr>";
      }
    }
    if (!facts.empty()) b = "<h2>Where it stands</h2><div class=\"scroll\"><table id=\"subject-facts\">" + facts + "</table></div>" + b;
    return b;
  }

  std::string trail(const ExceptionRecord& r, int64_t now) {
    std::string b = "<h2>Trail</h2><div class=\"scroll\"><table id=\"trail\"><tr><th>When</th><th>Who</th>"
                    "<th>What</th><th>Note</th><th>Change</th></tr>";
    for (const ExceptionAction& a : r.trail) {
      b += "<tr><td>" + escape(html::time_text(a.at_ms, now)) + "</td><td>" + escape(a.who) + "</td><td>" +
           escape(a.action) + "</td><td>" + escape(a.note) + "</td><td>" + escape(a.change) + "</td></tr>";
    }
    return b + "</table></div>";
  }

  std::string forms(const ExceptionRecord& r, const html::PageOptions& po, const std::vector<std::string>& editable) {
    const std::string base = "/exceptions/" + escape(r.id);
    if (is_closed(r.state)) return "<p class=\"muted\">This exception is closed: it takes no more actions.</p>";
    if (po.user.empty()) {
      return "<h2>Act on it</h2><p id=\"sign-in-to-act\"><a href=\"/login?next=" + escape(url_encode("/exceptions/" + r.id)) +
             "\">Sign in</a> to retry, edit or discard.</p>";
    }
    const std::string csrf = "<input type=\"hidden\" name=\"csrf\" value=\"" + escape(po.csrf) + "\">";
    std::string b = "<h2>Act on it</h2><div class=\"actions\">";
    b += "<form method=\"post\" action=\"" + base + "/retry\" class=\"card\" id=\"retry-form\"><h3>Retry</h3>" + csrf +
         "<p class=\"muted\">Try again now, with master data read afresh.</p><label for=\"retry-note\">Note</label>"
         "<textarea id=\"retry-note\" name=\"note\"></textarea><p><button type=\"submit\">Retry</button></p></form>";
    if (!editable.empty()) {
      b += "<form method=\"post\" action=\"" + base + "/edit\" class=\"card\" id=\"edit-form\"><h3>Edit and resubmit</h3>" +
           csrf;
      for (const std::string& field : editable) {
        b += "<p><label for=\"field-" + escape(field) + "\">" + escape(field) + "</label><input id=\"field-" +
             escape(field) + "\" name=\"field." + escape(field) + "\"></p>";
      }
      b += "<label for=\"edit-note\">Note</label><textarea id=\"edit-note\" name=\"note\"></textarea>"
           "<p><button type=\"submit\">Resubmit</button></p></form>";
    }
    b += "<form method=\"post\" action=\"" + base + "/discard\" class=\"card\" id=\"discard-form\"><h3>Discard</h3>" + csrf +
         "<p class=\"muted\">It will not be posted. A reason is required and kept in the trail.</p>"
         "<label for=\"discard-reason\">Reason</label><textarea id=\"discard-reason\" name=\"reason\" required></textarea>"
         "<p><button class=\"danger\" type=\"submit\">Discard</button></p></form>";
    return b + "</div>";
  }

  HttpResponse show(const HttpRequest& req, int status = 200, const std::string& notice = "", bool notice_ok = true) {
    const std::string& id = req.params.at("id");
    html::PageOptions po = options(req, id, 0);
    po.here = "/exceptions/" + id;
    Result<ExceptionRecord> r = ctx.book->get(id);
    if (!r.ok()) {
      const bool missing = r.status().code() == Code::kNotFound;
      return html::respond(missing ? 404 : 503,
                           html::page(ctx.chrome, po,
                                      "<h1>" + escape(id) + "</h1><div class=\"notice bad\">" +
                                          escape(missing ? "There is no exception " + id + "."
                                                         : "It cannot be read: " + r.status().message()) +
                                          "</div>"));
    }
    const int64_t now = ctx.clock->wall_ms();
    std::string b = "<h1>" + escape(r->id) + " · " + escape(r->cls) + "</h1>";
    std::string said = notice;
    bool ok = notice_ok;
    const std::string done = req.method == "GET" ? req.query_param("done") : "";
    if (said.empty() && !done.empty()) {
      said = done == "retry" ? "Retried." : done == "edit" ? "Edited and resubmitted." : done == "discard" ? "Discarded." : "";
      ok = true;
    }
    if (!said.empty()) b += "<div class=\"notice " + std::string(ok ? "ok" : "bad") + "\" id=\"notice\">" + escape(said) + "</div>";
    b += facts(*r, now);
    b += subject(ctx.actions->describe(*r));
    b += forms(*r, po, ctx.actions->editable(*r));
    b += trail(*r, now);
    return html::respond(status, html::page(ctx.chrome, po, b));
  }

  HttpResponse act(const HttpRequest& req, const std::string& action) {
    std::map<std::string, std::string> form = html::parse_form(req.body);
    WebSessions::FormCheck check = ctx.sessions->check_form(req, form);
    if (!check.user) return show(req, check.status, check.why, false);
    const std::string& id = req.params.at("id");
    Result<ExceptionRecord> r = ctx.book->get(id);
    if (!r.ok()) return show(req);
    if (is_closed(r->state)) return show(req, 409, "It is " + std::string(to_string(r->state)) + " already: nothing was done.", false);
    Status s;
    const std::string note = form["note"];
    if (action == "retry") {
      s = ctx.actions->retry(*r, *check.user, note);
    } else if (action == "edit") {
      std::map<std::string, std::string> patch;
      for (const std::string& field : ctx.actions->editable(*r)) {
        auto it = form.find("field." + field);
        if (it != form.end() && !it->second.empty()) patch[field] = it->second;
      }
      s = patch.empty() ? Status::InvalidArgument("fill in at least one field to change") :
                          ctx.actions->edit(*r, patch, *check.user, note);
    } else {
      const std::string reason = form["reason"];
      s = reason.find_first_not_of(" \t\r\n") == std::string::npos
              ? Status::InvalidArgument("a discard needs a reason")
              : ctx.actions->discard(*r, *check.user, reason);
    }
    if (!s.ok()) {
      const int status = s.code() == Code::kInvalidArgument ? 400
                         : s.code() == Code::kNotFound      ? 404
                         : (s.code() == Code::kFailedPrecondition || s.code() == Code::kAlreadyExists) ? 409
                                                                                                      : 503;
      log::warn(kLog, "an action from the page was refused",
                {{"id", id}, {"action", action}, {"who", *check.user}, {"why", s.message()}});
      return show(req, status, "Not done: " + s.message(), false);
    }
    log::info(kLog, "action from the page", {{"id", id}, {"action", action}, {"who", *check.user}});
    return html::see_other("/exceptions/" + url_encode(id) + "?done=" + action);
  }
};

}  // namespace

ExceptionFilter exception_filter_from(const HttpRequest& req) {
  ExceptionFilter f;
  f.cls = req.query_param("class");
  f.owner = req.query_param("owner");
  f.site = req.query_param("site");
  const std::string state = req.query_param("state");
  if (state.empty() || state == "unclosed") {
    f.only_unclosed = true;
  } else if (state != "all") {
    f.state = parse_exception_state(state);
    if (!f.state) f.only_unclosed = true;
  }
  f.limit = 200;
  return f;
}

std::string exception_filter_form(const std::string& action, const ExceptionFilter& f,
                                  const ExceptionVocabulary& vocabulary, bool with_site) {
  std::string b = "<form method=\"get\" action=\"" + escape(action) + "\" class=\"filters\" id=\"exception-filters\">";
  b += "<div><label for=\"f-class\">Class</label><select id=\"f-class\" name=\"class\">" + option("", "any", f.cls);
  for (const ExceptionClassText& c : vocabulary) b += option(c.name, c.name, f.cls);
  b += "</select></div><div><label for=\"f-owner\">Owner</label><select id=\"f-owner\" name=\"owner\">" +
       option("", "any", f.owner);
  std::vector<std::string> owners;
  for (const ExceptionClassText& c : vocabulary)
    if (std::find(owners.begin(), owners.end(), c.owner) == owners.end()) owners.push_back(c.owner);
  for (const std::string& o : owners) b += option(o, o, f.owner);
  const std::string state = f.only_unclosed ? "unclosed" : f.state ? std::string(to_string(*f.state)) : "all";
  b += "</select></div><div><label for=\"f-state\">State</label><select id=\"f-state\" name=\"state\">";
  for (const char* s : {"unclosed", "open", "retrying", "resolved", "discarded", "all"}) b += option(s, s, state);
  b += "</select></div>";
  if (with_site) {
    b += "<div><label for=\"f-site\">Site</label><input id=\"f-site\" name=\"site\" value=\"" + escape(f.site) +
         "\" size=\"10\"></div>";
  }
  return b + "<div><button type=\"submit\">Show</button></div></form>";
}

std::string exception_table(const std::vector<ExceptionRecord>& records, int64_t now_ms, bool with_site) {
  if (records.empty()) return "<p class=\"muted\" id=\"no-exceptions\">No exceptions here.</p>";
  std::string b = "<div class=\"scroll\"><table id=\"exceptions\"><tr><th>Id</th><th>Class</th><th>Owner</th>";
  if (with_site) b += "<th>Site</th>";
  b += "<th>Key</th><th>Reason</th><th>Age</th><th>State</th><th class=\"num\">Tries</th></tr>";
  for (const ExceptionRecord& r : records) {
    b += "<tr class=\"exception\" data-class=\"" + escape(r.cls) + "\"><td><a href=\"/exceptions/" + escape(url_encode(r.id)) +
         "\">" + escape(r.id) + "</a></td><td>" + escape(r.cls) + "</td><td>" + escape(r.owner) + "</td>";
    if (with_site) b += "<td>" + escape(r.site) + "</td>";
    b += "<td>" + escape(r.key) + "</td><td>" + escape(r.reason) + "</td><td>" +
         escape(html::duration_text((now_ms - r.first_seen_ms) / 1000)) + "</td><td>" + state_pill(r.state) +
         "</td><td class=\"num\">" + std::to_string(r.attempts) + "</td></tr>";
  }
  return b + "</table></div>";
}

void add_exception_pages(Router& router, const ExceptionPagesContext& context) {
  auto pages = std::make_shared<Pages>(Pages{context});
  router.add("GET", "/exceptions", [pages](const HttpRequest& req) { return pages->list(req); });
  router.add("GET", "/exceptions/{id}", [pages](const HttpRequest& req) { return pages->show(req); });
  for (const char* action : {"retry", "edit", "discard"}) {
    const std::string a = action;
    router.add("POST", "/exceptions/{id}/" + a, [pages, a](const HttpRequest& req) { return pages->act(req, a); });
  }
}

}  // namespace sb

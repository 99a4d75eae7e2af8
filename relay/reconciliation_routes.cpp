#include "relay/reconciliation_routes.h"

#include <cctype>
#include <cstdlib>

namespace sb::relay {
namespace {

constexpr size_t kDefaultLimit = 100;
constexpr size_t kMaxLimit = 1000;

int http_status(const Status& s) { return s.code() == Code::kNotFound ? 404 : 503; }

// A file name safe in a Content-Disposition header.
std::string file_name(const ReconciliationReport& r) {
  std::string name = "reconciliation-" + r.site + "-" + r.warehouse + "-" + format_iso8601(r.taken_at_ms).substr(0, 19) + ".csv";
  for (char& c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_')) c = '-';
  return name;
}

}  // namespace

void add_report_routes(Router& router, Reconciler& reconciler) {
  ReconciliationStore* store = &reconciler.reports();
  router.add("GET", "/api/reports", [store](const HttpRequest& req) {
    size_t limit = kDefaultLimit;
    if (const std::string l = req.query_param("limit"); !l.empty()) {
      const long n = std::atol(l.c_str());
      if (n < 1 || static_cast<size_t>(n) > kMaxLimit) return HttpResponse::error(400, "limit must be 1..1000");
      limit = static_cast<size_t>(n);
    }
    Result<std::vector<ReconciliationReport>> reports = store->list(req.query_param("site"), limit);
    if (!reports.ok()) return HttpResponse::error(http_status(reports.status()), reports.status().message());
    Json list = Json::array();
    for (const ReconciliationReport& r : *reports) list.push(r.to_json(false));
    Json out = Json::object();
    out.set("reports", std::move(list));
    return HttpResponse::json(200, out.dump());
  });
  // One pattern for both forms: the router captures whole segments.
  router.add("GET", "/api/reports/{id}", [store](const HttpRequest& req) {
    std::string id = req.params.at("id");
    const bool csv = id.size() > 4 && id.compare(id.size() - 4, 4, ".csv") == 0;
    if (csv) id.resize(id.size() - 4);
    Result<ReconciliationReport> r = store->get(id);
    if (!r.ok()) return HttpResponse::error(http_status(r.status()), r.status().message());
    if (!csv) return HttpResponse::json(200, r->to_json(true).dump());
    HttpResponse out = HttpResponse::text(200, report_csv(*r), "text/csv; charset=utf-8");
    out.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + file_name(*r) + "\"");
    return out;
  });
}

}  // namespace sb::relay

// A few lines of Clarus for the sweeper's tests: /oauth/token and the GraphQL
// `all(filter:, first:, after:)` paging the sweeps use, over records held in
// memory, through a FakeHttpClient. Understands only the filters the adapter
// sends ({id: {gt: N}}, {id: {in: [..]}}, {goods_out_id: {eq: N}},
// {warehouse_id: {eq: N}}). Ids are ordered as integers (a string id by its
// leading digits).
// Not the simulator (tests/sim/clarus): just enough to drive the cursor rules.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "platform/core/json.h"
#include "platform/http/http.h"

namespace sb::test {

class FakeClarus {
 public:
  FakeClarus()
      : http_([this](const ClientRequest& r) { return answer(r); }) {}

  HttpClient& http() { return http_; }

  // Adds or replaces (by id) a record of `resource`.
  void put(const std::string& resource, const std::string& record_json) {
    Json j = Json::parse(record_json).value();
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Json>& rs = records_[resource];
    const int64_t id = int_of(j.find("id"));
    for (Json& r : rs) {
      if (int_of(r.find("id")) == id) {
        r = j;
        return;
      }
    }
    rs.push_back(j);
  }
  void set_down(bool down) { down_ = down; }
  // A resource this tenant does not have: GraphQL answers with an error.
  void remove_resource(const std::string& resource) {
    std::lock_guard<std::mutex> lock(mu_);
    missing_.push_back(resource);
  }
  // GraphQL calls answered before Clarus goes down (-1: never).
  void down_after(int calls) { down_after_ = calls; }
  int graphql_calls() const { return graphql_calls_; }
  // GraphQL calls whose query contains `text` (e.g. "goods_in_receipts").
  int calls_with(const std::string& text) const {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int>(std::count_if(queries_.begin(), queries_.end(),
                                          [&](const std::string& q) { return q.find(text) != std::string::npos; }));
  }
  // Each call answers after `ms` of real time (to stop a sweeper mid-way).
  void delay_ms(int ms) { delay_ms_ = ms; }
  std::vector<std::string> queries() const {
    std::lock_guard<std::mutex> lock(mu_);
    return queries_;
  }

 private:
  static int64_t number_after(const std::string& text, const std::string& key, bool* found) {
    size_t at = text.find(key);
    *found = at != std::string::npos;
    return *found ? std::strtoll(text.c_str() + at + key.size(), nullptr, 10) : 0;
  }
  static int64_t int_of(const Json* v) {
    int64_t n = 0;
    if (v && v->is_string()) return std::strtoll(v->as_string().c_str(), nullptr, 10);
    if (v) (void)v->as_int64(&n);
    return n;
  }
  // The ids of {id: {in: [a, b, ..]}}; false when the query has none.
  static bool in_list(const std::string& query, std::vector<int64_t>* ids) {
    const std::string key = "{id: {in: [";
    size_t at = query.find(key);
    if (at == std::string::npos) return false;
    const char* p = query.c_str() + at + key.size();
    while (*p && *p != ']') {
      char* end = nullptr;
      ids->push_back(std::strtoll(p, &end, 10));
      p = end;
      while (*p == ',' || *p == ' ') ++p;
    }
    return true;
  }

  Result<HttpResponse> answer(const ClientRequest& r) {
    if (r.url.ends_with("/oauth/token")) return HttpResponse::json(200, R"({"access_token":"t","token_type":"Bearer","expires_in":3600})");
    if (down_) return HttpResponse::error(503, "maintenance");
    if (down_after_ >= 0 && graphql_calls_ >= down_after_) return Status::Unavailable("connection refused");
    graphql_calls_++;
    if (delay_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_.load()));
    Json body = Json::parse(r.body).value();
    const std::string query = body.get_string("query");
    const std::string resource = query.substr(query.find("{ ") + 2, query.find(" { all") - query.find("{ ") - 2);
    bool has_gt = false, has_goods_out = false, unused = false;
    const int64_t gt = number_after(query, "{id: {gt: ", &has_gt);
    const int64_t goods_out = number_after(query, "goods_out_id: {eq: ", &has_goods_out);
    const int64_t first = number_after(query, "first: ", &unused);
    std::vector<int64_t> in;
    const bool has_in = in_list(query, &in);
    const Json* after = body.find("variables")->find("after");
    const size_t offset = after && after->is_string() ? std::stoul(after->as_string()) : 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      queries_.push_back(query);
    }

    std::vector<Json> matching;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (std::find(missing_.begin(), missing_.end(), resource) != missing_.end())
        return HttpResponse::json(200, R"({"errors":[{"message":"Field ')" + resource + R"(' doesn't exist on type 'Query'"}]})");
      for (const Json& rec : records_[resource]) {
        if (has_gt && int_of(rec.find("id")) <= gt) continue;
        if (has_in && std::find(in.begin(), in.end(), int_of(rec.find("id"))) == in.end()) continue;
        if (has_goods_out && (!rec.find("goods_out") || int_of(rec.find("goods_out")->find("id")) != goods_out)) continue;
        matching.push_back(rec);
      }
    }
    std::stable_sort(matching.begin(), matching.end(),
                     [](const Json& a, const Json& b) { return int_of(a.find("id")) < int_of(b.find("id")); });
    Json edges = Json::array();
    size_t end = std::min(matching.size(), offset + static_cast<size_t>(first));
    for (size_t i = offset; i < end; ++i) {
      Json edge = Json::object();
      edge.set("node", matching[i]);
      edges.push(std::move(edge));
    }
    Json info = Json::object();
    info.set("hasNextPage", Json::boolean(end < matching.size()));
    info.set("endCursor", Json::string(std::to_string(end)));
    Json all = Json::object();
    all.set("pageInfo", std::move(info));
    all.set("edges", std::move(edges));
    Json res = Json::object();
    res.set("all", std::move(all));
    Json data = Json::object();
    data.set(resource, std::move(res));
    Json out = Json::object();
    out.set("data", std::move(data));
    return HttpResponse::json(200, out.dump());
  }

  FakeHttpClient http_;
  mutable std::mutex mu_;
  std::map<std::string, std::vector<Json>> records_;
  std::vector<std::string> queries_;
  std::vector<std::string> missing_;
  std::atomic<bool> down_{false};
  std::atomic<int> down_after_{-1};
  std::atomic<int> graphql_calls_{0};
  std::atomic<int> delay_ms_{0};
};

}  // namespace sb::test

#include "clarus_test_client.h"

#include <csignal>
#include <cstdlib>

namespace sb::clarus_sim::test {

ClarusClient::ClarusClient(std::string base_url, std::string sub)
    : subdomain(std::move(sub)), base_(std::move(base_url)), http_(make_poco_http_client()) {}

Answer ClarusClient::call(const std::string& method, const std::string& path, const std::string& body,
                          HttpHeaders headers, const std::string& content_type) {
  ClientRequest request;
  request.method = method;
  request.url = base_ + path;
  request.headers = std::move(headers);
  request.body = body;
  request.content_type = content_type;
  request.timeout = Millis(10'000);
  Answer answer;
  auto result = http_->send(request);
  if (!result.ok()) {
    answer.body = result.status().to_string();
    return answer;
  }
  answer.status = result->status;
  answer.body = result->body;
  auto parsed = Json::parse(answer.body);
  if (parsed.ok()) answer.json = parsed.value();
  return answer;
}

Answer ClarusClient::token(const std::string& client_id, const std::string& secret) {
  Answer a = call("POST", "/oauth/token",
                  "grant_type=client_credentials&client_id=" + url_encode(client_id) +
                      "&client_secret=" + url_encode(secret),
                  {}, "application/x-www-form-urlencoded");
  if (a.status == 200) bearer = a.json.get_string("access_token");
  return a;
}

Answer ClarusClient::api(const std::string& method, const std::string& path, const std::string& body) {
  HttpHeaders headers;
  if (!bearer.empty()) headers.emplace_back("Authorization", "Bearer " + bearer);
  if (!subdomain.empty()) headers.emplace_back("X-Clarus-Subdomain", subdomain);
  return call(method, "/api" + path, body, std::move(headers));
}

Answer ClarusClient::graphql(const std::string& query) {
  HttpHeaders headers = {{"Authorization", "Bearer " + bearer}, {"X-Clarus-Subdomain", subdomain}};
  Json body = Json::object();
  body.set("query", Json::string(query));
  return call("POST", "/graphql", body.dump(), std::move(headers));
}

Answer ClarusClient::admin(const std::string& method, const std::string& path, const std::string& body) {
  return call(method, "/_sim" + path, body, {});
}

std::unique_ptr<ClarusSimulator> start_sim(SimOptions options) {
  if (options.seed_products == 20) options.seed_products = 10;
  return start_sim_as_given(std::move(options));
}

std::unique_ptr<ClarusSimulator> start_sim_as_given(SimOptions options) {
  std::signal(SIGPIPE, SIG_IGN);  // a client hanging up must not kill the test process
  options.port = 0;
  auto sim = std::make_unique<ClarusSimulator>(options);
  Status st = sim->start();
  if (!st.ok()) FAIL(st.to_string().c_str());
  return sim;
}

void SimTest::open(SimOptions options, bool with_token) {
  sim = start_sim(std::move(options));
  client = std::make_unique<ClarusClient>(sim->url());
  if (with_token) client->token();
}

void SimTest::close() {
  client.reset();
  sim.reset();
}

const Json* at(const Json& root, const std::string& path) {
  const Json* cur = &root;
  size_t start = 0;
  while (cur) {
    size_t dot = path.find('.', start);
    std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (cur->is_array()) {
      size_t index = static_cast<size_t>(std::atoll(key.c_str()));
      cur = index < cur->items().size() ? &cur->items()[index] : nullptr;
    } else if (cur->is_object()) {
      cur = cur->find(key);
    } else {
      return nullptr;
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return cur;
}

int64_t int_at(const Json& root, const std::string& path) {
  const Json* v = at(root, path);
  int64_t out = -1;
  if (!v || !v->as_int64(&out)) return -1;
  return out;
}

std::string str_at(const Json& root, const std::string& path) {
  const Json* v = at(root, path);
  return v && (v->is_string() || v->is_number()) ? v->as_string() : "";
}

std::string goods_out_body(const std::string& reference, const std::vector<std::pair<int64_t, int64_t>>& lines,
                           const std::string& extra_attributes, const std::string& country) {
  std::string changes;
  int n = 0;
  for (const auto& [product, quantity] : lines) {
    if (!changes.empty()) changes += ",";
    changes += R"({"type":"ADD","attributes":{"product_id":)" + std::to_string(product) +
               R"(,"order_quantity":)" + std::to_string(quantity) + R"(,"alt_line_reference":"L)" +
               std::to_string(++n) + R"("}})";
  }
  return R"({"data":{"type":"goods_outs","attributes":{"reference":)" + json_quote(reference) +
         R"(,"account_id":1,"expected_date_of_dispatch":"2026-11-27","goods_out_type":"sales_order")" +
         (extra_attributes.empty() ? "" : "," + extra_attributes) + R"(,"lines_changes":[)" + changes +
         R"(]},"relationships":{"address":{"data":{"type":"addresses","attributes":{"name":"Ann Buyer","address_1":"1 High St","postcode":"AB1 2CD","country_code":)" +
         json_quote(country) + "}}}}}}";
}

}  // namespace sb::clarus_sim::test

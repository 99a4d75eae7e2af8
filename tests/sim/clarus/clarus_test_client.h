// Test-side calls to a running Clarus simulator over real loopback HTTP
// (make_poco_http_client), plus small JSON path helpers.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "clarus_simulator.h"
#include "platform/core/json.h"
#include "platform/http/http.h"

#include <CppUTest/TestHarness.h>

namespace sb::clarus_sim::test {

struct Answer {
  int status = 0;  // 0 when no answer arrived
  std::string body;
  Json json;       // parsed body (null when not JSON)
  std::string error() const { return json.is_object() ? json.get_string("error") : ""; }
};

class ClarusClient {
 public:
  explicit ClarusClient(std::string base_url, std::string subdomain = "stockbridge");

  // POST /oauth/token; keeps the token when it is issued.
  Answer token(const std::string& client_id = "stockbridge", const std::string& secret = "stockbridge-secret");
  // REST under /api with the bearer token and the subdomain header.
  Answer api(const std::string& method, const std::string& path, const std::string& body = "");
  Answer graphql(const std::string& query);
  // /_sim/* (no authentication).
  Answer admin(const std::string& method, const std::string& path, const std::string& body = "");
  Answer call(const std::string& method, const std::string& path, const std::string& body, HttpHeaders headers,
              const std::string& content_type = "application/json");

  std::string bearer;
  std::string subdomain;

 private:
  std::string base_;
  std::unique_ptr<HttpClient> http_;
};

// An in-process simulator on a free loopback port with 10 seeded products
// (unless options say otherwise), started or the test fails.
std::unique_ptr<ClarusSimulator> start_sim(SimOptions options = {});
// The same with the options as given: only the port is chosen (any free one).
std::unique_ptr<ClarusSimulator> start_sim_as_given(SimOptions options);

// The base of a test group that talks to one simulator:
// TEST_GROUP_BASE(Group, SimTest). setup() starts start_sim() and a client
// holding a token; a group wanting other options overrides setup() and calls
// open(options) itself. teardown() drops the client, then the simulator.
class SimTest : public Utest {
 public:
  std::unique_ptr<ClarusSimulator> sim;
  std::unique_ptr<ClarusClient> client;

  void setup() override { open(); }
  void teardown() override { close(); }

 protected:
  void open(SimOptions options = {}, bool with_token = true);
  void close();
};

// Follows "data.attributes.lines.0.quantity" (array indexes as numbers); nullptr when absent.
const Json* at(const Json& root, const std::string& path);
int64_t int_at(const Json& root, const std::string& path);  // -1 when absent
std::string str_at(const Json& root, const std::string& path);

// A POST /goods_outs body: lines of {product_id, order_quantity}; extra header attributes as raw JSON members.
std::string goods_out_body(const std::string& reference, const std::vector<std::pair<int64_t, int64_t>>& lines,
                           const std::string& extra_attributes = "", const std::string& country = "GB");

}  // namespace sb::clarus_sim::test

#include "tests/ui/ui_support.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "platform/http/admin_auth.h"
#include "platform/http/http.h"

#ifndef STOCKBRIDGE_BINARY_DIR
#error "STOCKBRIDGE_BINARY_DIR must name the build directory"
#endif

namespace sb::ui {

Admins::Admins() {
  Result<std::string> line = make_password_line(kLead, kPassword, 1000);
  std::ofstream(users) << (line.ok() ? *line : std::string()) << "\n";
}

std::string screenshot_dir() {
  const char* env = std::getenv("STOCKBRIDGE_SCREENSHOTS");
  std::string dir = env && *env ? env : std::string(STOCKBRIDGE_BINARY_DIR) + "/ui-screenshots";
  ::mkdir(dir.c_str(), 0755);
  return dir;
}

namespace {

size_t element_start(const std::string& dom, const std::string& id) {
  const size_t at = dom.find("id=\"" + id + "\"");
  if (at == std::string::npos) return std::string::npos;
  return dom.rfind('<', at);
}

}  // namespace

std::string element_text(const std::string& dom, const std::string& id) {
  const size_t open = element_start(dom, id);
  if (open == std::string::npos) return "";
  size_t name_end = dom.find_first_of(" >", open + 1);
  const std::string tag = dom.substr(open + 1, name_end - open - 1);
  const size_t body = dom.find('>', open) + 1;
  // The matching end tag, counting nested elements of the same name.
  int depth = 1;
  size_t pos = body;
  while (depth > 0) {
    const size_t next_open = dom.find("<" + tag, pos);
    const size_t next_close = dom.find("</" + tag + ">", pos);
    if (next_close == std::string::npos) return visible_text(dom.substr(body));
    if (next_open != std::string::npos && next_open < next_close) {
      ++depth;
      pos = next_open + 1;
    } else {
      --depth;
      pos = next_close + 1;
      if (depth == 0) return visible_text(dom.substr(body, next_close - body));
    }
  }
  return "";
}

std::string element_attr(const std::string& dom, const std::string& id, const std::string& attr) {
  const size_t open = element_start(dom, id);
  if (open == std::string::npos) return "";
  const size_t end = dom.find('>', open);
  const std::string tag = dom.substr(open, end - open);
  const size_t at = tag.find(" " + attr + "=\"");
  if (at == std::string::npos) return "";
  const size_t v = at + attr.size() + 3;
  return tag.substr(v, tag.find('"', v) - v);
}

std::string visible_text(const std::string& dom) {
  std::string out;
  bool in_tag = false;
  for (char c : dom) {
    if (c == '<') {
      in_tag = true;
      out += ' ';
    } else if (c == '>') {
      in_tag = false;
    } else if (!in_tag) {
      out += c;
    }
  }
  for (const auto& [entity, ch] : std::initializer_list<std::pair<std::string, std::string>>{
           {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&nbsp;", " "}, {"&amp;", "&"}}) {
    for (size_t p = out.find(entity); p != std::string::npos; p = out.find(entity, p + ch.size())) out.replace(p, entity.size(), ch);
  }
  std::string collapsed;
  for (char c : out) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (space && (collapsed.empty() || collapsed.back() == ' ')) continue;
    collapsed += space ? ' ' : c;
  }
  while (!collapsed.empty() && collapsed.back() == ' ') collapsed.pop_back();
  return collapsed;
}

Result<std::string> page_dom(const std::string& url) {
  testing::TempDir scratch("ui-dom");
  return testing::dump_dom(url, scratch.path());
}

Status sign_in(testing::Browser& browser, const std::string& base_url, const std::string& next, const std::string& user,
               const std::string& password) {
  SB_RETURN_IF_ERROR(browser.navigate(base_url + "/login?next=" + url_encode(next)));
  const std::string js = "document.getElementById('user').value = " + std::string("'") + user +
                         "'; document.getElementById('password').value = '" + password +
                         "'; document.getElementById('login-submit').click();";
  return browser.act_and_wait(js);
}

}  // namespace sb::ui

#include "graphql_cursor.h"

namespace sb::clarus_sim::gql {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kPrefix = "cursor:";

int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::string encode_cursor(std::string_view id_text) {
  std::string in = std::string(kPrefix) + std::string(id_text);
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t n = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) n |= static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

bool decode_cursor(std::string_view cursor, std::string* id_text) {
  while (!cursor.empty() && cursor.back() == '=') cursor.remove_suffix(1);
  if (cursor.size() % 4 == 1) return false;
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : cursor) {
    int v = sextet(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  if (out.size() <= kPrefix.size() || out.compare(0, kPrefix.size(), kPrefix) != 0) return false;
  *id_text = out.substr(kPrefix.size());
  return true;
}

}  // namespace sb::clarus_sim::gql

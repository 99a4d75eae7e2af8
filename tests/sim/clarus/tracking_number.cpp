#include <string>

#include "scripted_warehouse.h"

namespace sb::clarus_sim {
namespace {

std::string digits(std::mt19937_64& rng, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += static_cast<char>('0' + rng() % 10);
  return s;
}

std::string letters(std::mt19937_64& rng, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += static_cast<char>('A' + rng() % 26);
  return s;
}

// UPU S10 check digit over 8 serial digits.
char s10_check(const std::string& serial) {
  static const int kWeights[] = {8, 6, 4, 2, 3, 5, 9, 7};
  int sum = 0;
  for (int i = 0; i < 8; ++i) sum += (serial[static_cast<size_t>(i)] - '0') * kWeights[i];
  int check = 11 - sum % 11;
  if (check == 10) check = 0;
  if (check == 11) check = 5;
  return static_cast<char>('0' + check);
}

}  // namespace

std::string tracking_number(const std::string& carrier_code, std::mt19937_64& rng) {
  if (carrier_code == "ROYALMAIL") {
    std::string serial = digits(rng, 8);
    return letters(rng, 2) + serial + s10_check(serial) + "GB";
  }
  if (carrier_code == "DPD") return "15501" + digits(rng, 9);
  if (carrier_code == "DHL") return digits(rng, 10);
  if (carrier_code == "UPS") {
    std::string s = "1Z";
    const char* alnum = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ";
    for (int i = 0; i < 6; ++i) s += alnum[rng() % 33];
    return s + digits(rng, 10);
  }
  return "SIM" + digits(rng, 10);
}

}  // namespace sb::clarus_sim

#include "relay/units.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace sb::relay {
namespace {

bool same_text(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string text_of(const Json& obj, const char* key) {
  const Json* v = obj.find(key);
  if (!v) return "";
  if (v->is_string()) return v->as_string();
  if (v->is_object()) return v->get_string("refName");
  return "";
}

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

std::string label(const ErpUnit& u) { return u.abbreviation.empty() ? u.name : u.abbreviation; }

}  // namespace

const ErpUnit* ItemUnits::find(const std::string& code) const {
  for (const ErpUnit& u : units) {
    if (!u.abbreviation.empty() && same_text(u.abbreviation, code)) return &u;
  }
  for (const ErpUnit& u : units) {
    if (same_text(u.name, code)) return &u;
  }
  return nullptr;
}

const ErpUnit* ItemUnits::base() const {
  for (const ErpUnit& u : units) {
    if (u.rate == 1) return &u;
  }
  return units.empty() ? nullptr : &units.front();
}

const ErpUnit* ItemUnits::stock() const {
  if (!stock_unit.empty()) {
    if (const ErpUnit* u = find(stock_unit)) return u;
  }
  return base();
}

ItemUnits parse_item_units(const Json& item) {
  ItemUnits out;
  const Json* units = item.find("units");
  const Json* lines = units ? units->find("items") : nullptr;
  if (lines && lines->is_array()) {
    for (const Json& l : lines->items()) {
      ErpUnit u;
      u.id = l.get_string("id");
      u.name = l.get_string("unitName");
      u.abbreviation = l.get_string("abbreviation");
      const Json* rate = l.find("conversionRate");
      if (rate && rate->is_number()) u.rate = rate->as_double();
      if (rate && rate->is_string()) u.rate = std::atof(rate->as_string().c_str());
      if (u.name.empty() || !(u.rate > 0)) continue;  // unusable line: never guess a factor
      out.units.push_back(std::move(u));
    }
  }
  out.stock_unit = text_of(item, "stockUnit");
  return out;
}

Result<Conversion> convert(const ItemUnits& units, const std::string& sku, const std::string& from_code, int64_t quantity,
                           const std::string& to_name, double to_rate) {
  Conversion c;
  if (!units.known()) {
    // The ERP keeps no units for this item: one is one, for a quantity in
    // eaches (or not said). A case or any other unit cannot be converted.
    if (!from_code.empty() && !same_text(from_code, "EA") && !same_text(from_code, "EACH"))
      return Status::InvalidArgument("unit " + from_code + " of item " + sku +
                                     " cannot be converted: the ERP has no units for the item (UOM_NOT_CONVERTIBLE)");
    c.quantity = quantity;
    return c;
  }
  const ErpUnit* from = from_code.empty() ? units.stock() : units.find(from_code);
  if (!from) {
    std::string known;
    for (const ErpUnit& u : units.units) known += (known.empty() ? "" : ", ") + label(u);
    return Status::InvalidArgument("unit " + from_code + " is not a unit of item " + sku + " in the ERP (it has " + known +
                                   ") (UOM_NOT_CONVERTIBLE)");
  }
  const double target_rate = to_rate > 0 ? to_rate : 1;
  const double exact = static_cast<double>(quantity) * from->rate / target_rate;
  const double whole = std::round(exact);
  const std::string to = to_name.empty() ? (units.base() ? units.base()->name : "base units") : to_name;
  // Relative: rates such as 1/12 are stored rounded, so 12 x 0.0833333 is one case.
  if (std::fabs(exact - whole) > 1e-6 * std::max(1.0, std::fabs(exact))) {
    return Status::InvalidArgument(std::to_string(quantity) + " " + label(*from) + " of " + sku + " is " +
                                   number_text(exact) + " " + to + ", not a whole number (UOM_NOT_CONVERTIBLE)");
  }
  c.quantity = static_cast<int64_t>(whole);
  c.note = std::to_string(quantity) + " " + label(*from) + " (" + from->name + " = " + number_text(from->rate) + ") = " +
           std::to_string(c.quantity) + " " + to + " (= " + number_text(target_rate) + ")";
  return c;
}

std::string clarus_unit_code(const ItemUnits& units) {
  const ErpUnit* s = units.stock();
  if (!s) return "EA";
  std::string code = label(*s);
  std::transform(code.begin(), code.end(), code.begin(), [](unsigned char ch) { return std::toupper(ch); });
  return code;
}

}  // namespace sb::relay

#include "tests/e2e/erp_commands.h"

#include <chrono>
#include <thread>

namespace sb::e2e {

ErpCommands::ErpCommands(const std::string& broker_uri, const std::string& site_id, const std::string& epoch)
    : site_(site_id), epoch_(epoch) {
  MqttOptions o;
  o.server_uri = broker_uri;
  o.client_id = "erp-commands-" + site_id;
  o.clean_session = true;
  link_ = make_paho_transport(o);
  link_->on_message([this](MqttMessage m) {
    v1::DownlinkAck ack;
    if (!ack.ParseFromString(m.payload) || ack.downlink_epoch() != epoch_) return;
    std::lock_guard lock(mu_);
    if (ack.acked_through_seq() > acked_) acked_ = ack.acked_through_seq();
    unacked_.erase(unacked_.begin(), unacked_.upper_bound(acked_));
    for (const v1::CommandOutcome& o : ack.outcomes()) outcomes_[o.command_id()] = o;
  });
  (void)link_->subscribe(v1::down_ack_topic(site_id), 1);
}

ErpCommands::~ErpCommands() { stop(); }

void ErpCommands::stop() {
  if (link_) link_->stop();
}

Status ErpCommands::start() {
  SB_RETURN_IF_ERROR(link_->start());
  // Connected before the first send, so the first batch is not refused; later
  // losses are covered by resend(), as the relay covers them.
  for (int i = 0; i < 100 && !link_->is_connected(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  return link_->is_connected() ? Status::Ok() : Status::Unavailable("could not connect to the broker");
}

void ErpCommands::send(v1::Command command) {
  v1::DownlinkBatch batch;
  {
    std::lock_guard lock(mu_);
    command.set_seq(next_seq_++);
    if (command.command_id().empty()) command.set_command_id("cmd-" + epoch_ + "-" + std::to_string(command.seq()));
    command.set_site_id(site_);
    unacked_[command.seq()] = command;
    // Everything unacknowledged goes along, in order, as the relay would send it.
    for (const auto& [seq, c] : unacked_) *batch.add_commands() = c;
  }
  batch.set_site_id(site_);
  batch.set_downlink_epoch(epoch_);
  (void)link_->publish(v1::down_topic(site_), batch.SerializeAsString(), 1, false);
}

void ErpCommands::resend() {
  v1::DownlinkBatch batch;
  {
    std::lock_guard lock(mu_);
    if (unacked_.empty()) return;
    for (const auto& [seq, c] : unacked_) *batch.add_commands() = c;
  }
  batch.set_site_id(site_);
  batch.set_downlink_epoch(epoch_);
  (void)link_->publish(v1::down_topic(site_), batch.SerializeAsString(), 1, false);
}

uint64_t ErpCommands::acked_through() const {
  std::lock_guard lock(mu_);
  return acked_;
}

uint64_t ErpCommands::sent() const {
  std::lock_guard lock(mu_);
  return next_seq_ - 1;
}

std::map<std::string, v1::CommandOutcome> ErpCommands::outcomes() const {
  std::lock_guard lock(mu_);
  return outcomes_;
}

namespace {

template <typename Body>
void add_lines(Body* body, const std::vector<std::pair<std::string, int64_t>>& lines) {
  int n = 0;
  for (const auto& [sku, qty] : lines) {
    v1::OrderLine* l = body->add_lines();
    l->set_line_ref(std::to_string(++n));
    l->set_sku(sku);
    l->set_quantity(qty);
    l->set_unit("EA");
  }
}

}  // namespace

v1::Command ErpCommands::item(const std::string& sku, const std::string& description, int units_per_case) {
  v1::Command c;
  v1::ItemUpsert* i = c.mutable_item_upsert();
  i->set_erp_item_id("item-" + sku);
  i->set_sku(sku);
  i->set_description(description);
  i->set_unit("EA");
  i->set_units_per_case(units_per_case);
  i->set_barcode("50" + std::to_string(std::hash<std::string>{}(sku) % 100000000000ULL));
  i->set_active(true);
  return c;
}

v1::Command ErpCommands::order(const std::string& number, const std::vector<std::pair<std::string, int64_t>>& lines,
                               const std::string& carrier, const std::string& service) {
  v1::Command c;
  v1::SalesOrderRelease* o = c.mutable_sales_order_release();
  o->set_erp_order_id("so-" + number);
  o->set_order_number(number);
  o->set_carrier(carrier);
  o->set_carrier_service(service);
  v1::Address* a = o->mutable_ship_to();
  a->set_name("Harbour Cycles Ltd");
  a->set_address_1("14 Quay Street");
  a->set_address_2("Bristol");
  a->set_postcode("BS1 4DJ");
  a->set_country_code("GB");
  a->set_email_address("orders@harbourcycles.example");
  add_lines(o, lines);
  return c;
}

v1::Command ErpCommands::cancel(const std::string& number) {
  v1::Command c;
  c.mutable_sales_order_cancel()->set_erp_order_id("so-" + number);
  c.mutable_sales_order_cancel()->set_order_number(number);
  c.mutable_sales_order_cancel()->set_reason("customer cancelled");
  return c;
}

v1::Command ErpCommands::purchase_order(const std::string& number, const std::vector<std::pair<std::string, int64_t>>& lines) {
  v1::Command c;
  v1::PurchaseOrderRelease* p = c.mutable_purchase_order_release();
  p->set_erp_po_id("po-" + number);
  p->set_po_number(number);
  p->set_supplier("Northern Components");
  add_lines(p, lines);
  return c;
}

v1::Command ErpCommands::return_authorisation(const std::string& number,
                                              const std::vector<std::pair<std::string, int64_t>>& lines) {
  v1::Command c;
  v1::ReturnAuthorisation* r = c.mutable_return_authorisation();
  r->set_erp_return_id("ra-" + number);
  r->set_rma_number(number);
  r->set_customer("Harbour Cycles Ltd");
  add_lines(r, lines);
  return c;
}

}  // namespace sb::e2e

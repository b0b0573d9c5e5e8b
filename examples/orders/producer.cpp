// The orders example's producer.py in C++ with kavro's library: Order records serialized as Avro through the
// Schema Registry (TopicNameStrategy subject "orders-value"), key = order_id, retries = 3.
//   orders_producer [bootstrap] [registry-url] [count]
#include "kavro/kafka/producer.hpp"

#include <iostream>
#include <memory>
#include <string>

#include "kavro/orders/order.hpp"
#include "kavro/registry/client.hpp"
#include "kavro/serde/serializer.hpp"

int main(int argc, char** argv) {
  const std::string bootstrap = argc > 1 ? argv[1] : "127.0.0.1:9092";
  const std::string registry_url = argc > 2 ? argv[2] : "http://127.0.0.1:8081";
  const int count = argc > 3 ? std::stoi(argv[3]) : 10;

  auto registry = std::make_shared<kavro::registry::client>(kavro::registry::client_config{{registry_url}});
  kavro::serde::serializer serializer(registry, "orders-value", kavro::orders::order_schema());
  kavro::kafka::producer_config config;
  config.bootstrap_servers = bootstrap;
  config.retries = 3;
  kavro::kafka::producer producer(config, [](const kavro::kafka::delivery_report& r) {
    if (r.failure) {
      std::cerr << "delivery failed: " << r.failure->message << '\n';
    } else {
      std::cout << "delivered to " << r.topic << " [" << r.partition << "] @ " << r.offset << '\n';
    }
  });

  kavro::orders::order_generator orders;
  std::vector<std::uint8_t> buffer;
  for (int i = 0; i < count; ++i) {
    const auto order = orders.next();
    buffer.clear();
    // The generated Order type encodes itself: no generic record in between.
    if (auto ok = serializer.serialize_with(buffer, [&](auto& out) { kavro::orders::encode(order, out); });
        !ok) {
      std::cerr << "order " << order.order_id << ": " << ok.error().message << '\n';
      return 1;
    }
    const std::string key = std::to_string(order.order_id);
    auto queued =
        producer.produce("orders", {reinterpret_cast<const std::uint8_t*>(key.data()), key.size()}, buffer);
    if (!queued) {
      std::cerr << "order " << order.order_id << ": " << queued.error().message << '\n';
      return 1;
    }
  }
  if (auto flushed = producer.flush(std::chrono::seconds(30)); !flushed) {
    std::cerr << flushed.error().message << '\n';
    return 1;
  }
  return producer.counts().failed == 0 ? 0 : 1;
}

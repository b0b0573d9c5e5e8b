// `kavro registry serve`: the Schema Registry server, until Ctrl-C.
#include <chrono>
#include <iostream>
#include <thread>

#include "common.hpp"
#include "kavro/registry_server/server.hpp"

namespace kavro::cli {

void add_registry(CLI::App& app) {
  auto* registry = app.add_subcommand("registry", "Schema Registry server");
  registry->require_subcommand(1);
  auto* serve = registry->add_subcommand("serve", "Serve a Confluent-compatible Schema Registry (in-memory store)");
  auto cfg = std::make_shared<registry_server::server_config>();
  serve->add_option("--host", cfg->host, "Address to listen on")->capture_default_str();
  serve->add_option("--port", cfg->port, "Port to listen on (0: any free port)")->capture_default_str();
  serve->callback([cfg] {
    install_stop_signals();
    registry_server::server srv(*cfg);
    auto port = srv.start();
    if (!port) throw std::runtime_error("registry: " + port.error().message);
    std::cout << "kavro registry listening on http://" << cfg->host << ':' << *port << std::endl;
    while (!stop_requested.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    srv.stop();
    std::cout << "kavro registry stopped" << std::endl;
  });
}

}  // namespace kavro::cli

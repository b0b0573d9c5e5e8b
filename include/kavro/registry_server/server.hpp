// A Confluent-compatible Schema Registry HTTP server (the subset serializers and deserializers use),
// served in process on a background thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "kavro/result.hpp"

namespace kavro::registry_server {

struct server_config {
  std::string host = "0.0.0.0";
  std::uint16_t port = 8081;  // 0 binds a free port
};

class server {
 public:
  explicit server(server_config config);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds, starts serving on a background thread and returns the bound port.
  result<std::uint16_t> start();
  // Stops serving and joins the background thread; safe to call more than once.
  void stop();
  // Blocks until the server has stopped (by stop() from another thread).
  void wait();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace kavro::registry_server

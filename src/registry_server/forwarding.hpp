// Several registry instances on one log: writes go to the elected leader (a follower forwards the
// request as it came), and a read that finds nothing first catches up with what the others wrote.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "routes.hpp"
#include "store.hpp"

namespace kavro::registry_server {

class forwarding {
 public:
  // shared_log: the store is a log other instances write too (Kafka); store_timeout bounds a forward.
  forwarding(store& log, bool shared_log, std::chrono::milliseconds store_timeout)
      : log_(log), shared_log_(shared_log), store_timeout_(store_timeout) {}

  // What this instance advertises to the others; set once the transport has its port.
  void set_own_url(std::string url);
  // A write: run here when this instance leads, else forwarded to the leader; once the leader has
  // answered with success this instance catches up with the log, so the caller reads its write here too.
  handler_fn leader_only(handler_fn fn);
  // A read: a "not found" may only mean another instance's write has not been read back yet, so before
  // saying it the instance catches up with the log and asks again.
  handler_fn caught_up(handler_fn fn);

 private:
  response forward(const call& req, const std::string& leader, const std::string& self_url) const;
  std::string own_url() const;

  store& log_;
  bool shared_log_;
  std::chrono::milliseconds store_timeout_;
  mutable std::mutex url_mutex_;  // own_url_ is set in start(), after the transport may serve
  std::string own_url_;
};

}  // namespace kavro::registry_server

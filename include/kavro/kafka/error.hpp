// A librdkafka failure as kavro reports it: librdkafka's code and name, and what can be done about it
// (fatal, retriable, abort the transaction), classified once (src/rdkafka/rdkafka_error.hpp).
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "kavro/result.hpp"

namespace kavro::kafka {

class kafka_error {
 public:
  kafka_error(int code, std::string name, std::string message, bool fatal, bool retriable,
              bool txn_requires_abort, errc category)
      : code_(code),
        name_(std::move(name)),
        message_(std::move(message)),
        fatal_(fatal),
        retriable_(retriable),
        txn_requires_abort_(txn_requires_abort),
        category_(category) {}

  int code() const noexcept { return code_; }                 // librdkafka's rd_kafka_resp_err_t
  const std::string& name() const noexcept { return name_; }  // e.g. "MSG_SIZE_TOO_LARGE"
  const std::string& message() const noexcept { return message_; }
  // The client is unusable and must be recreated (e.g. an idempotent producer's sequence desync).
  bool fatal() const noexcept { return fatal_; }
  // The same request may succeed later (a timeout, a leader change); never true for a fatal error.
  bool retriable() const noexcept { return retriable_; }
  // A transactional producer must abort the current transaction before it can go on.
  bool txn_requires_abort() const noexcept { return txn_requires_abort_; }

  // As kavro's result error: unavailable when retrying can help, internal when the client is lost, and
  // otherwise invalid_data (the broker refuses the record itself) or invalid_argument (configuration,
  // authorization, a topic that cannot be written).
  kavro::error to_error(std::string_view context) const {
    return kavro::error{category(), std::string(context) + ": " + name_ + ": " + message_};
  }
  errc category() const noexcept { return category_; }

 private:
  int code_;
  std::string name_, message_;
  bool fatal_, retriable_, txn_requires_abort_;
  errc category_;
};

}  // namespace kavro::kafka

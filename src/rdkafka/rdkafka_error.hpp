// librdkafka's error codes and error objects mapped, once, to kafka::kafka_error: fatal, retriable,
// transaction-abortable, and the kavro error category. Header-only, shared like rdkafka_handles.hpp.
#pragma once

#include <librdkafka/rdkafka.h>

#include <string>

#include "kavro/kafka/error.hpp"

namespace kavro::rdk {

// Codes for which sending the same record again can never succeed: the broker refuses the record itself.
inline bool record_refused(rd_kafka_resp_err_t err) noexcept {
  switch (err) {
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_TIMESTAMP:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_COMPRESSION_TYPE:
      return true;
    default:
      return false;
  }
}

// Codes that say the client, its configuration or its rights are wrong: no retry helps until that changes.
inline bool refused_for_the_client(rd_kafka_resp_err_t err) noexcept {
  switch (err) {
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_INVALID_REQUIRED_ACKS:
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED:
    case RD_KAFKA_RESP_ERR__INVALID_TYPE:
      return true;
    default:
      return false;
  }
}

inline errc category_of(rd_kafka_resp_err_t err, bool fatal, bool retriable) noexcept {
  if (fatal) return errc::internal;
  if (record_refused(err)) return errc::invalid_data;
  if (refused_for_the_client(err)) return errc::invalid_argument;
  (void)retriable;
  return errc::unavailable;  // transport, timeouts, purges at shutdown: the message was never refused
}

// A bare code, as delivery reports and most calls return it. librdkafka has no retriable flag for a bare
// code: a code is retriable unless it is fatal or refuses the record or the client (the tables above).
inline kafka::kafka_error error_of(rd_kafka_resp_err_t err, std::string message = {}) {
  const bool fatal = err == RD_KAFKA_RESP_ERR__FATAL;
  const bool retriable = !fatal && !record_refused(err) && !refused_for_the_client(err);
  return kafka::kafka_error(static_cast<int>(err), rd_kafka_err2name(err),
                            message.empty() ? std::string(rd_kafka_err2str(err)) : std::move(message), fatal,
                            retriable, false, category_of(err, fatal, retriable));
}

// An rd_kafka_error_t (transactions, incremental assign, seek, ...): librdkafka's own flags. Takes
// ownership and destroys it.
inline kafka::kafka_error error_of(rd_kafka_error_t* e) {
  const auto err = rd_kafka_error_code(e);
  const bool fatal = rd_kafka_error_is_fatal(e) != 0;
  const bool retriable = !fatal && rd_kafka_error_is_retriable(e) != 0;
  kafka::kafka_error out(static_cast<int>(err), rd_kafka_error_name(e), rd_kafka_error_string(e), fatal,
                         retriable, rd_kafka_error_txn_requires_abort(e) != 0,
                         category_of(err, fatal, retriable));
  rd_kafka_error_destroy(e);
  return out;
}

}  // namespace kavro::rdk

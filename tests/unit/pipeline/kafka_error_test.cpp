// The Kafka error mapping (src/rdkafka/rdkafka_error.hpp): librdkafka's codes classified once, so a
// permanent delivery failure is never reported as retriable.
#include <gtest/gtest.h>

#include "rdkafka_error.hpp"

namespace {

using namespace kavro;

TEST(KafkaError, PermanentRecordRefusalsAreNotRetriable) {
  for (auto code : {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE,
                    RD_KAFKA_RESP_ERR_INVALID_RECORD, RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE}) {
    const auto e = rdk::error_of(code);
    EXPECT_FALSE(e.retriable()) << e.name();
    EXPECT_FALSE(e.fatal()) << e.name();
    EXPECT_EQ(e.category(), errc::invalid_data) << e.name();
    EXPECT_FALSE(e.to_error("delivery").retriable()) << e.name();
  }
}

TEST(KafkaError, AuthorizationAndConfigurationRefusalsAreNotRetriable) {
  for (auto code :
       {RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED,
        RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC,
        RD_KAFKA_RESP_ERR_POLICY_VIOLATION}) {
    const auto e = rdk::error_of(code);
    EXPECT_FALSE(e.retriable()) << e.name();
    EXPECT_EQ(e.category(), errc::invalid_argument) << e.name();
  }
}

TEST(KafkaError, TransportAndTimeoutsAreRetriable) {
  for (auto code : {RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__TRANSPORT,
                    RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                    RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN}) {
    const auto e = rdk::error_of(code);
    EXPECT_TRUE(e.retriable()) << e.name();
    EXPECT_EQ(e.category(), errc::unavailable) << e.name();
    EXPECT_TRUE(e.to_error("delivery").retriable()) << e.name();
  }
}

TEST(KafkaError, FatalIsNeverRetriable) {
  const auto e = rdk::error_of(RD_KAFKA_RESP_ERR__FATAL);
  EXPECT_TRUE(e.fatal());
  EXPECT_FALSE(e.retriable());
  EXPECT_EQ(e.category(), errc::internal);
}

TEST(KafkaError, TheMessageNamesTheContextAndTheCode) {
  const auto e = rdk::error_of(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE).to_error("delivery to orders failed");
  EXPECT_EQ(e.message.rfind("delivery to orders failed: MSG_SIZE_TOO_LARGE: ", 0), 0u) << e.message;
  EXPECT_EQ(rdk::error_of(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE).code(),
            static_cast<int>(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE));
}

TEST(KafkaError, AnErrorObjectKeepsLibrdkafkasOwnFlags) {
  rd_kafka_error_t* raw = rd_kafka_error_new(RD_KAFKA_RESP_ERR__STATE, "no transaction in progress");
  const auto e = rdk::error_of(raw);  // takes ownership
  EXPECT_EQ(e.name(), "_STATE");
  EXPECT_EQ(e.message(), "no transaction in progress");
  EXPECT_FALSE(e.fatal());
  EXPECT_FALSE(e.txn_requires_abort());
}

}  // namespace

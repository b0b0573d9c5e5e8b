// Building librdkafka handles from kavro's property maps.
#include "handles.hpp"

namespace kavro::kafka::detail {

result<conf_ptr> make_conf(const properties& props) {
  conf_ptr conf(rd_kafka_conf_new());
  char errstr[512];
  for (const auto& [key, value] : props) {
    if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      return fail(errc::invalid_argument, "kafka property '" + key + "'='" + value + "': " + errstr);
    }
  }
  return conf;
}

result<kafka_ptr> make_handle(rd_kafka_type_t type, conf_ptr conf) {
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof errstr);
  if (rk == nullptr) {
    return fail(errc::invalid_argument, std::string("creating kafka client: ") + errstr);
  }
  conf.release();  // rd_kafka_new took ownership
  return kafka_ptr(rk);
}

}  // namespace kavro::kafka::detail

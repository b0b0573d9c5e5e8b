// The kafka module's names for the shared librdkafka handle owners (src/rdkafka/rdkafka_handles.hpp).
#pragma once

#include "rdkafka_handles.hpp"

namespace kavro::kafka::detail {

using kafka_ptr = rdk::handle_ptr;
using rdk::conf_ptr;
using rdk::headers_ptr;
using rdk::message_ptr;
using rdk::partition_list_ptr;

using rdk::err_text;
using rdk::make_conf;
using rdk::make_handle;

}  // namespace kavro::kafka::detail
